"""Case chains over the API: counts follow Outcome <- Investigation -> Allegation -> Officer -> force,
and count what stands (an outcome reversed on appeal is left out), on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kb.api.app import create_app
from kb.model import Entity, Evidence, Facts, Relation
from kb.store.base import Store
from tests.api.conftest import GQL, TestClient
from tests.api.examples import EXAMPLES_DIR, read
from tests.api.kbdata import KENT, TVP, appeal_facts, load_test_kb

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

COUNTS = "{ outcomeCounts { forceId year category count } allegationCounts { forceId year category count } }"


@pytest.fixture()
def kb_gql(any_store: Store) -> Iterator[tuple[Store, GQL]]:
    load_test_kb(any_store)
    with TestClient(create_app(any_store)) as client:
        yield any_store, GQL(client)


def _rows(d: dict[str, Any], field: str) -> set[tuple[str, int | None, str, int]]:
    return {(r["forceId"], r["year"], r["category"], r["count"]) for r in d[field]}


def _example(gql: GQL, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    query, _ = read(EXAMPLES_DIR / f"{name}.graphql")
    return gql(query, variables)


def test_counts_follow_the_chains(kb_gql: tuple[Store, GQL]) -> None:
    _, gql = kb_gql
    d = gql(COUNTS)
    assert _rows(d, "outcomeCounts") == {
        (TVP, 2021, "dismissed-without-notice", 1),
        (KENT, 2021, "final-written-warning", 1),
    }
    assert _rows(d, "allegationCounts") == {(TVP, 2020, "excessive-force", 1), (KENT, 2021, "dishonesty", 1)}


def test_a_reversed_outcome_is_left_out_and_the_appeal_counts(kb_gql: tuple[Store, GQL]) -> None:
    store, gql = kb_gql
    store.upsert(appeal_facts())
    assert _rows(gql(COUNTS), "outcomeCounts") == {
        (TVP, 2021, "reinstated", 1),
        (KENT, 2021, "final-written-warning", 1),
    }
    # the dismissal no longer stands: example 04 finds no force with one
    assert _example(gql, "04-forces-with-dismissals", {"outcome": "dismissal"})["forces"]["totalCount"] == 0
    # example 03 shows the dismissal with the ruling that reversed it
    d = _example(gql, "03-officers-allegations-outcomes", {"force": TVP, "category": None})
    allegation = d["officers"]["nodes"][0]["allegations"][0]["node"]
    outcomes = {o["node"]["category"]: o["node"] for inv in allegation["concernedBy"] for o in inv["node"]["outcomes"]}
    assert set(outcomes) == {"dismissed-without-notice", "reinstated"}
    assert [r["node"]["id"] for r in outcomes["dismissed-without-notice"]["reversedBy"]] == ["outcome/o3"]


def test_a_reversal_reversed_in_turn_restores_the_outcome(kb_gql: tuple[Store, GQL]) -> None:
    store, gql = kb_gql
    store.upsert(appeal_facts(overturned=True))
    assert _rows(gql(COUNTS), "outcomeCounts") == {
        (TVP, 2021, "dismissed-without-notice", 1),  # stands again
        (TVP, 2022, "dismissed-without-notice", 1),  # the ruling that quashed the reinstatement
        (KENT, 2021, "final-written-warning", 1),
    }


def test_an_allegation_against_the_force_itself_counts_for_it(kb_gql: tuple[Store, GQL]) -> None:
    store, gql = kb_gql
    sid = "source/api-test-force-case"

    def ev(q: str) -> list[Evidence]:
        return [Evidence(sid, quote=q, start=0, end=len(q), method="rule", confidence=0.9)]

    store.upsert(
        Facts(
            Entity(sid, "Source", "Test force case", props={"title": "Force case (test)", "sha256": "5" * 64}),
            [
                Entity(KENT, "PoliceForce", "Kent Police", evidence=ev("Kent Police")),
                Entity(
                    "allegation/f1",
                    "Allegation",
                    "Failures in a custody case",
                    props={"category": "duties-and-responsibilities", "date": "2022-02"},
                    evidence=ev("failures"),
                ),
                Entity(
                    "investigation/f1",
                    "Investigation",
                    "IOPC investigation into Kent Police",
                    evidence=ev("the IOPC investigated"),
                ),
                Entity(
                    "outcome/f1",
                    "Outcome",
                    "Learning recommendations",
                    props={"category": "policy-change", "date": "2023"},
                    evidence=ev("recommendations"),
                ),
            ],
            [
                Relation("AGAINST", "allegation/f1", KENT, {}, ev("against Kent Police")),
                Relation("CONCERNS", "investigation/f1", "allegation/f1", {}, ev("into the failures")),
                Relation("RESULTED_IN", "investigation/f1", "outcome/f1", {}, ev("led to recommendations")),
            ],
        )
    )
    d = gql('{ outcomeCounts(force: "kent", from: "2023-01-01") { forceId year category count } }')
    assert _rows(d, "outcomeCounts") == {(KENT, 2023, "policy-change", 1)}
