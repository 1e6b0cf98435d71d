"""Print extracted facts in the gold annotation format (../shared/corpus/GOLD_FORMAT.md), or as
a faithful JSON dump with evidence."""

from __future__ import annotations

import re
from typing import Any

from kb.model import Entity, Evidence, Facts, Relation
from kb.ontology import ontology
from loaders.articles.stats import find_figures

NAMED = ("PoliceForce", "Officer", "Person", "Programme", "OversightBody", "Organisation", "Place")
EVENTS = ("Incident", "Allegation", "Investigation", "Outcome")
# SAID and ABOUT are printed as quotes and statistics, not relations.
_NOT_RELATIONS = {"SAID", "ABOUT"}


def _concept_label(scheme: str, key: object) -> str | None:
    if not isinstance(key, str):
        return None
    c = ontology().concept(scheme, key)
    return c.label if c else key


def facts_to_gold(facts: Facts, article: str) -> dict[str, Any]:
    """The gold-format document for ``facts`` (one article)."""
    by_id = {e.id: e for e in facts.entities}
    out_rel: dict[str, list[Relation]] = {}
    in_rel: dict[str, list[Relation]] = {}
    for r in facts.relations:
        out_rel.setdefault(r.source, []).append(r)
        in_rel.setdefault(r.target, []).append(r)

    def name(eid: str) -> str:
        e = by_id.get(eid)
        return e.name if e else eid

    def first(eid: str, rel: str) -> str | None:
        for r in out_rel.get(eid, []):
            if r.type == rel:
                return name(r.target)
        return None

    entities: list[dict[str, Any]] = []
    hidden: set[str] = set()
    for e in facts.entities:
        if e.type not in NAMED and e.type not in EVENTS:
            continue
        if e.props.get("anonymised") and (
            e.name.lower().startswith(("an unnamed", "a "))
            or (e.type != "Officer" and e.name.lower().startswith("unnamed"))
        ):
            hidden.add(e.id)
            continue  # "an unnamed sergeant" is an officer with no name (brief); other unnamed people are not annotated
        d: dict[str, Any] = {"type": e.type, "name": e.name}
        if e.aliases:
            d["aliases"] = list(e.aliases)
        if e.type == "Officer":
            d["rank"] = e.props.get("rank")
            d["force"] = first(e.id, "SERVES_IN")
            if e.props.get("role"):
                d["role"] = e.props["role"]
            if e.props.get("anonymised"):
                d["anonymised"] = True
        elif e.type == "Person":
            d["role"] = e.props.get("role")
        elif e.type == "Allegation":
            d["category"] = _concept_label("allegation-category", e.props.get("category"))
            d["against"] = first(e.id, "AGAINST")
        elif e.type == "Outcome":
            d["category"] = _concept_label("outcome-category", e.props.get("category"))
        elif e.type == "Incident":
            d["place"] = first(e.id, "OCCURRED_IN")
            d["force"] = first(e.id, "HANDLED_BY")
            d["date"] = e.props.get("date")
        entities.append(d)

    relations: list[dict[str, Any]] = []
    for r in _gold_convention(facts.relations, by_id):
        if r.type in _NOT_RELATIONS or r.source not in by_id or r.target not in by_id:
            continue
        if r.source in hidden or r.target in hidden:
            continue
        rd: dict[str, Any] = {"subject": name(r.source), "predicate": r.type, "object": name(r.target)}
        if r.props.get("title"):
            rd["title"] = r.props["title"]
        if not any(x["subject"] == rd["subject"] and x["predicate"] == rd["predicate"] and x["object"] == rd["object"]
                   for x in relations):  # fmt: skip
            relations.append(rd)

    statistics: list[dict[str, Any]] = []
    case_seen: set[tuple[Any, ...]] = set()
    quotes: list[dict[str, Any]] = []
    for e in facts.entities:
        if e.type == "Statistic":
            subject = first(e.id, "ABOUT") or _scope(e.props.get("measure"))
            statistics.append(
                {
                    "subject": subject,
                    "measure": e.props.get("measure"),
                    "value": _rounded(e.props.get("value")),
                    "period": e.props.get("period"),
                    "quote": e.evidence[0].quote if e.evidence else None,
                }
            )
        elif isinstance(e.props.get("age"), int) or e.props.get("caseFigures"):
            for st in _case_figures(e, _case_subject(e.id, by_id, out_rel, in_rel)):
                # one case's count told again (the headline's "Three officers", then the story's) is one figure
                key = (st["subject"], st["value"], " ".join(str(st["measure"]).lower().split()[-1:]))
                if key not in case_seen:
                    case_seen.add(key)
                    statistics.append(st)
        if e.type == "Quote":
            for r in in_rel.get(e.id, []):
                if r.type != "SAID":
                    continue
                speaker = by_id.get(r.source)
                org = None
                if speaker is not None:
                    if speaker.type in {"Person", "Officer"}:
                        org = next(
                            (
                                name(x.target)
                                for x in out_rel.get(speaker.id, [])
                                if x.type in {"SERVES_IN", "HOLDS_POST", "MEMBER_OF"}
                            ),
                            None,
                        )
                    else:
                        org = speaker.name
                text = str(e.props.get("text", e.name))
                who = name(r.source)
                if speaker is not None and org and speaker.props.get("role") == "spokesperson" and _unnamed(speaker):
                    who = org  # the annotation convention: an unnamed spokesperson's words are the organisation's
                quotes.append(
                    {
                        "speaker": who,
                        "organisation": org,
                        "starts_with": " ".join(text.split()[:8]),
                        "text": text,
                    }
                )
    return {
        "article": article,
        "title": facts.source.props.get("title"),
        "published": facts.source.props.get("published"),
        "entities": entities,
        "relations": relations,
        "statistics": statistics,
        "quotes": quotes,
    }


def _gold_convention(relations: list[Relation], by_id: dict[str, Entity]) -> list[Relation]:
    """The case chain as the annotation guidelines draw it (GOLD_FORMAT.md). The KB holds
    Investigation -CONCERNS-> Allegation and Investigation -INVESTIGATED_BY-> body; the guidelines
    link what was investigated to the body (Allegation/Incident -INVESTIGATED_BY-> body) and an
    investigation to the incident. Both say the same: an investigation's CONCERNS of an allegation is
    left out when it also concerns that allegation's incident, and its INVESTIGATED_BY is shown on
    what it concerns."""
    concerns: dict[str, list[str]] = {}
    for r in relations:
        if r.type == "CONCERNS":
            concerns.setdefault(r.source, []).append(r.target)

    def typ(eid: str) -> str:
        e = by_id.get(eid)
        return e.type if e else ""

    out: list[Relation] = []
    for r in relations:
        if r.type == "RESULTED_IN" and typ(r.source) == "Allegation":
            continue  # the chain's shortcut: the guidelines draw the outcome from the proceedings
        if r.type == "CONCERNS" and typ(r.source) == "Investigation" and typ(r.target) == "Allegation":
            incs = [t for t in concerns.get(r.target, []) if typ(t) == "Incident"]
            if incs and any(t in concerns.get(r.source, []) for t in incs):
                continue
        if r.type == "INVESTIGATED_BY" and typ(r.source) == "Investigation":
            if by_id[r.source].props.get("description") == "misconduct hearing":
                continue  # the guidelines do not draw a force holding its own hearing
            for t in concerns.get(r.source, []):
                out.append(Relation("INVESTIGATED_BY", t, r.target, {}, r.evidence))
            continue
        out.append(r)
    return out


def _unnamed(person: Entity) -> bool:
    """A spokesperson the article does not name ("a spokesperson for Surrey Police")."""
    return person.name.lower().startswith(("a spokesperson for", "a spokesman for", "a spokeswoman for"))


def _case_figures(e: Entity, subject: str) -> list[dict[str, Any]]:
    """The figures the article states about one person or case, shown beside its statistics as the
    annotation format lists them (the KB keeps them as the entity's ``age`` and ``caseFigures``, not as
    Statistic entities: issue 16)."""
    quote = e.evidence[0].quote if e.evidence else None
    out: list[dict[str, Any]] = []
    age = e.props.get("age")
    if isinstance(age, int):
        out.append({"subject": subject, "measure": "age", "value": age, "period": None, "quote": quote})
    figs = e.props.get("caseFigures")
    for words in figs if isinstance(figs, list) else []:
        got = find_figures(words, 0, [])
        if got:
            f = got[0]
            value = int(f.value) if f.value == int(f.value) else round(f.value, 3)
            out.append({"subject": subject, "measure": words, "value": value, "period": None, "quote": quote})
    return out


def _case_subject(
    eid: str, by_id: dict[str, Entity], out_rel: dict[str, list[Relation]], in_rel: dict[str, list[Relation]]
) -> str:
    """Whom a case figure is shown as about: a person themselves; a case the force whose case it is (the
    force handling the incident or holding the hearing, or the force of the officers it is against)."""
    e = by_id[eid]
    if e.type in {"Person", "Officer"}:
        return e.name
    seen: set[str] = set()
    todo = [eid]
    while todo:
        cur = todo.pop(0)
        if cur in seen:
            continue
        seen.add(cur)
        for r in out_rel.get(cur, []):
            t = by_id.get(r.target)
            if t is None:
                continue
            if t.type == "PoliceForce" and r.type in {"HANDLED_BY", "INVESTIGATED_BY", "AGAINST", "SERVES_IN"}:
                return t.name
            if r.type in {"CONCERNS", "AGAINST", "INVOLVES"}:
                todo.append(t.id)
        for r in in_rel.get(cur, []):
            if r.type in {"RESULTED_IN", "CONCERNS"}:
                todo.append(r.source)
    return e.name


def _scope(measure: object) -> str | None:
    """The non-entity subject of a figure about many forces ("officers across 21 forces" -> "21 forces")."""
    m = re.search(r"\bacross (.+ forces)$", str(measure or ""))
    return m.group(1) if m else None


def _rounded(value: object) -> object:
    """Fractions as annotators write them ("a third" -> 0.333)."""
    if isinstance(value, float) and not value.is_integer():
        return round(value, 3)
    return value


def _evidence(ev: Evidence) -> dict[str, Any]:
    return {
        "source": ev.source_id,
        "quote": ev.quote,
        "start": ev.start,
        "end": ev.end,
        "method": ev.method,
        "confidence": ev.confidence,
        "locator": ev.locator,
    }


def _entity(e: Entity) -> dict[str, Any]:
    return {
        "id": e.id,
        "type": e.type,
        "name": e.name,
        "aliases": list(e.aliases),
        "props": dict(e.props),
        "evidence": [_evidence(x) for x in e.evidence],
    }


def facts_to_json(facts: Facts) -> dict[str, Any]:
    """Everything in ``facts`` as JSON-ready data, evidence included."""
    return {
        "source": _entity(facts.source),
        "entities": [_entity(e) for e in facts.entities],
        "relations": [
            {
                "type": r.type,
                "source": r.source,
                "target": r.target,
                "props": dict(r.props),
                "evidence": [_evidence(x) for x in r.evidence],
            }
            for r in facts.relations
        ],
        "warnings": list(facts.warnings),
    }
