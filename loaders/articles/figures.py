"""Statistics: figures (loaders.articles.stats) with their subject, measure and period."""

from __future__ import annotations

import re
from collections import Counter

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


@component("figures")
def statistics(doc: ArticleDoc) -> None:
    """Figures that measure something about a subject become statistics."""
    skip = sorted((m.start, m.end) for m, _ in doc.mention_ids)
    seen: set[tuple[str, float]] = set()
    quote_speaker: list[tuple[int, int, str]] = []
    for r in doc.rels.values():
        if r.type == "SAID":
            q = doc.ents.get(r.target)
            if q and q.evidence:
                e0 = q.evidence[0]
                if e0.start is not None and e0.end is not None:
                    quote_speaker.append((e0.start, e0.end, r.source))
    counts = Counter(eid for _, eid in doc.mention_ids if doc.ents[eid].type in {"PoliceForce", "Programme"})
    primary = counts.most_common(1)[0][0] if counts else doc.primary_force
    for i, s in enumerate(doc.sents):
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
            # "920 officers across 21 forces": a figure about many forces, none of them named
            subject = stat_subject(doc, i, f, quote_speaker) or (None if scope else primary)
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
