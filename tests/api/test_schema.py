"""The schema: derived from the registry, fully documented, exported to graphql/schema.graphql."""

from __future__ import annotations

from pathlib import Path

from pytest import MonkeyPatch

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType
from kb.api.schema import build_schema, sdl
from kb.api.types import root_names
from kb.app.cli import derived_and_schema
from kb.app.cli import main as cli_main
from kb.ontology import ontology

BUILTIN = {"String", "Int", "Float", "Boolean", "ID"}


def test_schema_file_is_up_to_date() -> None:
    (path,) = [p for p in derived_and_schema() if p.name == "schema.graphql"]
    assert path.read_text(encoding="utf-8") == sdl(), "graphql/schema.graphql is out of date: run `make ontology`"
    assert cli_main(["ontology"]) == 0  # the check over every derived file, this one included


def test_a_missing_or_stale_schema_file_is_reported_and_rewritten(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("KB_HOME", str(tmp_path))  # the project root the SDL is written under
    target = tmp_path / "graphql" / "schema.graphql"
    assert cli_main(["ontology"]) == 1 and not target.exists()
    assert cli_main(["ontology", "--write"]) == 0
    assert target.read_text(encoding="utf-8") == sdl()
    target.write_text("type Query { old: String }\n", encoding="utf-8")
    assert cli_main(["ontology"]) == 1


def test_every_type_and_field_has_a_description() -> None:
    schema = build_schema()._schema
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in BUILTIN:
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for fname, f in t.fields.items():
                if not f.description:
                    missing.append(f"{name}.{fname}")
                for aname, a in getattr(f, "args", {}).items():
                    if not a.description:
                        missing.append(f"{name}.{fname}({aname})")
    assert not missing, missing


def test_a_type_per_class_with_its_properties_and_relationships() -> None:
    onto = ontology()
    schema = build_schema()._schema
    for cls in onto.classes.values():
        t = schema.type_map[cls.name]
        assert isinstance(t, GraphQLObjectType)
        assert t.description == cls.description
        assert "Entity" in [i.name for i in t.interfaces]
        for p in cls.properties:
            assert p in t.fields, f"{cls.name}.{p}"
            if p not in ("name", "aliases"):
                assert t.fields[p].description == onto.properties[p].description
        for rel in onto.relations.values():
            if rel.name == "MENTIONED_IN":
                continue
            if any(onto.is_a(cls.name, d) for d in rel.domain):
                assert rel.forward in t.fields, f"{cls.name}.{rel.forward} ({rel.name})"
            if any(onto.is_a(cls.name, r) for r in rel.range):
                assert rel.inverse in t.fields, f"{cls.name}.{rel.inverse} ({rel.name})"
        assert "evidence" in t.fields and "sources" in t.fields
    source = schema.type_map["Source"]
    assert isinstance(source, GraphQLObjectType)
    assert "mentions" in source.fields


def test_relationship_types_carry_their_properties_and_evidence() -> None:
    schema = build_schema()._schema
    holds = schema.type_map["HoldsPostRelationship"]
    assert isinstance(holds, GraphQLObjectType)
    assert {"title", "from", "to", "evidence", "sources", "node"} <= set(holds.fields)
    ev = schema.type_map["Evidence"]
    assert isinstance(ev, GraphQLObjectType)
    assert {"source", "quote", "method", "confidence"} <= set(ev.fields)
    src = schema.type_map["Source"]
    assert isinstance(src, GraphQLObjectType)
    assert {"title", "url", "publisher", "published"} <= set(src.fields)


def test_root_fields_per_class_and_read_only() -> None:
    schema = build_schema()._schema
    assert schema.mutation_type is None and schema.subscription_type is None
    q = schema.query_type
    assert q is not None
    for name in (
        "entity",
        "force",
        "forces",
        "search",
        "neighbourhood",
        "paths",
        "outcomeCounts",
        "allegationCounts",
        "statistics",
    ):
        assert name in q.fields, name
    for cls in ontology().classes.values():
        one, many = root_names(cls)
        assert one in q.fields and many in q.fields
        assert {"where", "orderBy", "first", "after"} <= set(q.fields[many].args)
    sort = schema.type_map["PoliceForceSortField"]
    assert isinstance(sort, GraphQLEnumType)
    assert {"ID", "NAME", "POLICE_UK_ID"} <= set(sort.values)
