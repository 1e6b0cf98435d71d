"""Statistics: figures (loaders.articles.stats) with their subject, measure and period."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from kb.identity import hashed_id
from kb.model import Props
from loaders.articles import events as ev
from loaders.articles import lexicon as lx
from loaders.articles.doc import ArticleDoc
from loaders.articles.registry import component
from loaders.articles.stats import Figure, find_figures
from loaders.concepts import classify

SUBJECT_TYPES = {"PoliceForce", "Programme", "OversightBody", "Organisation", "Incident", "Investigation"}

_SCOPE = re.compile(
    r"\b(?:across|in|from|by|of)\s+((?:\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|[a-z]+ty(?:-[a-z]+)?)"
    r"\s+(?:police\s+)?forces)\b",
    re.I,
)

_ORG_NOMINAL = re.compile(
    r"\b(?:the|this|our)\s+(?:charity|scheme|programme|organisation|group|body|watchdog|campaign)\b"
    r"|\b(?:it|we)\s+(?:has|have|had|says|said)\b",
    re.I,
)

_FORCE_NOMINAL = re.compile(
    r"\b(?:the|this|our)\s+(?:police\s+)?(?:force|constabulary|agency|police agency|police service)\b", re.I
)


@dataclass(frozen=True, slots=True)
class _Rules:
    duration_units: frozenset[str]
    case_money: re.Pattern[str]
    age_after_name: re.Pattern[str]
    national: re.Pattern[str]
    rate_words: re.Pattern[str]
    needs_context: dict[str, re.Pattern[str]]


@cache
def rules() -> _Rules:
    """The figure rules of data/figures.toml, compiled once per process."""
    raw = resources.files("loaders.articles").joinpath("data", "figures.toml").read_text(encoding="utf-8")
    d: dict[str, Any] = tomllib.loads(raw)
    return _Rules(
        frozenset(d["duration_units"]),
        re.compile(d["case_money"], re.I),
        re.compile(d["age_after_name"]),
        re.compile(d["national"], re.I),
        re.compile(d["rate_words"], re.I),
        {k: re.compile(v, re.I) for k, v in d["needs_context"].items()},
    )


def case_figure(doc: ArticleDoc, i: int, f: Figure) -> str | None:
    """Why a figure belongs to one case or one person rather than being a statistic (None when it is a
    statistic): an age, a duration (a sentence, years of service), a fine, or a count in a sentence
    about named officers with nothing that makes it a measure over a period."""
    r = rules()
    s = doc.sents[i]
    if f.unit in r.duration_units:
        return "duration"
    for m, _ in doc.ids_in_sentence(i, {"Person", "Officer"}):
        if (
            m.end <= f.start
            and r.age_after_name.match(doc.text[m.end : f.start])
            and doc.text[f.end : f.end + 1] == ","
        ):
            return "age"
    if f.unit == "GBP" and r.case_money.search(s.text):
        return "money in a case"
    if f.period or f.unit in {"percent", "proportion"} or r.rate_words.search(s.text):
        return None
    named = [eid for _, eid in doc.ids_in_sentence(i, {"Officer"}) if not doc.senior(eid)]
    in_case = any(c.sent == i and c.subjects for c in doc.case_events)
    if named or in_case:
        return "count in a case"
    return None


@component("figures")
def statistics(doc: ArticleDoc) -> None:
    """Figures that measure something about a subject over a period become statistics; figures of one
    case (ages, sentences, the officers in a hearing) do not."""
    r = rules()
    skip = sorted((m.start, m.end) for m, _ in doc.mention_ids)
    seen: set[tuple[str, float]] = set()
    quote_speaker: list[tuple[int, int, str]] = []
    for rel in doc.rels.values():
        if rel.type == "SAID":
            q = doc.ents.get(rel.target)
            if q and q.evidence:
                e0 = q.evidence[0]
                if e0.start is not None and e0.end is not None:
                    quote_speaker.append((e0.start, e0.end, rel.source))
    counts = Counter(eid for _, eid in doc.mention_ids if doc.ents[eid].type in {"PoliceForce", "Programme"})
    primary = counts.most_common(1)[0][0] if counts else doc.primary_force
    bodies = Counter(eid for _, eid in doc.mention_ids if doc.ents[eid].type == "OversightBody")
    national_body = bodies.most_common(1)[0][0] if bodies else None
    current = primary  # the discourse subject: the force or body the last figures were about
    for i, s in enumerate(doc.sents):
        here = [eid for _, eid in doc.ids_in_sentence(i, {"PoliceForce", "Programme"})]
        national = bool(r.national.search(s.text))
        if national:
            sb = [eid for _, eid in doc.ids_in_sentence(i, {"OversightBody"})]
            current = sb[0] if sb else (national_body or current)
        elif here:
            current = here[0]
        figs = find_figures(s.text, s.start, ev.spans_within(skip, s.start, s.end), doc.published)
        if not figs:
            continue
        sm = _SCOPE.search(s.text)
        scope = (
            sm.group(1)
            if sm and not doc.ids_in_sentence(i, {"PoliceForce"}) and not _ORG_NOMINAL.search(s.text)
            else None
        )
        for f in figs:
            if case_figure(doc, i, f):
                continue
            # "920 officers across 21 forces": a figure about many forces, none of them named
            subject = (None if national else stat_subject(doc, i, f, quote_speaker)) or (
                None if scope and not national else current
            )
            if subject is None and scope is None:
                continue
            k = (subject or scope or "", f.value)
            if k in seen:
                continue
            seen.add(k)
            add_statistic(doc, f, subject, i, scope=None if subject else scope)


def stat_subject(doc: ArticleDoc, i: int, f: Figure, quote_speaker: list[tuple[int, int, str]]) -> str | None:
    s = doc.sents[i]
    cands: list[tuple[int, str]] = []
    for mt, eid in doc.ids_in_sentence(i):
        if doc.ents[eid].type in SUBJECT_TYPES:
            cands.append((mt.start, eid))
    for inc, j in doc.incidents:
        if j == i:
            cands.append((s.start, inc))
    if re.search(r"\b(?:the|this)\s+(?:video|footage|clip)\b", s.text, re.I) and doc.incidents:
        cands.append((s.start, doc.incidents[0][0]))
    if doc.primary_force:
        for m in _FORCE_NOMINAL.finditer(s.text):
            cands.append((s.start + m.start(), doc.primary_force))
    # entities counted by the figure ("across 33 forces") are not its subject
    cands = [
        c
        for c in cands
        if not (f.end <= c[0] <= f.end + 40 and re.match(r"\s*\w*\s*(forces|force)", doc.text[f.end : c[0] + 1]))
    ]
    cands.sort()
    # an organisation named in passing ("the College of Policing barred list") is rarely what a figure
    # measures: forces, bodies and programmes come first
    cands.sort(key=lambda c: doc.ents[c[1]].type == "Organisation")
    before = [c for c in cands if c[0] < f.start]
    if before:
        return before[0][1]
    for a, b, sp in quote_speaker:
        if a <= f.start < b and doc.ents.get(sp) and doc.ents[sp].type in SUBJECT_TYPES:
            return sp
    return cands[0][1] if cands else None


def add_statistic(doc: ArticleDoc, f: Figure, subject: str | None, i: int, scope: str | None = None) -> None:
    measure = f.measure or f.unit
    if scope and not subject and scope not in measure:
        # no entity to be ABOUT: the figure's scope is part of what it measures ("officers across 21 forces")
        measure = f"{measure} across {scope}"
    sid = hashed_id("Statistic", subject or f"{scope} {doc.skey}", lx.norm(measure), f.value, f.period or "")
    evd = doc.evidence(f.start, f.end, 0.7, i)
    value: float | int = int(f.value) if f.value == int(f.value) else round(f.value, 4)
    e = doc.entity(sid, "Statistic", f"{f.value_text} {measure}".strip(), evd)
    props: Props = {
        "measure": measure,
        "value": value,
        "valueText": f.value_text,
        "qualifier": f.qualifier,
        "unit": f.unit,
        "status": "reported",
    }
    concept = classify("measure", measure)
    ctx = rules().needs_context.get(concept or "")
    if ctx is not None and not ctx.search(doc.sents[i].text):
        concept = None  # "three officers" is no officer headcount
    if concept:
        props["measureConcept"] = concept
    if f.period:
        props["period"] = f.period
    if f.period_start:
        props["periodStart"] = f.period_start
    if f.period_end:
        props["periodEnd"] = f.period_end
    e.props.update(props)
    if subject:
        doc.relate("ABOUT", sid, subject, evd)


# -- output ---------------------------------------------------------------------------
