"""The figures component: which figures are statistics (a measure about a subject over a period) and
which belong to one person or case (issue 16), and whom a statistic is about when the sentence does not
say. Every sentence here is written for the test."""

from __future__ import annotations

from kb.model import Entity, Facts
from kb.store.memory import MemoryStore
from loaders.articles import extract_text, text_source
from loaders.articles.gold import facts_to_gold
from loaders.articles.stats import find_figures


def _facts(text: str) -> Facts:
    return extract_text(text, text_source(text, title="t.txt"))


def _stats(f: Facts) -> list[tuple[str, float]]:
    names = {e.id: e.name for e in f.entities}
    about = {r.source: names[r.target] for r in f.relations if r.type == "ABOUT"}
    return [(about.get(e.id, ""), float(e.props["value"])) for e in f.entities if e.type == "Statistic"]  # type: ignore[arg-type]


def _person(f: Facts, name: str) -> Entity:
    return next(e for e in f.entities if e.name == name)


def test_ages_and_sentences_are_properties_of_the_person_not_statistics() -> None:
    f = _facts(
        "Cumbria Constabulary officer jailed\n"
        "PC Tobias Wrenfield, aged 41, of Lowmarsh, was jailed for six years at Exeter Crown Court.\n"
        "He was also given a 12-month supervision order and told to pay a £900 fine.\n"
    )
    assert _stats(f) == []
    p = _person(f, "Tobias Wrenfield")
    assert p.props.get("age") == 41
    figs = p.props.get("caseFigures")
    assert isinstance(figs, list) and "six years" in figs and "£900 fine" in figs
    assert any("supervision order" in x for x in figs)
    MemoryStore(None).upsert(f)  # the new properties pass the store's validation
    view = facts_to_gold(f, "t.txt")["statistics"]
    assert {(s["subject"], s["value"]) for s in view} >= {("Tobias Wrenfield", 41), ("Tobias Wrenfield", 6)}


def test_the_n_year_old_is_the_officer_the_story_is_about() -> None:
    f = _facts(
        "PC Harriet Molesworth of Cumbria Constabulary was convicted of assault.\n"
        "The 37-year-old, who denied the charge, was dismissed at a hearing last week.\n"
    )
    assert _person(f, "Harriet Molesworth").props.get("age") == 37


def test_a_count_of_officers_in_one_hearing_is_part_of_the_case() -> None:
    f = _facts("Four officers will face a gross misconduct hearing over the arrest, Cumbria Constabulary said.\n")
    assert _stats(f) == []  # issue 16: no "Cumbria Constabulary had 4 officers"
    view = facts_to_gold(f, "t.txt")["statistics"]
    assert [s["value"] for s in view] == [4]


def test_a_count_over_a_period_stays_a_statistic() -> None:
    f = _facts("Figures show 38 Cumbria Constabulary officers were dismissed after misconduct hearings in 2022-23.\n")
    assert _stats(f) == [("Cumbria Constabulary", 38.0)]


def test_the_source_of_figures_is_not_their_subject() -> None:
    f = _facts(
        "Latest statistics from the College of Policing show 19 officers were barred from "
        "Cumbria Constabulary in 2022.\n"
    )
    assert _stats(f) == [("Cumbria Constabulary", 19.0)]


def test_respectively_and_places_give_each_figure_its_force() -> None:
    f = _facts("Kent Police and Essex Police had seven and four complaints per 100 officers respectively last year.\n")
    assert sorted(_stats(f)) == [("Essex Police", 4.0), ("Kent Police", 7.0)]


def test_elided_measures_and_one_in_a_list() -> None:
    s = "Of those, 14 were dismissed, nine had already resigned and one had retired."
    assert [f.value for f in find_figures(s, 0, [])] == [14, 9, 1]
    s = "Tasers were drawn on 310 occasions in 2019 and the number rose from 310 to 455 by 2022."
    assert 455 in {f.value for f in find_figures(s, 0, [])}
    assert find_figures("It was one of the worst days.", 0, []) == []


def test_collar_numbers_and_reader_appeals_are_not_figures() -> None:
    f = _facts(
        "PC 4471 Dominic Farrow of Cumbria Constabulary admitted the offence.\n"
        "From just £2 a month you can help fund our journalism.\n"
    )
    assert _stats(f) == []


def test_of_the_n_refers_back_to_an_earlier_figure() -> None:
    f = _facts(
        "Data from 19 forces shows 640 officers across 19 forces were accused of sexual misconduct in 2021.\n"
        "West Midlands Police recorded the most.\n"
        "Only 31 of the 640 officers were dismissed, the data shows.\n"
    )
    view = {s["value"]: s["subject"] for s in facts_to_gold(f, "t.txt")["statistics"]}
    assert view[31] == view[640] == "19 forces"


def test_seconds_decades_and_a_defendants_charges_are_the_persons_not_statistics() -> None:
    f = _facts(
        "Former Norfolk Constabulary officer given 14 life sentences\n"
        "Graham Pettifer, a former Norfolk Constabulary constable, was handed 14 life sentences for offences "
        "that spanned almost two decades.\n"
        "Pettifer had admitted 31 charges involving nine victims, among them 12 counts of rape and four counts "
        "of false imprisonment.\n"
        "During one arrest he held a colleague's Taser trigger down for 19 seconds.\n"
    )
    assert _stats(f) == []
    figs = _person(f, "Graham Pettifer").props.get("caseFigures")
    assert isinstance(figs, list)
    for words in ("14 life sentences", "almost two decades", "12 counts of rape", "19 seconds"):
        assert any(x.startswith(words) for x in figs), (words, figs)


def test_officers_facing_one_hearing_in_a_year_are_part_of_that_case() -> None:
    f = _facts(
        "Kent Police referred itself to the IOPC, and four officers faced a gross misconduct hearing in 2022: "
        "PC Anwen Tolley, PC Rufus Garrow, PC Ines Halloran and Sergeant Milo Prynne.\n"
        "Kent Police received 412 complaints about officers in 2022.\n"
    )
    assert _stats(f) == [("Kent Police", 412.0)]  # the yearly measure stays a statistic


def test_a_groups_age_range_is_nobodys_age_and_no_figure() -> None:
    f = _facts(
        "According to the Children's Commissioner for England, Dame Orla Penhallow, the force strip searched "
        "320 children aged 10 to 17 between 2018 and 2020.\n"
    )
    assert _person(f, "Orla Penhallow").props.get("age") is None
    assert 17.0 not in {v for _, v in _stats(f)} and 10.0 not in {v for _, v in _stats(f)}


def test_a_programmes_recruits_are_no_forces_headcount() -> None:
    f = _facts(
        "Police Now said the number of officers it had recruited had risen to more than 1,900 across 30 partner "
        "forces.\n"
        "Essex Police employs 3,600 full-time officers.\n"
    )
    by_value = {e.props["value"]: e.props.get("measureConcept") for e in f.entities if e.type == "Statistic"}
    assert by_value.get(3600) == "officer-headcount"
    assert 1900 in by_value and by_value[1900] != "officer-headcount"


def test_a_reports_figures_are_about_its_author_when_no_force_is_named() -> None:
    hmi = "HM Inspectorate of Constabulary and Fire & Rescue Services"
    f = _facts(
        "We welcome the HM Inspectorate of Constabulary report on custody.\n"
        "Durham Constabulary recorded 4 deaths in 2022.\n"
        "HM Inspectorate of Constabulary's report states that 1,204 people were restrained in custody in 2022.\n"
        "It found that 31% of those restrained were under 18.\n"
        "Durham Constabulary did not provide data.\n"
        "In clear breach of the guidance, the Inspectorate's report notes:\n"
        "- In 44% of cases, no medical check was made.\n"
    )
    stats = _stats(f)
    assert ("Durham Constabulary", 4.0) in stats
    assert (hmi, 31.0) in stats and (hmi, 44.0) in stats


def test_a_case_count_told_twice_is_one_figure_in_the_gold_format() -> None:
    text = (
        "Three officers to face misconduct hearing over custody death\n"
        "Three officers will face a gross misconduct hearing over the death of a man in Durham Constabulary custody.\n"
        "The three officers are accused of failing to check on him.\n"
    )
    g = facts_to_gold(_facts(text), "t.txt")
    threes = [s for s in g["statistics"] if s["value"] == 3]
    assert len(threes) == 1
