"""Mapping words in a table (a measure header, an allegation category) onto SKOS concepts: the one
matcher every loader shares (loaders.concepts), under the names the table loader uses."""

from __future__ import annotations

from loaders.concepts import classify, concept_exists

__all__ = ["concept_exists", "match_concept"]


def match_concept(scheme: str, text: str) -> str | None:
    """The key of the concept whose longest match phrase occurs in ``text``, or None."""
    return classify(scheme, text)
