"""The one concept matcher (loaders.concepts) that tables and articles share."""

from __future__ import annotations

from loaders.articles import extract_text, text_source
from loaders.concepts import classify, hits
from loaders.tables.concepts import match_concept


def test_longest_phrase_wins_and_case_and_punctuation_do_not_matter() -> None:
    assert classify("outcome-category", "No Case to Answer") == "no-case-to-answer"
    assert classify("outcome-category", "case to answer") == "case-to-answer"
    assert classify("allegation-category", "Sexual-Harassment") == "sexual-misconduct"
    assert classify("measure", "Number of officers dismissed") == "dismissals"
    assert classify("allegation-category", "the weather was fine") is None


def test_hits_give_offsets_in_running_text() -> None:
    text = "He faced allegations of racial profiling and was later dismissed."
    (h,) = hits("allegation-category", text, offset=100)
    assert h.key == "racial-profiling" and h.phrase == "racial profiling"
    assert text[h.start - 100 : h.end - 100] == "racial profiling"


def test_tables_and_articles_classify_the_same_words_alike() -> None:
    words = "dishonesty and excessive force"
    key = match_concept("allegation-category", words)
    assert key == classify("allegation-category", words)
    text = f"PC Jane Harlow of Kent Police faced allegations of {words}."
    facts = extract_text(text, text_source(text))
    cats = {e.props.get("category") for e in facts.entities if e.type == "Allegation"}
    assert key in cats
