"""Statistics: figures (loaders.articles.stats) with their subject, measure and period; and the figures of
one case or one person (an age, a sentence, the officers in a hearing), kept on that person or case."""

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
PEOPLE = {"Person", "Officer"}
# what a case figure can be kept on, by preference for each kind of figure
_CASE_TYPES = ("Investigation", "Allegation", "Outcome", "Incident")

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
_PRONOUN = re.compile(r"\b(?:he|she|his|her|him)\b", re.I)
# "The 43-year-old, who ...", "The 53-year-old was ...": the age standing for the person
_AGE_AS_NOUN = re.compile(r"\s*,|\s+(?:was|is|has|had|who|will|would|denied|admitted|pleaded|appeared)\b", re.I)
_SPEAKS = re.compile(rf"\b(?:{lx.REPORTING_VERBS})\b", re.I)


_CASELESS = {"age_after_name"}  # patterns matched as written (case matters)


@dataclass(frozen=True, slots=True)
class _Rules:
    duration_units: frozenset[str]
    needs_context: dict[str, re.Pattern[str]]
    concept_subjects: dict[str, frozenset[str]]
    p: dict[str, re.Pattern[str]]  # every other pattern of the file, by its name


@cache
def rules() -> _Rules:
    """The figure rules of data/figures.toml, compiled once per process."""
    raw = resources.files("loaders.articles").joinpath("data", "figures.toml").read_text(encoding="utf-8")
    d: dict[str, Any] = tomllib.loads(raw)
    pats = {k: re.compile(v, 0 if k in _CASELESS else re.I) for k, v in d.items() if isinstance(v, str)}
    return _Rules(
        frozenset(d["duration_units"]),
        {k: re.compile(v, re.I) for k, v in d["needs_context"].items()},
        {k: frozenset(v) for k, v in d["concept_subjects"].items()},
        pats,
    )


class _Sentence:
    """The sentence-wide pattern tests of one sentence, each run once: a sentence can hold thousands of
    figures, and testing the whole sentence again per figure made figure-dense text quadratic."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._got: dict[str, bool] = {}
        self._nominal: list[int] | None = None

    def has(self, name: str) -> bool:
        got = self._got.get(name)
        if got is None:
            pat = _PRONOUN if name == "pronoun" else rules().p[name]
            got = self._got[name] = bool(pat.search(self.text))
        return got

    def force_nominals(self) -> list[int]:
        """Where "the force" and its like stand in the sentence."""
        if self._nominal is None:
            self._nominal = [m.start() for m in _FORCE_NOMINAL.finditer(self.text)]
        return self._nominal


def case_figure(doc: ArticleDoc, i: int, f: Figure, n_figs: int = 1, sf: _Sentence | None = None) -> str | None:
    """Why a figure belongs to one case or one person rather than being a statistic (None when it is a
    statistic): an age, a duration (a sentence, years of service), a page count, a fine, a count of one
    person's acts, or a count of people in a sentence about one case (one hearing, named officers) with
    nothing that makes it a measure over a period. ``n_figs``: the figures of the sentence (a list of
    figures is a breakdown, not one case)."""
    p = rules().p
    s = doc.sents[i]
    sf = sf or _Sentence(s.text)
    if f.unit in rules().duration_units:
        return "duration"
    if f.unit == "pages":
        return "document"
    if f.unit == "GBP" and sf.has("case_money"):
        return "money in a case"
    if f.unit in {"percent", "proportion"} or sf.has("aggregate"):
        return None
    counts_people = bool(p["people_counted"].match(doc.text[f.end : f.end + 60]))
    before = doc.text[max(s.start, f.start - 12) : f.start]
    if counts_people and p["anaphoric_people"].search(before):
        return "count in a case"  # "the two officers": people already in the story
    if p["acts"].match(f.measure) and (_people_here(doc, i) or sf.has("pronoun")):
        return "count in a case"  # "he visited her five times"
    if sf.has("rate_words"):
        return None
    if p["case_counts"].match(f.measure):
        return "count in a case"  # "given 36 life sentences", "admitted 24 counts of rape"
    if counts_people and n_figs == 1 and sf.has("one_hearing"):
        return "count in a case"  # "five officers faced a gross misconduct hearing in 2023"
    if f.period:
        return None
    if counts_people and n_figs == 1 and (sf.has("one_case") or sf.has("case_verbs")):
        return "count in a case"
    named = [eid for _, eid in doc.ids_in_sentence(i, {"Officer"}) if not doc.senior(eid)]
    in_case = any(c.sent == i and c.subjects for c in doc.case_events)
    if n_figs == 1 and (named or in_case):
        return "count in a case"
    return None


def _counts_people(doc: ArticleDoc, f: Figure) -> bool:
    return f.unit == "count" and bool(rules().p["people_counted"].match(doc.text[f.end : f.end + 60]))


def _people_here(doc: ArticleDoc, i: int) -> bool:
    return bool(doc.ids_in_sentence(i, PEOPLE))


class _Discourse:
    """What the figures of a sentence are about when it does not say: the force or body the last figures
    were about (national figures go to the national body), and the person last named."""

    def __init__(self, doc: ArticleDoc) -> None:
        counts = Counter(eid for _, eid in doc.mention_ids if doc.ents[eid].type in {"PoliceForce", "Programme"})
        self.primary = counts.most_common(1)[0][0] if counts else doc.primary_force
        bodies = Counter(eid for _, eid in doc.mention_ids if doc.ents[eid].type == "OversightBody")
        self.national_body = bodies.most_common(1)[0][0] if bodies else None
        self.current = self.primary
        people = Counter(eid for _, eid in doc.mention_ids if doc.ents[eid].type in PEOPLE and not doc.senior(eid))
        self.main_person = people.most_common(1)[0][0] if people else None
        officers = Counter(eid for _, eid in doc.mention_ids if doc.ents[eid].type == "Officer" and not doc.senior(eid))
        self.main_officer = officers.most_common(1)[0][0] if officers else self.main_person
        self.last_person: str | None = None
        self.last_measure = ""
        # the subject (entity id, or the scope words) of each statistic so far, by value: "Only 29 of the
        # 920 officers" is about what the 920 were about
        self.by_value: dict[float, tuple[str | None, str | None]] = {}


@component("figures")
def statistics(doc: ArticleDoc) -> None:
    """Figures that measure something about a subject over a period become statistics; figures of one
    case (ages, sentences, the officers in a hearing) are kept on that person or case."""
    r = rules()
    skip = sorted((m.start, m.end) for m, _ in doc.mention_ids)
    seen: set[tuple[str, float, str]] = set()
    quote_speaker: list[tuple[int, int, str]] = []
    for rel in doc.rels.values():
        if rel.type == "SAID":
            q = doc.ents.get(rel.target)
            if q and q.evidence:
                e0 = q.evidence[0]
                if e0.start is not None and e0.end is not None:
                    quote_speaker.append((e0.start, e0.end, rel.source))
    d = _Discourse(doc)
    for i, s in enumerate(doc.sents):
        here = [eid for _, eid in doc.ids_in_sentence(i, {"PoliceForce", "Programme"})]
        national = bool(r.p["national"].search(s.text))
        if national:
            sb = [eid for _, eid in doc.ids_in_sentence(i, {"OversightBody"})]
            d.current = sb[0] if sb else (d.national_body or d.current)
        elif here:
            d.current = here[0]
        else:
            # "The Commissioner's report states that ...": with no force named, the report's author is what
            # the figures that follow are about
            src = next(
                (
                    eid
                    for mt, eid in doc.ids_in_sentence(i, {"Organisation", "OversightBody"})
                    if r.p["source_after"].match(doc.text[mt.end : mt.end + 40])
                ),
                None,
            )
            if src is None:
                # "the Commissioner's report notes:": the organisation named earlier with that word
                wm = _REPORT_OF.search(s.text)
                word = wm.group(1).lower() if wm else None
                src = next(
                    (
                        eid
                        for eid, e in doc.ents.items()
                        if word and e.type in {"Organisation", "OversightBody"} and word in e.name.lower().split()
                    ),
                    None,
                )
            if src:
                d.current = src
        ages(doc, d, i)
        if r.p["reader_appeal"].search(s.text):
            continue  # a donation appeal: "support us for £3 a month"
        figs = find_figures(s.text, s.start, ev.spans_within(skip, s.start, s.end), doc.published, d.last_measure)
        if figs:
            sentence_figures(doc, d, i, figs, national, seen, quote_speaker)
        d.last_measure = figs[-1].measure if figs else ""
        people = [eid for _, eid in doc.ids_in_sentence(i, PEOPLE)]
        if people:
            d.last_person = people[-1]


def sentence_figures(
    doc: ArticleDoc,
    d: _Discourse,
    i: int,
    figs: list[Figure],
    national: bool,
    seen: set[tuple[str, float, str]],
    quote_speaker: list[tuple[int, int, str]],
) -> None:
    s = doc.sents[i]
    sm = _SCOPE.search(s.text)
    scope = (
        sm.group(1) if sm and not doc.ids_in_sentence(i, {"PoliceForce"}) and not _ORG_NOMINAL.search(s.text) else None
    )
    resp = respectively(doc, i, figs)
    sf = _Sentence(s.text)
    kinds = [case_figure(doc, i, f, len(figs), sf) for f in figs]
    if "count in a case" in kinds and not (sf.has("aggregate") or sf.has("rate_words")):
        # "admitted 49 charges involving 12 women": the people counted beside a case's charges are that case's
        kinds = [k or ("count in a case" if _counts_people(doc, f) else None) for k, f in zip(kinds, figs, strict=True)]
    for f, kind in zip(figs, kinds, strict=True):
        if kind:
            holder = case_holder(doc, d, i, f, kind)
            if holder:
                add_case_figure(doc, holder, f, i)
            continue
        # "920 officers across 21 forces": a figure about many forces, none of them named
        subject = (None if national else resp.get(f.start) or stat_subject(doc, d, i, f, quote_speaker, sf)) or (
            None if scope and not national else d.current
        )
        fig_scope = scope
        part = _PART_OF.match(doc.text, f.end)
        if part:
            earlier = d.by_value.get(_number(part.group("n")))
            if earlier:
                subject, fig_scope = earlier
        if subject is None and fig_scope is None:
            continue
        k = (subject or fig_scope or "", f.value, _head(f.measure))
        if k in seen:
            continue  # the headline's figure again in the body
        seen.add(k)
        d.by_value.setdefault(f.value, (subject, None if subject else fig_scope))
        add_statistic(doc, f, subject, i, scope=None if subject else fig_scope)


_REPORT_OF = re.compile(
    r"\bthe\s+([A-Z][\w\-]+)['’]s\s+(?:\w+\s+)?(?:report|review|research|data|figures|survey|analysis)\b"
)
_PART_OF = re.compile(r"\s+(?:out\s+)?of\s+(?:the|these|those)\s+(?P<n>\d[\d,]*)\b", re.I)


def _number(digits: str) -> float:
    return float(digits.replace(",", ""))


def _head(measure: str) -> str:
    """The first word of a measure, singular: what a repeated figure is compared on."""
    w = lx.norm(measure).split()
    return w[0].rstrip("s") if w else ""


def ages(doc: ArticleDoc, d: _Discourse, i: int) -> None:
    """Ages ("Ann Example, 43,", "aged 36", "the 43-year-old"): a property of the person, not a statistic."""
    s = doc.sents[i]
    if not any(c.isdigit() for c in s.text):
        return
    p = rules().p
    people = doc.ids_in_sentence(i, PEOPLE)
    for x, eid in people:
        m = p["age_after_name"].match(doc.text, x.end, s.end)
        if m:
            _set_age(doc, eid, int(m.group("n")))
    for m in p["age"].finditer(s.text):
        if p["group_age"].search(s.text, 0, m.start()) or p["age_range"].match(s.text, m.end()):
            continue  # "children aged 10 to 17": the ages of a group, nobody's age
        n = int(m.group("n") or m.group("m"))
        pos = s.start + m.start()
        before = [eid for x, eid in people if x.end <= pos]
        after = [eid for x, eid in people if x.start >= pos]
        head = s.text[: m.start()]
        who: str | None = None
        if m.group("n") and before:
            who = before[-1]  # "Ann Example, aged 43"
        elif m.group("n") and _PRONOUN.search(head):
            who = d.last_person  # "In 2002 he joined the force, aged 22"
        elif re.match(r"\s*(?:the|a)\s+$", head, re.I) and _AGE_AS_NOUN.match(s.text[m.end() :]):
            # "The 43-year-old, who ...": the person the article is about ("a 34-year-old man": nobody named)
            who = after[0] if after else (d.main_officer or d.last_person)
        if who:
            _set_age(doc, who, n)


def _set_age(doc: ArticleDoc, eid: str, n: int) -> None:
    if 0 < n < 120:
        doc.ents[eid].props.setdefault("age", n)


def case_holder(doc: ArticleDoc, d: _Discourse, i: int, f: Figure, kind: str) -> str | None:
    """The person or case a case figure is about: for a count in a case the case named in the sentence
    (or an officer), for a duration, a fine or a count of acts the person (named, or "he", "the officer"
    for the person last named), for a trial's length or a report's pages the case."""
    p = rules().p
    s = doc.sents[i]
    # a person who says the figure ("Helen Ward said the recruits would spend two years ...") is not its holder
    people = [
        (m, eid)
        for m, eid in doc.ids_in_sentence(i, PEOPLE)
        if not _in_quote(doc, m.start) and not (m.end <= f.start and _SPEAKS.search(doc.text[m.end : f.start]))
    ]
    cases = [c for c in doc.case_events if c.sent == i and c.type in _CASE_TYPES]
    cases.sort(key=lambda c: _CASE_TYPES.index(c.type))
    incidents = [iid for iid, j in doc.incidents if j == i]

    def person(officers_only: bool = False) -> str | None:
        cands = [(m, eid) for m, eid in people if not officers_only or doc.ents[eid].type == "Officer"]
        before = [eid for m, eid in cands if m.end <= f.start]
        if before:
            return before[-1]
        if cands:
            return cands[0][1]
        head = s.text[: f.start - s.start]
        if p["person_nominal"].search(head):
            return d.main_officer or d.last_person
        if _PRONOUN.search(head):
            return d.last_person
        return None

    def case() -> str | None:
        if cases:
            return cases[0].id
        return incidents[0] if incidents else None

    if kind == "count in a case":
        if p["acts"].match(f.measure):
            return person() or case()
        if p["case_counts"].match(f.measure):
            return person() or d.main_person or case()  # a defendant's charges: the person on trial
        return case() or person(officers_only=True) or doc.central
    if kind == "document" or (kind == "duration" and p["case_duration"].match(f.measure)):
        return case() or person() or doc.central
    return person()


def _in_quote(doc: ArticleDoc, pos: int) -> bool:
    return any(q.start <= pos < q.end for q in doc.quote_spans)


def add_case_figure(doc: ArticleDoc, holder: str, f: Figure, i: int) -> None:
    """Keep the figure, as written with what it counts, on the person or case it is about."""
    e = doc.ents.get(holder)
    if e is None:
        return
    words = f"{f.value_text} {f.measure}".strip()
    got = e.props.setdefault("caseFigures", [])
    if isinstance(got, list) and words not in got:
        got.append(words)


def respectively(doc: ArticleDoc, i: int, figs: list[Figure]) -> dict[int, str]:
    """ "A and B had seven and five uses respectively": the figures' subjects in the order named."""
    s = doc.sents[i]
    if "respectively" not in s.text:
        return {}
    subs = [eid for _, eid in doc.ids_in_sentence(i, {"PoliceForce", "OversightBody", "Programme"})]
    subs = list(dict.fromkeys(subs))
    nums = [f for f in figs if f.unit in {"count", "percent"} or f.unit.startswith("per ")]
    if len(subs) < 2 or len(subs) != len(nums):
        return {}
    return {f.start: eid for f, eid in zip(nums, subs, strict=True)}


_IN_PLACE = re.compile(r"\s+(?:\w+\s+){0,3}?in\s+$")


def stat_subject(
    doc: ArticleDoc,
    d: _Discourse,
    i: int,
    f: Figure,
    quote_speaker: list[tuple[int, int, str]],
    sf: _Sentence | None = None,
) -> str | None:
    s = doc.sents[i]
    r = rules().p
    sf = sf or _Sentence(s.text)
    # "... 152 times in Essex": the force covering the place named just after the figure
    for mt, eid in doc.ids_in_sentence(i, {"Place"}):
        if f.end < mt.start <= f.end + 40 and _IN_PLACE.fullmatch(doc.text, f.end, mt.start):
            force = _force_covering(doc, eid)
            if force:
                return force
    # "2,110 by the Metropolitan Police"
    for mt, eid in doc.ids_in_sentence(i, SUBJECT_TYPES):
        if f.end < mt.start <= f.end + 8 and re.fullmatch(r"\s+by\s+(?:the\s+)?", doc.text[f.end : mt.start]):
            return eid
    if d.national_body and sf.has("body_nominal"):
        return d.national_body
    cands: list[tuple[int, str]] = []
    sources: set[str] = set()
    for mt, eid in doc.ids_in_sentence(i):
        typ = doc.ents[eid].type
        if typ in SUBJECT_TYPES:
            cands.append((mt.start, eid))
            # "statistics from the College of Policing show ...": the source of the figure, not its subject
            if r["source_before"].search(doc.text[max(s.start, mt.start - 40) : mt.start]) or (
                typ != "PoliceForce" and r["source_after"].match(doc.text[mt.end : mt.end + 40])
            ):
                sources.add(eid)
    for inc, j in doc.incidents:
        if j == i:
            cands.append((s.start, inc))
    if doc.incidents and sf.has("footage"):
        cands.append((s.start, doc.incidents[0][0]))
    if doc.primary_force:
        for at in sf.force_nominals():
            cands.append((s.start + at, doc.primary_force))
    # entities counted by the figure ("across 33 forces") are not its subject
    cands = [
        c
        for c in cands
        if not (f.end <= c[0] <= f.end + 40 and re.match(r"\s*\w*\s*(forces|force)", doc.text[f.end : c[0] + 1]))
    ]
    cands.sort()
    # an organisation named in passing ("the College of Policing barred list") is rarely what a figure
    # measures: forces, bodies and programmes come first; the source of the figures comes last
    cands.sort(key=lambda c: (c[1] in sources, doc.ents[c[1]].type == "Organisation"))
    if cands and cands[0][1] not in sources:
        before = [c for c in cands if c[0] < f.start and c[1] not in sources]
        if before:
            return before[0][1]
    for a, b, sp in quote_speaker:
        if a <= f.start < b and doc.ents.get(sp) and doc.ents[sp].type in SUBJECT_TYPES:
            return sp
    return cands[0][1] if cands else None


def _force_covering(doc: ArticleDoc, place: str) -> str | None:
    for rel in doc.rels.values():
        if rel.type == "COVERS" and rel.target == place and doc.ents[rel.source].type == "PoliceForce":
            return rel.source
    return None


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
    only = rules().concept_subjects.get(concept or "")
    if only is not None and (subject is None or doc.ents[subject].type not in only):
        concept = None  # a programme's recruits are no force's headcount
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
