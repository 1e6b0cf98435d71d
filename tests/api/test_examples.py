"""graphql/examples/*.graphql: documented, and answering their question on the test KB (both stores)."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import GQL
from tests.api.examples import EXAMPLES, example_files, read

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_at_least_twelve_documented_examples() -> None:
    files = example_files()
    assert len(files) >= 12
    for f in files:
        text, variables = read(f)
        assert re.match(r"# Question: \S", text), f"{f.name}: must start with '# Question: ...'"
        assert isinstance(variables, dict)
        assert f.stem in EXAMPLES, f"{f.name} has no answer check in tests/api/examples.py"
    assert set(EXAMPLES) == {f.stem for f in files}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_on_test_kb(gql: GQL, name: str) -> None:
    path = next(f for f in example_files() if f.stem == name)
    query, sidecar = read(path)
    ex = EXAMPLES[name]
    variables = {k: None for k in sidecar} | ex.test_vars
    ex.check_test(gql(query, variables), gql)
