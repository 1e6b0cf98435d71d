"""Content negotiation (kb.accept): q-values, ties, exclusions, an empty header, a default."""

from __future__ import annotations

import pytest

from kb.accept import negotiate, preferences

RESULTS = {"application/sparql-results+json": "json", "text/csv": "csv"}


def test_preferences_order_by_q_then_position_and_drop_q0() -> None:
    assert preferences("text/csv;q=0.5, application/json, text/plain;q=0, */*;q=0.5") == [
        "application/json",
        "text/csv",
        "*/*",
    ]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/csv", "csv"),
        ("text/csv;q=0.2, application/sparql-results+json;q=0.9", "json"),
        ("image/png", "json"),  # none of the table's types: the default
        ("", "json"),
        ("text/csv;q=0", "json"),
    ],
)
def test_negotiate_with_a_default(accept: str, fmt: str) -> None:
    assert negotiate(accept, RESULTS, "json") == fmt


def test_negotiate_without_a_default_and_an_empty_header() -> None:
    assert negotiate("image/png", RESULTS) is None
    assert negotiate("  ", {"*/*": "html"}) == "html"
    assert negotiate("", RESULTS) is None
