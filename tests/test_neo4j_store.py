"""Neo4jStore specifics: connection and secrets, schema, the allow-lists, how the graph
reads in Neo4j Browser, and the CLI against the Bolt server."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase, ManagedTransaction, Record
from neo4j.exceptions import Neo4jError

from kb.app.cli import main as cli_main
from kb.config import Neo4jSettings
from kb.model import Entity, Evidence, Facts, Relation
from kb.paths import sample_dir
from kb.reference import reference, reference_facts
from kb.store.base import StoreError
from kb.store.neo4j import Neo4jStore
from kb.store.neo4j_model import check_label, check_rel_type, dumps, label_expr, labels_for, loads, lookup_label
from kb.store.neo4j_server import free_port
from kb.store.neo4j_write import StatementPipe
from tests.fixtures.bolt import BoltServer

pytestmark = pytest.mark.neo4j


def _raw(bolt: BoltServer, query: str, **params: object) -> list[dict[str, Any]]:
    with (
        GraphDatabase.driver(bolt.uri, auth=(bolt.user, bolt.password)) as driver,
        driver.session(database=bolt.database) as s,
    ):
        return [r.data() for r in s.run(query, params)]


def test_credentials_never_shown(bolt_server: BoltServer, caplog: pytest.LogCaptureFixture) -> None:
    secret = bolt_server.password
    caplog.set_level(logging.DEBUG)
    store = Neo4jStore(bolt_server.settings)
    try:
        store.upsert(reference_facts())
        for text in (repr(store), str(store), repr(store.settings), repr(bolt_server)):
            assert secret not in text
        assert bolt_server.uri in repr(store)
    finally:
        store.clear()
        store.close()
    wrong = Neo4jSettings(bolt_server.uri, bolt_server.user, secret + "-wrong", bolt_server.database)
    with pytest.raises(StoreError) as err:
        Neo4jStore(wrong)
    assert secret not in str(err.value) and "-wrong" not in str(err.value)
    assert caplog.records  # the driver did log (at debug level) ...
    assert all(secret not in r.getMessage() for r in caplog.records)  # ... but never the password


def test_unreachable_server_is_a_clear_error() -> None:
    settings = Neo4jSettings(f"bolt://127.0.0.1:{free_port()}", "neo4j", "s3cret-pass", None)
    with pytest.raises(StoreError, match=r"not reachable") as err:
        Neo4jStore(settings)
    assert "s3cret-pass" not in str(err.value)


def test_schema_is_created_idempotently(neo4j_store: Neo4jStore, bolt_server: BoltServer) -> None:
    neo4j_store.ensure_schema()
    neo4j_store.ensure_schema()
    constraints = _raw(bolt_server, "SHOW CONSTRAINTS")
    on_id = {tuple(c["labelsOrTypes"]) for c in constraints if c["properties"] == ["id"]}
    assert {("Entity",), ("PoliceForce",), ("Person",), ("Source",)} <= on_id
    indexes = {tuple(i["properties"] or ()) for i in _raw(bolt_server, "SHOW INDEXES")}
    assert {("name",), ("aliases",)} <= indexes


def test_uniqueness_is_enforced_by_the_server(neo4j_store: Neo4jStore, bolt_server: BoltServer) -> None:
    neo4j_store.upsert(reference_facts())
    with pytest.raises(Exception, match=r"(?i)constraint|duplicat|unique"):
        _raw(bolt_server, "CREATE (n:Entity:PoliceForce {id: 'force/kent'})")
    assert _raw(bolt_server, "MATCH (n:Entity {id: 'force/kent'}) RETURN count(n) AS c") == [{"c": 1}]


@pytest.mark.parametrize("name", ["Foo", "Officer`) DETACH DELETE n //", "officer", "", "MENTIONED_IN"])
def test_labels_come_only_from_the_registry(name: str) -> None:
    with pytest.raises(ValueError, match="not a class"):
        check_label(name)
    with pytest.raises(ValueError, match="not a class"):
        label_expr(["Entity", name])


@pytest.mark.parametrize("name", ["FOO", "SERVES_IN]->() DETACH DELETE n //", "serves_in", ""])
def test_relationship_types_come_only_from_the_registry(name: str) -> None:
    with pytest.raises(ValueError, match="not a relation"):
        check_rel_type(name)


@pytest.mark.parametrize(
    "value",
    [
        {"name": "naïve – “quoted” 'name' `x`", "n": 3, "f": 1.5, "big": 1e16, "none": None, "list": [1, "two"]},
        [float("nan"), float("inf"), -float("inf"), 0.1],  # orjson would write these as null
        {"huge": 2**70},  # beyond 64 bits: orjson refuses it
        "an annulled caution",  # contains "null"
        "\udc00 lone surrogate",
    ],
)
def test_json_of_contributions_reads_back_unchanged(value: object) -> None:
    # the store keeps contributions and evidence as JSON text: every value must come back as it went in
    text = dumps(value)
    assert json.dumps(loads(text)) == json.dumps(value)
    assert json.loads(text) is not None


def test_labels_carry_the_class_and_its_ancestors() -> None:
    assert labels_for("Officer") == ("Entity", "Officer", "Person")
    assert labels_for("PoliceForce") == ("Entity", "PoliceForce")
    assert label_expr(labels_for("Officer")) == ":`Entity`:`Officer`:`Person`"


def _article() -> Facts:
    src = Entity(
        "source/browse-1", "Source", "An article", props={"sha256": "ab" * 32, "sourceKind": "article", "url": "x:y"}
    )
    ev = Evidence(src.id, quote="PC Ann Lee of Kent Police", start=10, end=35, method="rule", confidence=0.8)
    officer = Entity("person/ann-lee", "Officer", "Ann Lee", aliases=["PC Lee"], props={"rank": "PC"}, evidence=[ev])
    rel = Relation("SERVES_IN", officer.id, "force/kent", props={"role": "constable"}, evidence=[ev])
    return Facts(src, [officer], [rel])


def test_the_graph_reads_well_in_browser(neo4j_store: Neo4jStore, bolt_server: BoltServer) -> None:
    neo4j_store.upsert(reference_facts())
    neo4j_store.upsert(_article())
    [node] = _raw(bolt_server, "MATCH (n:Officer {id: 'person/ann-lee'}) RETURN labels(n) AS l, properties(n) AS p")
    assert sorted(node["l"]) == ["Entity", "Officer", "Person"]
    p = node["p"]
    assert isinstance(p, dict)
    assert (p["name"], p["type"], p["aliases"], p["rank"]) == ("Ann Lee", "Officer", ["PC Lee"], "PC")
    [m] = _raw(
        bolt_server,
        "MATCH (:Entity {id: 'person/ann-lee'})-[m:MENTIONED_IN]->(s:Source) "
        "RETURN s.id AS s, m.quote AS quote, m.method AS method, m.confidence AS confidence",
    )
    assert m == {"s": "source/browse-1", "quote": "PC Ann Lee of Kent Police", "method": "rule", "confidence": 0.8}
    [r] = _raw(
        bolt_server,
        "MATCH (:Entity {id: 'person/ann-lee'})-[r:SERVES_IN]->(f:PoliceForce) "
        "RETURN f.id AS f, r.role AS role, r.sources AS sources, r.quotes AS quotes, r.evidence AS evidence",
    )
    assert r["f"] == "force/kent" and r["role"] == "constable"
    assert r["sources"] == ["source/browse-1"] and r["quotes"] == ["PC Ann Lee of Kent Police"]
    evidence = [json.loads(x) for x in r["evidence"]]
    assert evidence == [
        {
            "source": "source/browse-1",
            "quote": "PC Ann Lee of Kent Police",
            "start": 10,
            "end": 35,
            "method": "rule",
            "confidence": 0.8,
        }
    ]
    # the reference data's mentions are edges too
    assert _raw(
        bolt_server,
        "MATCH (:PoliceForce {id: 'force/kent'})-[m:MENTIONED_IN]->(s:Source) RETURN s.id AS s, m.method AS method",
    ) == [{"s": "source/reference-data", "method": "reference"}]


def test_delete_source_leaves_no_trace(neo4j_store: Neo4jStore, bolt_server: BoltServer) -> None:
    neo4j_store.upsert(reference_facts())
    before = _raw(bolt_server, "MATCH (n) RETURN count(n) AS n")
    rels_before = _raw(bolt_server, "MATCH ()-[r]->() RETURN count(r) AS n")
    neo4j_store.upsert(_article())
    neo4j_store.delete_source("source/browse-1")
    assert _raw(bolt_server, "MATCH (n) RETURN count(n) AS n") == before
    assert _raw(bolt_server, "MATCH ()-[r]->() RETURN count(r) AS n") == rels_before
    assert _raw(bolt_server, "MATCH (n:Entity {id: 'source/browse-1'}) RETURN n") == []


def test_flush_is_a_no_op_and_close_is_safe(bolt_server: BoltServer) -> None:
    store = Neo4jStore(bolt_server.settings)
    store.flush()
    store.close()


def _cli_env(monkeypatch: pytest.MonkeyPatch, bolt: BoltServer) -> None:
    monkeypatch.setenv("NEO4J_URI", bolt.uri)
    monkeypatch.setenv("NEO4J_USER", bolt.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt.password)
    monkeypatch.setenv("NEO4J_DATABASE", bolt.database or "")


def test_cli_load_stats_and_export_with_neo4j(
    neo4j_store: Neo4jStore,
    bolt_server: BoltServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _cli_env(monkeypatch, bolt_server)
    articles = sample_dir() / "articles"
    assert cli_main(["load", "--store", "neo4j", "--quiet", str(articles)]) == 0
    out = capsys.readouterr()
    assert bolt_server.password not in out.out + out.err
    stats = neo4j_store.stats()
    assert stats.sources >= 2 and stats.entities.get("PoliceForce") == len(reference().forces)
    # loading again changes nothing
    assert cli_main(["load", "--store", "neo4j", "--quiet", str(articles)]) == 0
    assert neo4j_store.stats() == stats
    capsys.readouterr()
    assert cli_main(["stats", "--store", "neo4j", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.dumps(printed).count("PoliceForce") >= 1
    target = tmp_path / "kb.nt"
    assert cli_main(["export", "--store", "neo4j", "--format", "nt", "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert "<https://w3id.org/policing-kb/id/force/kent>" in text
    assert bolt_server.password not in capsys.readouterr().err


def test_write_statements_stop_at_the_first_failure_and_roll_back(bolt_server: BoltServer) -> None:
    # The write phase queues statements on a helper thread: a failing one must skip the rest
    # and surface in the caller, so that the managed transaction writes nothing.
    ran: list[str] = []

    def note(records: list[Record]) -> None:
        ran.extend(r["id"] for r in records)

    def work(tx: ManagedTransaction) -> None:
        with StatementPipe(tx) as pipe:
            pipe.run("CREATE (n:Entity:Place {id: $id, name: 'a'}) RETURN n.id AS id", note, id="place/pipe-a")
            pipe.run("THIS IS NOT CYPHER")
            pipe.run("CREATE (n:Entity:Place {id: $id, name: 'c'}) RETURN n.id AS id", note, id="place/pipe-c")

    with (
        GraphDatabase.driver(bolt_server.uri, auth=(bolt_server.user, bolt_server.password)) as driver,
        driver.session(database=bolt_server.database) as s,
        pytest.raises(Neo4jError),
    ):
        s.execute_write(work)
    assert ran == ["place/pipe-a"]  # the statement after the failure never ran
    found = _raw(
        bolt_server, "MATCH (n:Place) WHERE n.id IN $ids RETURN n.id AS id", ids=["place/pipe-a", "place/pipe-c"]
    )
    assert found == []


def test_nodes_are_looked_up_by_the_root_class_of_their_id() -> None:
    assert lookup_label("person/ann-lee") == "Person"  # a Person or an Officer
    assert lookup_label("force/kent") == "PoliceForce"
    assert lookup_label("source/browse-1") == "Source"
    assert lookup_label("nonsense/x") == "Entity"
    assert lookup_label("no-slash") == "Entity"


def test_search_goes_through_the_full_text_index(neo4j_store: Neo4jStore, bolt_server: BoltServer) -> None:
    # Real Neo4j has full-text indexes: the store creates one and searches through it; the
    # token-list scan (for servers without one) must answer exactly the same on the same data.
    from kb.store.memory import MemoryStore
    from kb.store.neo4j import FULLTEXT_INDEX

    facts = [reference_facts(), _article()]
    neo4j_store.upsert_many(facts)
    if bolt_server.kind == "neo4j":
        assert neo4j_store.fulltext
    if neo4j_store.fulltext:
        [index] = _raw(
            bolt_server,
            "SHOW FULLTEXT INDEXES YIELD name, state, labelsOrTypes, properties, options "
            "WHERE name = $name RETURN state, labelsOrTypes, properties, options.indexConfig AS config",
            name=FULLTEXT_INDEX,
        )
        assert (index["state"], index["labelsOrTypes"], index["properties"]) == ("ONLINE", ["Entity"], ["_search"])
        assert index["config"]["fulltext.analyzer"] == "whitespace"
        # the writes fill the indexed property: the index alone finds an officer by an alias word
        hits = _raw(
            bolt_server,
            "CALL db.index.fulltext.queryNodes($index, '+pc +lee') YIELD node RETURN node.id AS id",
            index=FULLTEXT_INDEX,
        )
        assert hits == [{"id": "person/ann-lee"}]
    memory = MemoryStore(None)
    memory.upsert_many(facts)
    scan = Neo4jStore(bolt_server.settings, fulltext=False)
    try:
        assert not scan.fulltext
        for text in ("kent", "ken", "ann l", "PC Lee", "metropolitan police", "thames valley", "the", "zzz", "w"):
            want = [(h.node.id, h.score) for h in memory.search(text)]
            assert [(h.node.id, h.score) for h in neo4j_store.search(text)] == want, text
            assert [(h.node.id, h.score) for h in scan.search(text)] == want, text
            for types in (["Officer"], ["PoliceForce", "Person"]):
                want_t = [h.node.id for h in memory.search(text, types=types)]
                assert [h.node.id for h in neo4j_store.search(text, types=types)] == want_t, (text, types)
        assert memory.search("kent")[0].node.id == "force/kent"
    finally:
        scan.close()
