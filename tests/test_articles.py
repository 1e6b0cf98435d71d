"""The article loader: reading, cleaning, each extractor, identity, store round trips, and the
extraction scores on the development corpus and on the project's own test articles."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from kb.model import Entity, Facts
from kb.store.memory import MemoryStore
from loaders.articles import ArticleLoader, extract_file, extract_text
from loaders.articles.clean import clean_text
from loaders.articles.gold import facts_to_gold, facts_to_json
from loaders.articles.reader import split_front_matter
from loaders.articles.stats import find_figures
from loaders.base import LoadError

HERE = Path(__file__).parent
ARTICLES = HERE / "articles"
# ../shared beside the repository (it resolves from the git worktrees too)
SHARED = HERE.parent.parent / "shared"
SCORER = SHARED / "tools" / "score_extraction.py"
# A regression floor a little under what the rules reach on the development corpus (not the goal).
TARGETS = {"named_entities": 0.86, "events": 0.64, "relations": 0.54, "statistics": 0.80, "quotes": 0.83}


def facts_of(text: str, name: str = "t.txt", tmp: Path | None = None) -> Facts:
    from loaders.articles import text_source

    return extract_text(text, text_source(text, title=name))


def by_type(facts: Facts, typ: str) -> list[Entity]:
    return [e for e in facts.entities if e.type == typ]


def names(facts: Facts, *types: str) -> set[str]:
    return {e.name for e in facts.entities if e.type in types}


def rels(facts: Facts, typ: str) -> set[tuple[str, str]]:
    ids = {e.id: e.name for e in facts.entities}
    return {(ids.get(r.source, r.source), ids.get(r.target, r.target)) for r in facts.relations if r.type == typ}


# -- reading ---------------------------------------------------------------------------------


def test_front_matter_is_read_into_the_source() -> None:
    facts = extract_file(ARTICLES / "hearing_kent.md")
    p = facts.source.props
    assert str(p["title"]).startswith("Kent officer sacked")
    assert p["url"] == "https://example.org/news/kent-officer-sacked"
    assert p["publisher"] == "Example County News"
    assert p["published"] == "2023-05-17"
    assert p["sourceKind"] == "article" and p["format"] == "text/markdown" and len(str(p["sha256"])) == 64
    assert facts.source.id.startswith("source/")


def test_front_matter_with_a_date_value() -> None:
    meta, body = split_front_matter("---\ntitle: A\npublished: 2021-03-04\n---\nBody text here.\n")
    assert meta == {"title": "A", "published": "2021-03-04"}
    assert body.strip() == "Body text here."


def test_html_main_text_without_furniture() -> None:
    facts = extract_file(ARTICLES / "restraint_death.html")
    quotes = " ".join(str(e.props.get("text", "")) for e in by_type(facts, "Quote"))
    all_text = " ".join(ev.quote or "" for e in facts.entities for ev in e.evidence)
    assert "Related stories" not in all_text and "Leeds United" not in all_text
    assert "crime correspondent" not in all_text and "Sam Reilly" not in names(facts, "Person", "Officer")
    assert "Subscribe" not in all_text
    assert "Our thoughts are with" in quotes
    assert facts.source.props["publisher"] == "Northern Daily Post"
    assert facts.source.props["format"] == "text/html"


def test_junk_lines_removed() -> None:
    raw = (
        "[ad_1]\nPlaying what you want. Now Playing on Some Radio 2\n\nSong Title Here\n\n"
        "Essex Police said an officer had been suspended.\n\nA second paragraph of the story follows here.\n"
        "Third paragraph.\nFourth paragraph of text.\n\nMore from Essex News\n\nGet more from Some Radio\n"
        "Join us and we will send news to your inbox.\n"
    )
    out = clean_text(raw)
    assert "[ad_1]" not in out and "Now Playing" not in out and "Song Title Here" not in out
    assert "More from" not in out and "inbox" not in out
    assert out.startswith("Essex Police said")


def test_author_bio_removed() -> None:
    raw = (
        "Line one of the story.\nLine two.\nLine three.\nLine four.\n\nAuthor\n\n"
        "Jo Bloggs writes about money for a website.\n"
    )
    assert "Jo Bloggs" not in clean_text(raw)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
    ],
)
def test_bad_files_raise_load_error_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    f = tmp_path / "bad_article.txt"
    f.write_bytes(content)
    with pytest.raises(LoadError) as exc:
        extract_file(f)
    assert "bad_article.txt" in str(exc.value) and message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_non_utf8_text_is_decoded(tmp_path: Path) -> None:
    f = tmp_path / "latin.txt"
    f.write_bytes("Chief Constable Zoë Brontë of Durham Constabulary said: “We will act.”\n".encode("cp1252"))
    facts = extract_file(f)
    assert "force/durham" in {e.id for e in facts.entities}
    assert any("Bront" in n for n in names(facts, "Officer"))


def test_loader_accepts_article_types_only() -> None:
    loader = ArticleLoader()
    assert loader.name == "article"
    for suffix in (".txt", ".md", ".markdown", ".html", ".htm"):
        assert loader.accepts(Path("a" + suffix), b"hello")
    assert not loader.accepts(Path("a.csv"), b"a,b")
    assert not loader.accepts(Path("a.txt"), b"\x00\x01\x02")
    facts = loader.load(ARTICLES / "foi_stats.txt")
    assert len(facts) == 1 and facts[0].entities


# -- named entities --------------------------------------------------------------------------


def test_force_aliases_resolve_to_reference_forces() -> None:
    text = (
        "Officers from the Met and Scotland Yard detectives worked with TVP.\n"
        "Devon & Cornwall Police and Devon and Cornwall Police are one force, said a spokesperson.\n"
    )
    ids = {e.id for e in by_type(facts_of(text), "PoliceForce")}
    assert ids == {"force/metropolitan", "force/thames-valley", "force/devon-and-cornwall"}


def test_officer_rank_force_and_coreference() -> None:
    text = (
        "Det Sgt Jane Harlow, of Cheshire Constabulary, led the inquiry into the burglary.\n"
        "DS Harlow said the suspect had been arrested in Chester.\n"
        '"We are pleased with the result," she said.\n'
        "Her colleague PC Tom Harlow, who is not related, said little.\n"
    )
    facts = facts_of(text)
    officers = {e.name: e for e in by_type(facts, "Officer")}
    assert set(officers) == {"Jane Harlow", "Tom Harlow"}
    jane = officers["Jane Harlow"]
    assert jane.props["rank"] == "Det Sgt" and jane.props["rankNormalised"] == "Detective Sergeant"
    assert len(jane.evidence) >= 2  # "Det Sgt Jane Harlow" and "DS Harlow" are one person
    assert ("Jane Harlow", "Cheshire Constabulary") in rels(facts, "SERVES_IN")
    said = rels(facts, "SAID")
    assert any(s == "Jane Harlow" for s, _ in said)


def test_same_person_in_two_articles_has_one_id() -> None:
    a = facts_of("Chief Constable Olivia Grant of Kent Police said crime had fallen.\n")
    b = facts_of("Kent Police chief Olivia Grant told a meeting that budgets were tight.\n", name="b")
    ida = {e.id for e in a.entities if e.name == "Olivia Grant"}
    idb = {e.id for e in b.entities if e.name == "Olivia Grant"}
    assert ida and ida == idb


def test_anonymised_officers() -> None:
    facts = facts_of(
        "A misconduct panel heard that Officer X and PC F of Essex Police had shared offensive messages.\n"
    )
    anon = [e for e in by_type(facts, "Officer") if e.props.get("anonymised")]
    assert {e.name for e in anon} == {"Officer X", "PC F"}


def test_people_roles_and_posts() -> None:
    text = (
        "Home Secretary Nadia Rahman announced a review of vetting.\n"
        "Dr Amir Khan, a lecturer in criminology at the University of Leeds, said the plans were overdue.\n"
        'Grace Obi of the charity Liberty said: "This is a start."\n'
    )
    facts = facts_of(text)
    people = {e.name: e for e in by_type(facts, "Person")}
    assert {"Nadia Rahman", "Amir Khan", "Grace Obi"} <= set(people)
    assert people["Nadia Rahman"].props["role"] == "Home Secretary"
    assert ("Nadia Rahman", "Home Office") in rels(facts, "HOLDS_POST")
    assert ("Amir Khan", "University of Leeds") in rels(facts, "HOLDS_POST")
    assert ("Grace Obi", "Liberty") in rels(facts, "MEMBER_OF")


def test_bodies_programmes_and_places() -> None:
    text = (
        "The case was referred to the IOPC and the Independent Office of Police Conduct later reported.\n"
        "Greater Manchester Police works with Police Now, and HMICFRS inspected it in Salford.\n"
        "Members of the End Child Poverty Coalition and the group Safer Streets Trust met in Bolton.\n"
    )
    facts = facts_of(text)
    assert "body/iopc" in {e.id for e in facts.entities}
    assert len([e for e in facts.entities if e.id == "body/iopc"]) == 1
    assert {"Police Now"} <= names(facts, "Programme")
    assert {"Salford", "Bolton"} <= names(facts, "Place")
    assert ("Greater Manchester Police", "Salford") in rels(facts, "COVERS")
    assert ("Police Now", "Greater Manchester Police") in rels(facts, "PARTNERS_WITH")
    assert "End Child Poverty Coalition" in names(facts, "Organisation")


def test_headings_and_common_words_are_not_entities() -> None:
    text = "Common Types of Misconduct\n\nBuilding Trust Trust can be rebuilt.\n\nData protection rules apply.\n"
    facts = facts_of(text)
    assert not [e for e in facts.entities if e.type in {"Person", "Organisation", "Place", "Officer"}]


# -- quotes ----------------------------------------------------------------------------------


def test_multi_paragraph_quote_is_one_quote() -> None:
    text = (
        "Inspector Ruth Evans of Suffolk Constabulary said:\n"
        '"The first thing we did was speak to the neighbours.\n'
        '"Then we went door to door across the estate.\n'
        '"By the end of the week we had a name."\n'
        "The case is now with prosecutors.\n"
    )
    quotes = by_type(facts_of(text), "Quote")
    assert len(quotes) == 1
    assert str(quotes[0].props["text"]).startswith("The first thing") and "a name" in str(quotes[0].props["text"])


def test_quote_forms() -> None:
    text = (
        '"We will not stop," said Chief Inspector Paul Dunn of Lincolnshire Police.\n'
        "According to the charity Inquest, 'nothing has changed'.\n"
        'A Home Office spokesperson said: "We expect the highest standards."\n'
    )
    facts = facts_of(text)
    said = {(s, q[:12]) for s, q in rels(facts, "SAID")}
    assert ("Paul Dunn", "We will not ") in said
    assert ("Inquest", "nothing has ") in said
    # a spokesperson is a person speaking for the organisation (issue 18), who holds that post there
    assert ("a spokesperson for Home Office", "We expect th") in said
    assert ("a spokesperson for Home Office", "Home Office") in rels(facts, "HOLDS_POST")


# -- statistics ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "value", "qualifier", "unit"),
    [
        ("The force received nearly 70 complaints last year.", 70, "under", "count"),
        ("Around a third of officers said they felt unsupported.", 1 / 3, "about", "proportion"),
        ("The clip was watched 1.4 million views on one platform.", 1_400_000, "exact", "views"),
        ("There were 920 officers across 21 forces in the data.", 920, "exact", "count"),
        ("Some 12% of cases were upheld.", 12, "about", "percent"),
    ],
)
def test_figures(sentence: str, value: float, qualifier: str, unit: str) -> None:
    figs = find_figures(sentence, 0, [])
    assert figs, sentence
    f = figs[0]
    assert f.value == pytest.approx(value) and f.qualifier == qualifier and f.unit == unit


def test_figures_skip_dates_years_and_ages() -> None:
    s = "On June 20, 2021, a 34-year-old man aged 34 was arrested at 10pm in section 18 of the park."
    assert find_figures(s, 0, []) == []


def test_statistics_have_subject_period_and_bounds() -> None:
    text = "Suffolk Constabulary recorded 64 complaints between 2017-18 and 2021-22, the force said.\n"
    facts = facts_of(text)
    stats = by_type(facts, "Statistic")
    assert len(stats) == 1
    p = stats[0].props
    assert p["value"] == 64 and p["measure"] == "complaints" and p["status"] == "reported"
    assert p["period"] == "between 2017-18 and 2021-22"
    assert (p["periodStart"], p["periodEnd"]) == ("2017-04-01", "2022-03-31")
    assert rels(facts, "ABOUT") == {(stats[0].name, "Suffolk Constabulary")}


# -- cases -----------------------------------------------------------------------------------


def test_allegations_and_outcomes_use_concepts() -> None:
    text = (
        "A Norfolk Constabulary sergeant faced allegations of sexual harassment and of misusing police systems.\n"
        "After a hearing he was dismissed without notice and placed on the barred list.\n"
    )
    facts = facts_of(text)
    cats = {e.props["category"] for e in by_type(facts, "Allegation")}
    assert "sexual-misconduct" in cats
    outs = {e.props["category"] for e in by_type(facts, "Outcome")}
    assert {"dismissed-without-notice", "barred-list"} <= outs
    for e in by_type(facts, "Allegation") + by_type(facts, "Outcome"):
        assert e.props["categoryLabel"]
    assert all(t == "Norfolk Constabulary" for _, t in rels(facts, "AGAINST"))


def test_hypothetical_outcomes_are_not_cases() -> None:
    text = "Officers who break the rules may face disciplinary action, and some could be dismissed.\n"
    assert not by_type(facts_of(text), "Outcome")


def test_incident_of_a_named_person() -> None:
    text = "The arrest of campaigner Leon Hart outside a shop in Croydon was filmed, and Surrey Police apologised.\n"
    facts = facts_of(text)
    assert "arrest of Leon Hart" in names(facts, "Incident")
    assert ("arrest of Leon Hart", "Leon Hart") in rels(facts, "INVOLVES")


# -- evidence, store, identity ---------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_dir() -> Path:
    """The development corpus (../shared/corpus); skips when it is absent."""
    corpus = SHARED / "corpus"
    if not (corpus / "seeds").is_dir() or not (corpus / "gold").is_dir():
        pytest.skip(f"development corpus not found at {corpus} (it ships beside the repo, not in it)")
    return corpus


def fixture_files() -> list[Path]:
    return sorted(p for p in ARTICLES.iterdir() if p.is_file())


def test_every_fact_has_evidence_with_spans() -> None:
    for f in fixture_files():
        facts = extract_file(f)
        for e in facts.entities:
            assert e.evidence, e.id
            for ev in e.evidence:
                assert ev.source_id == facts.source_id and ev.method == "rule" and ev.quote
                assert ev.start is not None and ev.end is not None and ev.start <= ev.end
        for r in facts.relations:
            assert r.evidence and all(ev.source_id == facts.source_id for ev in r.evidence)


def test_fixtures_validate_and_reload_changes_nothing() -> None:
    for f in fixture_files():
        store = MemoryStore(None)
        first = store.upsert(extract_file(f))
        assert not first.unchanged
        again = store.upsert(extract_file(f))
        assert again.unchanged, f.name


def test_corpus_seeds_validate_and_reload(corpus_dir: Path) -> None:
    store = MemoryStore(None)
    for f in sorted((corpus_dir / "seeds").glob("*.txt")):
        assert not store.upsert(extract_file(f)).unchanged
    for f in sorted((corpus_dir / "seeds").glob("*.txt")):
        assert store.upsert(extract_file(f)).unchanged


def test_gold_and_json_output_shapes() -> None:
    facts = extract_file(ARTICLES / "hearing_kent.md")
    gold = facts_to_gold(facts, "hearing_kent.md")
    assert gold["article"] == "hearing_kent.md" and gold["published"] == "2023-05-17"
    officer = next(e for e in gold["entities"] if e["name"] == "Daniel Okafor")
    assert officer["type"] == "Officer" and officer["rank"] == "PC" and officer["force"] == "Kent Police"
    assert any(q["speaker"] == "Rachel Moore" and q["starts_with"].startswith("Honesty") for q in gold["quotes"])
    outcome_cats = {e.get("category") for e in gold["entities"] if e["type"] == "Outcome"}
    assert "dismissed without notice" in outcome_cats  # concept label, not key
    dump = facts_to_json(facts)
    json.dumps(dump)
    assert dump["source"]["id"] == facts.source_id
    assert all(e["evidence"] for e in dump["entities"])


def test_cli_extract_prints_gold_json(capsys: pytest.CaptureFixture[str]) -> None:
    from kb.app.cli import main

    assert main(["extract", str(ARTICLES / "foi_stats.txt"), "--format", "gold-json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["article"] == "foi_stats.txt" and doc["entities"]


# -- scores ----------------------------------------------------------------------------------


def _scorer() -> Any:
    if not SCORER.exists():
        pytest.skip(f"scorer not found at {SCORER}")
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["score_extraction"] = mod
    spec.loader.exec_module(mod)
    return mod


def _micro(gold_dir: Path, files: dict[str, Path], scorer: Any) -> dict[str, float]:
    cats = list(TARGETS)
    totals = {c: [0, 0, 0] for c in cats}
    for gf in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gf.read_text())
        pred = facts_to_gold(extract_file(files[gf.stem]), files[gf.stem].name)
        s = scorer.score_article(gold, pred)
        for c in cats:
            totals[c][0] += s[c]["tp"]
            totals[c][1] += s[c]["pred"]
            totals[c][2] += s[c]["gold"]
    return {c: scorer.prf(*totals[c])["f1"] for c in cats}


def test_scores_on_development_corpus(corpus_dir: Path) -> None:
    scorer = _scorer()
    files = {p.stem: p for p in (corpus_dir / "seeds").glob("*.txt")}
    f1 = _micro(corpus_dir / "gold", files, scorer)
    low = {c: v for c, v in f1.items() if v < TARGETS[c]}
    assert not low, f"below target: {low} (all: {f1})"


def test_scores_on_own_articles() -> None:
    """Articles written for the project (not the development set): a check that the rules generalise."""
    scorer = _scorer()
    files = {p.stem: p for p in fixture_files()}
    f1 = _micro(ARTICLES / "gold", files, scorer)
    floors = {"named_entities": 0.8, "events": 0.5, "relations": 0.45, "statistics": 0.8, "quotes": 0.9}
    low = {c: v for c, v in f1.items() if v < floors[c]}
    assert not low, f"below floor: {low} (all: {f1})"


# -- robustness ------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = st.sampled_from(
    [
        "PC", "Det", "Sgt", "Jane", "Harlow", "said", "said:", '"', "“", "”", "'", "‘", "’", "of", "the", "Met",
        "Kent", "Police", "IOPC", "dismissed", "allegations", "70", "1.4", "million", "nearly", "a", "third",
        "2017-18", "between", "and", "\n", "\n\n", ".", ",", "Officer", "X", "Home", "Secretary", "Coalition",
        "University", "of", "Leeds", "in", "Bath", "complaints", "misconduct", "•", ":", "(", ")", "–", "£5m",
    ]
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, max_size=80).map(" ".join) | st.text(max_size=400))
def test_arbitrary_text_never_crashes(text: str) -> None:
    from loaders.articles import text_source

    facts = extract_text(text, text_source(text or "x"))
    store = MemoryStore(None)
    store.upsert(facts)  # whatever was found passes the store's validation


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_arbitrary_bytes_as_a_file_only_raise_load_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    f = tmp_path / f"input{suffix}"
    f.write_bytes(data)
    try:
        facts = extract_file(f)
    except LoadError as exc:
        assert f.name in str(exc)
        return
    MemoryStore(None).upsert(facts)


def test_titles_operations_and_anonymised_people() -> None:
    text = (
        "Commissioner Sir Mark Hale of the Metropolitan Police apologised to Child Q and her family.\n"
        'Speaking later, Sir Mark said: "We got this badly wrong."\n'
        "Detectives working on Operation Lantern said a Kent officer had been arrested.\n"
    )
    facts = facts_of(text)
    assert "Mark Hale" in names(facts, "Officer")
    assert ("Mark Hale", "We got this") in {(s, q[:11]) for s, q in rels(facts, "SAID")}
    child = [e for e in by_type(facts, "Person") if e.name == "Child Q"]
    assert child and child[0].props.get("anonymised") is True
    assert "Operation Lantern" in names(facts, "Investigation")
    assert "force/kent" in {e.id for e in facts.entities}
    assert "Kent" not in names(facts, "Place")


def test_floods_of_marks_and_names_stay_bounded() -> None:
    """Junk input (thousands of quote marks, one endless capitalised run) still loads."""
    from loaders.articles import text_source

    for text in ('"' + 'a " b " ' * 3000, "Jane Smith Kent Police IOPC Met " * 3000, "Kent\n" * 5000):
        facts = extract_text(text, text_source(text))
        MemoryStore(None).upsert(facts)


@pytest.mark.parametrize(
    "phrase,name",
    [
        ("suspended from duty and was later reinstated", "suspended from duty"),
        ("barred from policing for life and placed on", "barred from policing for life"),
        ("review of vetting practices has concluded", "review of vetting practices"),
        ("inquiry into how the officer came to be posted as a", "inquiry into how the officer came to be posted"),
        ("written warning", "written warning"),
        ("the", "the"),
    ],
)
def test_event_names_end_cleanly(phrase: str, name: str) -> None:
    from loaders.articles.events import tidy_event_name

    assert tidy_event_name(phrase) == name
