"""The planned execution context (kb.api.executor) answers exactly as graphql-core's own.

Two ways: the project's schema on the sample KB (every example and a set of query shapes),
and a small schema whose objects break every assumption the plans make (nulls in non-null
fields, objects of the wrong class, raising and asynchronous resolvers, values that do not
coerce), compared field by field, error by error.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar, Optional

import pytest
import strawberry

from kb.api import direct
from kb.api.context import Context
from kb.api.executor import KBExecutionContext
from kb.api.schema import build_schema
from kb.store.memory import MemoryStore
from tests.api.examples import EXAMPLES, EXAMPLES_DIR, read


def _answer(schema: strawberry.Schema, query: str, variables: dict[str, Any] | None, context: Any) -> str:
    async def go() -> Any:
        return await schema.execute(query, variable_values=variables, context_value=context)

    r = asyncio.run(go())
    errors = sorted(
        (e.message, e.path or [], [(loc.line, loc.column) for loc in e.locations or []]) for e in r.errors or []
    )
    return json.dumps([r.data, errors], sort_keys=True, default=str)


# -- the project's schema ------------------------------------------------------------------

SHAPES = [
    # aliases of one list with different pages, __typename, fragments on the interface
    """{ force(id: "kent") { a: officers(first: 1) { id node { __typename id } }
         b: officers(first: 3) { id node { ...F } } } }
       fragment F on Entity { id name aliases ... on Officer { rank } }""",
    # directives: skipped and included fields, on leaves and lists
    """query($yes: Boolean!) { force(id: "kent") { name @skip(if: $yes) id @include(if: $yes)
         officers(first: 2) @include(if: $yes) { node { id } } } }""",
    # three levels, a nested page that errors (bad `after`) inside a list
    """{ force(id: "kent") { officers(first: 2) { node { id ... on Officer {
         allegations(after: "not-an-id") { id } } } } } }""",
    # a nested page over the size limit
    '{ force(id: "kent") { officers(first: 2) { node { ... on Officer { allegations(first: 1000) { id } } } } } }',
    # the same list twice, merged selections
    """{ force(id: "kent") { officers(first: 2) { node { id } } officers(first: 2) { id node { name } } } }""",
    # evidence below an edge (fields with strawberry resolvers) and edge properties
    """{ force(id: "kent") { officers(first: 2) { id type source target evidence { quote source { title } }
         node { id iri } } } }""",
]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_answer_as_graphql_core_does(memory_kb: MemoryStore, name: str) -> None:
    query, sidecar = read(EXAMPLES_DIR / f"{name}.graphql")
    variables = {k: None for k in sidecar} | EXAMPLES[name].test_vars
    ctx = lambda: Context(memory_kb, "https://kb", None)  # noqa: E731
    planned = _answer(build_schema(True), query, variables, ctx())
    assert planned == _answer(build_schema(True, planned=False), query, variables, ctx())
    assert '"errors"' not in planned and json.loads(planned)[1] == []


@pytest.mark.parametrize("query", SHAPES)
@pytest.mark.parametrize("yes", [True, False])
def test_query_shapes_answer_as_graphql_core_does(memory_kb: MemoryStore, query: str, yes: bool) -> None:
    variables = {"yes": yes} if "$yes" in query else None
    planned = _answer(build_schema(True), query, variables, Context(memory_kb, "https://kb", None))
    plain = _answer(build_schema(True, planned=False), query, variables, Context(memory_kb, "https://kb", None))
    assert planned == plain
    assert "force" in planned


def test_the_project_schema_runs_planned() -> None:
    assert build_schema(True).execution_context_class is KBExecutionContext
    assert build_schema(True, planned=False).execution_context_class is not KBExecutionContext


# -- a schema built to break the plans -----------------------------------------------------


@strawberry.interface
class Thing:
    id: strawberry.ID


@strawberry.type
class Kid(Thing):
    name: str
    nick: Optional[str]  # noqa: UP045
    tags: list[str]
    score: float


@strawberry.type
class Other(Thing):
    label: str


def _kid(i: int, **over: Any) -> Kid:
    values: dict[str, Any] = {"id": f"k{i}", "name": f"kid {i}", "nick": None, "tags": ["a", "b"], "score": 1.5}
    values.update(over)
    kid = Kid.__new__(Kid)
    kid.__dict__.update(values)  # bypasses the dataclass: any value, even a wrong one, can be set
    return kid


def kids(root: Any, info: strawberry.Info, first: int = 3) -> list[Kid]:
    mode = root.mode
    if mode == "raise":
        raise ValueError("the store is on fire")
    if mode == "async":

        async def later() -> list[Kid]:
            return [_kid(i) for i in range(first)]

        return later()  # type: ignore[return-value]
    out: list[Any] = [_kid(i) for i in range(first)]
    if mode == "null-item":
        out[1] = None
    elif mode == "wrong-class":
        out[1] = Other(id=strawberry.ID("o1"), label="not a kid")
    elif mode == "null-leaf":
        out[1] = _kid(1, name=None)
    elif mode == "bad-float":
        out[1] = _kid(1, score="high")
    elif mode == "error-value":
        out[1] = _kid(1, nick=ValueError("an error held as a value"))
    elif mode == "null-tag":
        out[1] = _kid(1, tags=["a", None])
    elif mode == "tuple-tags":
        out[1] = _kid(1, tags=("a", "b"))
    elif mode == "missing-attr":
        broken = Kid.__new__(Kid)
        broken.__dict__["id"] = "k9"
        out[1] = broken
    return out


direct.direct(kids)


@strawberry.type
class Parent:
    mode: str
    best: Thing
    maybe: Optional[Thing]  # noqa: UP045
    kids: list[Kid] = strawberry.field(resolver=kids)


MODES = [
    "ok",
    "raise",
    "async",
    "null-item",
    "wrong-class",
    "null-leaf",
    "bad-float",
    "error-value",
    "null-tag",
    "tuple-tags",
    "missing-attr",
]


@strawberry.type
class Query:
    @strawberry.field
    def parents(self) -> list[Optional[Parent]]:  # noqa: UP045
        return [
            Parent(mode=m, best=_kid(0) if i % 2 else Other(id=strawberry.ID("o"), label="x"), maybe=None)
            for i, m in enumerate(MODES)
        ]

    @strawberry.field
    def family(self, mode: str) -> Parent:
        """One parent, not an item of a list."""
        return Parent(mode=mode, best=_kid(0), maybe=None)

    @strawberry.field
    def odd(self) -> Parent:
        return Parent(mode="ok", best=Kid.__new__(Kid), maybe=None)  # a Kid with no attributes at all

    @strawberry.field
    def wrong(self) -> Parent:
        parent = Parent(mode="ok", best=_kid(0), maybe=None)
        parent.best = "not an object"  # type: ignore[assignment]
        return parent


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    planned = strawberry.Schema(query=Query, types=[Kid, Other], execution_context_class=KBExecutionContext)
    plain = strawberry.Schema(query=Query, types=[Kid, Other])
    assert direct.install(planned) == 1 and direct.install(plain) == 1
    return planned, plain


HOSTILE = [
    "{ parents { mode kids { id name nick tags score } } }",
    "{ parents { mode kids(first: 2) { __typename ... on Thing { id } name } } }",
    "{ parents { mode best { __typename id ... on Kid { name tags } ... on Other { label } } maybe { id } } }",
    "{ odd { best { id ... on Kid { name } } } }",
    "{ wrong { best { id } } }",
    "{ parents { kids(first: 0) { id } } }",
    "query($n: Int!) { parents { a: kids(first: $n) { id } b: kids(first: 1) { name } } }",
]


@pytest.mark.parametrize("mode", MODES)
def test_a_single_object_answers_as_graphql_core_does(mode: str) -> None:
    planned, plain = _schemas()
    query = """query($m: String!) { family(mode: $m) { mode __typename best { __typename id ... on Kid { name tags } }
                 kids(first: 3) { __typename id name nick tags score } } }"""
    fast = _answer(planned, query, {"m": mode}, None)
    assert fast == _answer(plain, query, {"m": mode}, None)
    if mode in ("ok", "async"):
        assert json.loads(fast)[1] == [] and '"k2"' in fast


@pytest.mark.parametrize("query", HOSTILE)
def test_broken_values_give_graphql_cores_answer_and_errors(query: str) -> None:
    planned, plain = _schemas()
    variables = {"n": 2} if "$n" in query else None
    fast = _answer(planned, query, variables, None)
    assert fast == _answer(plain, query, variables, None)


def test_broken_values_are_reported_not_hidden() -> None:
    planned, _ = _schemas()
    data, errors = json.loads(_answer(planned, HOSTILE[0], None, None))
    messages = " | ".join(m for m, _, _ in errors)
    for expected in ("on fire", "Cannot return null", "Float cannot represent", "an error held as a value"):
        assert expected in messages
    by_mode = {p["mode"]: p for p in data["parents"] if p is not None}
    assert [k["id"] for k in by_mode["ok"]["kids"]] == ["k0", "k1", "k2"]
    assert [k["id"] for k in by_mode["async"]["kids"]] == ["k0", "k1", "k2"]
    assert "raise" not in by_mode and "null-leaf" not in by_mode  # errors propagate to the nullable parent


class _Counting(KBExecutionContext):
    """Counts the fields that went down graphql-core's per-field path."""

    slow: ClassVar[list[str]] = []

    def execute_field(self, parent_type: Any, source: Any, details: Any, path: Any, position_context: Any) -> Any:
        _Counting.slow.append(f"{parent_type.name}.{details[0].node.name.value}")
        return super().execute_field(parent_type, source, details, path, position_context)


def test_plans_cover_the_fields_of_a_nested_answer(memory_kb: MemoryStore) -> None:
    from kb.api import types as gen
    from kb.api.schema import extensions, query_type

    schema = strawberry.Schema(
        query=query_type(),
        types=[*gen.ENTITY_TYPES.values(), *gen.EDGE_TYPES.values()],
        extensions=extensions(True),
        execution_context_class=_Counting,
    )
    direct.install(schema)
    _Counting.slow.clear()
    query = """{ force(id: "kent") { name officers(first: 5) { id node { id name aliases
                 ... on Officer { rank allegations { node { id ... on Allegation { category date } } } } } } } }"""
    answer = json.loads(_answer(schema, query, None, Context(memory_kb, "https://kb", None)))
    assert answer[1] == [] and answer[0]["force"]["officers"]
    # Only the root field has a strawberry resolver; every other field is planned.
    assert _Counting.slow == ["Query.force"]

    _Counting.slow.clear()
    counting = strawberry.Schema(query=Query, types=[Kid, Other], execution_context_class=_Counting)
    direct.install(counting)
    _answer(counting, "{ parents { mode best { id } kids { id name nick tags score } } }", None, None)
    # The broken values take graphql-core's path (to report them as it does); nothing else does.
    assert "Query.parents" in _Counting.slow and "Kid.name" in _Counting.slow
    assert set(_Counting.slow) <= {"Query.parents", "Kid.name", "Kid.score", "Kid.nick", "Kid.tags", "Kid.id"}
    assert "Parent.kids" not in _Counting.slow and "Parent.mode" not in _Counting.slow


class _Levels(KBExecutionContext):
    """Records the batches executed level by level."""

    batches: ClassVar[list[tuple[str, int]]] = []

    def _kb_columns(self, parent_type: Any, sources: list[Any], plan: Any) -> Any:
        _Levels.batches.append((parent_type.name, len(sources)))
        return super()._kb_columns(parent_type, sources, plan)


def test_a_nested_answer_is_executed_level_by_level_with_one_read_per_level() -> None:
    from bench.synthetic import generate
    from kb.api import types as gen
    from kb.api.schema import extensions, query_type
    from tests.api.counting import CountingStore

    kb = MemoryStore(None)
    kb.upsert_many(generate(3000, 0))
    force = max(kb.iter_nodes("PoliceForce"), key=lambda f: len(kb.edges([f.id], ["SERVES_IN"], "in"))).id
    schema = strawberry.Schema(
        query=query_type(),
        types=[*gen.ENTITY_TYPES.values(), *gen.EDGE_TYPES.values()],
        extensions=extensions(True),
        execution_context_class=_Levels,
    )
    direct.install(schema)
    store = CountingStore(kb)
    query = """query($f: ID!) { force(id: $f) { name officers(first: 12) { node { id ... on Officer {
                 allegations { node { id ... on Allegation { category } } } } } } } }"""
    _Levels.batches.clear()
    answer = json.loads(_answer(schema, query, {"f": force}, Context(store, "https://kb", None)))
    reference = _answer(build_schema(True, planned=False), query, {"f": force}, Context(kb, "https://kb", None))
    assert answer == json.loads(reference) and answer[1] == []
    officers = answer[0]["force"]["officers"]
    assert len(officers) == 12
    assert sum(len(o["node"]["allegations"]) for o in officers) > 3
    # one batch per level: the force, its officer relationships, the officers, ...
    assert _Levels.batches[:3] == [("PoliceForce", 1), ("ServesInInverseRelationship", 12), ("Officer", 12)]
    # a relationship read and an entity read per level, whatever the number of officers
    assert store.calls["first_edges"] == 2 and store.calls["get_many"] == 3, dict(store.calls)


def test_plans_kept_across_requests_follow_the_variables(memory_kb: MemoryStore) -> None:
    """Plans are shared by requests repeating an operation with the same values of the variables
    they depend on; a root field's `id` is not one of them, page sizes and directives are."""
    from kb.api import plans

    query = """query PlansAcross($f: ID!, $n: Int!, $yes: Boolean!, $a: String) { force(id: $f) { id
                 name @include(if: $yes)
                 officers(first: $n, after: $a) { id node { id ... on Officer { rank @skip(if: $yes) } } } } }"""
    runs = [
        {"f": "kent", "n": 1, "yes": True, "a": None},
        {"f": "thames-valley", "n": 1, "yes": True, "a": None},
        {"f": "kent", "n": 0, "yes": False, "a": None},
        {"f": "kent", "n": 1, "yes": False, "a": "not-an-id"},
        {"f": "kent", "n": 1, "yes": True, "a": None},
    ]
    answers = []
    for variables in runs * 2:
        planned = _answer(build_schema(True), query, variables, Context(memory_kb, "https://kb", None))
        plain = _answer(build_schema(True, planned=False), query, variables, Context(memory_kb, "https://kb", None))
        assert planned == plain, variables
        answers.append(planned)
    assert len(set(answers[:4])) == 4 and answers[4] == answers[0]
    ours = [extra for _, extra, entry in plans.SHARED.items() if "PlansAcross" in entry.operation.loc.source.body]
    # keyed by the values of $n, $yes and $a only: the runs differing in the force's id share plans
    assert set(ours) == {
        b'{"a":null,"n":1,"yes":true}',
        b'{"a":null,"n":0,"yes":false}',
        b'{"a":"not-an-id","n":1,"yes":false}',
    }


def test_record_readers_read_what_the_objects_show() -> None:
    """Level-by-level execution answers from store records through each class's readers; they
    must give exactly the attributes the objects made from the same records hold."""
    from bench.synthetic import generate
    from kb.api import types as gen
    from kb.api.context import other_end
    from kb.api.objects import EdgeObj, NodeObj
    from tests.api.kbdata import load_test_kb

    kb = MemoryStore(None)
    kb.upsert_many(generate(1500, 1))
    load_test_kb(kb)
    nodes = {n.id: n for n in kb.iter_nodes()}
    checked = 0
    for node in nodes.values():
        cls: Any = NodeObj.class_of(node)
        obj = cls.of(node)
        readers = cls.readers()
        assert {a: read(node) for a, read in readers.items()} == {a: obj.__dict__[a] for a in readers}
        assert set(readers) >= {a for a in obj.__dict__ if not a.startswith("_")}
        checked += 1
    for edge in kb.iter_edges():
        for (rel, direction), edge_cls in gen.EDGE_TYPES.items():
            if rel != edge.type:
                continue
            other = nodes[other_end(edge, edge.source if direction == "out" else edge.target, direction)]
            obj, record = edge_cls.of(edge, other, direction), (edge, other)
            readers = edge_cls.readers()
            shown = {a: read(record) for a, read in readers.items()}
            assert shown.pop("node") is other and type(obj.node) is NodeObj.class_of(other)
            assert shown == {a: obj.__dict__[a] for a in readers if a != "node"}
            assert set(readers) >= {a for a in obj.__dict__ if not a.startswith("_")}
            checked += 1
    assert checked > 3000 and issubclass(gen.EDGE_TYPES[("SERVES_IN", "in")], EdgeObj)
