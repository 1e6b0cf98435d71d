"""Relationship fields called straight from graphql-core (kb.api.direct) answer exactly as
through strawberry's wrapper."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import strawberry

from kb.api import direct
from kb.api import types as gen
from kb.api.context import Context
from kb.api.schema import build_schema, extensions, query_type
from kb.store.memory import MemoryStore
from tests.api.examples import EXAMPLES, EXAMPLES_DIR, read

# (query, variables, words the answer must contain)
EXTRA = [
    ('{ force(id: "kent") { officers(first: 2) { id node { id } } } }', {}, "person/"),
    ('{ force(id: "kent") { officers(first: 500) { id } } }', {}, "maximum page size"),
    ('{ force(id: "kent") { officers(after: "nope") { id } } }', {}, "`after` is not the id"),
    (
        'query($m: String, $f: String) { force(id: "kent") { statistics(measure: $m, from: $f, to: "2030") '
        "{ node { id } } } }",
        {"m": None, "f": "2000-01-01"},
        "statistic/",
    ),
]


def _plain_schema() -> strawberry.Schema:
    extra = [*gen.ENTITY_TYPES.values(), *gen.EDGE_TYPES.values()]
    return strawberry.Schema(query=query_type(), types=extra, extensions=extensions(True))


def _run(schema: strawberry.Schema, store: MemoryStore, query: str, variables: dict[str, Any]) -> str:
    async def go() -> Any:
        return await schema.execute(query, variable_values=variables, context_value=Context(store, "https://kb", None))

    r = asyncio.run(go())
    errors = [(e.message, e.path) for e in r.errors or []]
    return json.dumps([r.data, errors], sort_keys=True, default=str)


def test_direct_resolvers_are_installed() -> None:
    assert direct.install(build_schema(True)) > 20  # every relationship field of every class


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_answer_the_same(memory_kb: MemoryStore, name: str) -> None:
    query, sidecar = read(EXAMPLES_DIR / f"{name}.graphql")
    variables = {k: None for k in sidecar} | EXAMPLES[name].test_vars
    assert _run(build_schema(True), memory_kb, query, variables) == _run(_plain_schema(), memory_kb, query, variables)


@pytest.mark.parametrize("query,variables,expect", EXTRA)
def test_arguments_and_errors_are_the_same(
    memory_kb: MemoryStore, query: str, variables: dict[str, Any], expect: str
) -> None:
    fast = _run(build_schema(True), memory_kb, query, variables)
    assert fast == _run(_plain_schema(), memory_kb, query, variables)
    assert expect in fast
