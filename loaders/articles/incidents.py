"""Incidents: what happened and was reported ("the death of a man in Hull", "the arrest of Ruth
Evans", "a leaked memo"), with the people involved, the place and the force that handled it."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from kb.identity import make_id
from loaders.articles import events as ev
from loaders.articles.dates import find_dates
from loaders.articles.doc import MAX_EVIDENCE, ArticleDoc

_DOC_INCIDENT = "a leaked or internal document"
_ALNUM = re.compile(r"[A-Za-z0-9]")
_DIED_AFTER = re.compile(r"(?:,\s*\d{1,3},)?\s+(?:had\s+|has\s+|later\s+|then\s+)?died\b")


@cache
def _data() -> tuple[dict[str, str], re.Pattern[str], re.Pattern[str]]:
    raw = resources.files("loaders.articles").joinpath("data", "incidents.toml").read_text(encoding="utf-8")
    d = tomllib.loads(raw)
    pats = d["patterns"]
    return dict(d["done_to"]), re.compile(pats["described_person"], re.I), re.compile(pats["passive"], re.I)


def _done_to(doc: ArticleDoc, i: int) -> tuple[str, int, int, str | None, str | None] | None:
    """ "a black driver was stopped", "Ruth Evans, 34, was arrested": (incident name, start, end, person id,
    place id) for what was done to a person the sentence names or describes."""
    nouns, described, passive = _data()
    s = doc.sents[i]
    low = s.text.lower()
    if not any(v in low for v in nouns):
        return None
    places = doc.ids_in_sentence(i, {"Place"}) or (
        doc.ids_in_sentence(i + 1, {"Place"}) if i + 1 < len(doc.sents) else []
    )
    place = places[0][1] if places else None
    where = f" in {doc.ents[place].name}" if place else ""
    for m, pid in doc.ids_in_sentence(i, {"Person"}):
        pm = passive.match(doc.text[m.end : s.end])
        if pm and not doc.ents[pid].props.get("role"):
            return f"{nouns[pm.group('verb').lower()]} of {doc.ents[pid].name}{where}", m.start, m.end, pid, place
    for dm in described.finditer(s.text):
        pm = passive.match(s.text[dm.end() :])
        if pm:
            who = dm.group("who").lower()
            a, b = s.start + dm.start(), s.start + dm.end()
            return f"{nouns[pm.group('verb').lower()]} of {who}{where}", a, b, None, place
    return None


def find_incidents(doc: ArticleDoc) -> None:
    inc_of, killer, leak, video = ev.incident_kinds()
    persons = {eid for eid, e in doc.ents.items() if e.type in {"Person", "Officer"}}
    places = {eid for eid, e in doc.ents.items() if e.type == "Place"}

    def add(name: str, i: int, start: int, end: int, involves: list[str], place: str | None) -> str:
        iid = make_id("Incident", name)
        evd = doc.evidence(start, end, 0.6, i)
        e = doc.entity(iid, "Incident", name, evd)
        found = find_dates(doc.sents[i].text, doc.published)
        if found and "date" not in e.props:
            e.props["date"], e.props["datePrecision"] = found[0].value, found[0].precision
        if (iid, i) not in doc.incidents and all(x != iid for x, _ in doc.incidents):
            doc.incidents.append((iid, i))
        for p in involves:
            doc.relate("INVOLVES", iid, p, evd)
        # people named in the sentence that reports the incident are involved in it
        for _, pid in doc.ids_in_sentence(i, {"Person", "Officer"}):
            if pid not in involves and not doc.senior(pid):
                doc.relate("INVOLVES", iid, pid, evd)
        if place:
            doc.relate("OCCURRED_IN", iid, place, evd)
        only_force = len(doc.forces_named()) == 1
        fid = doc.force_near(i) or (doc.primary_force if i <= 3 or only_force else None)
        if fid:
            doc.relate("HANDLED_BY", iid, fid, evd)
        del e
        return iid

    for i, s in enumerate(doc.sents):
        low = s.text.lower()
        for m in inc_of.finditer(s.text) if " of " in low else ():
            after = s.start + m.end()
            hit = next(
                (
                    (mm, eid)
                    for mm, eid in doc.ids_in_sentence(i)
                    if eid in persons
                    and after <= mm.start <= after + 40
                    and re.fullmatch(r"(?:[a-z][\w\-]*\s+){0,3}", doc.text[after : mm.start])
                ),
                None,
            )
            if hit:
                mm, pid = hit
                name = f"{m.group('kind').lower()} of {doc.ents[pid].name}"
                add(name, i, s.start + m.start(), mm.end, [pid], None)
        for mt, pid in doc.ids_in_sentence(i, {"Person", "Officer"}) if ("'" in low or "’" in low) else ():
            km = killer.match(doc.text[mt.end : mt.end + 30])
            if km:
                w = km.group("w").lower()
                noun = {"killer": "killing", "murderer": "murder", "attacker": "attack on", "rapist": "rape"}.get(w, w)
                name = f"{noun} of {doc.ents[pid].name}" if not noun.endswith(" on") else f"{noun} {doc.ents[pid].name}"
                inv = [pid]
                ap = re.match(r"[^,]{0,30},\s*", doc.text[mt.end + km.end() : mt.end + km.end() + 40])
                if ap:
                    pos = mt.end + km.end() + ap.end()
                    other = next(
                        (eid for mm, eid in doc.ids_in_sentence(i) if mm.start == pos and eid in persons), None
                    )
                    if other:
                        inv.append(other)
                add(name, i, mt.start, mt.end + km.end(), inv, None)
        for m in ev.anonymous_victim().finditer(s.text) if " of a" in low else ():
            pls = doc.ids_in_sentence(i, {"Place"})
            where = f" in {doc.ents[pls[0][1]].name}" if pls else ""
            add(
                f"{m.group('kind').lower()} of {m.group('who').lower()}{where}",
                i,
                s.start + m.start(),
                s.start + m.end(),
                [],
                pls[0][1] if pls else None,
            )
        for m in ev.anonymous_death().finditer(s.text) if " died" in low else ():
            pls = doc.ids_in_sentence(i, {"Place"})
            where = f" in {doc.ents[pls[0][1]].name}" if pls else ""
            add(
                f"death of {m.group('who').lower()}{where}",
                i,
                s.start + m.start(),
                s.start + m.end(),
                [],
                pls[0][1] if pls else None,
            )
        if " died" in low:
            # "Mr Okafor, 48, died in hospital after ...": the death of the person named
            for mt, pid in doc.ids_in_sentence(i, {"Person"}):
                gap = doc.text[mt.end : min(s.end, mt.end + 40)]
                if _DIED_AFTER.match(gap) and not doc.ents[pid].props.get("anonymised"):
                    pls = doc.ids_in_sentence(i, {"Place"})
                    where = f" in {doc.ents[pls[0][1]].name}" if pls else ""
                    place = pls[0][1] if pls else None
                    add(f"death of {doc.ents[pid].name}{where}", i, mt.start, mt.end + 6, [pid], place)
                    break
        for m in leak.finditer(s.text) if ("leak" in low or "memo" in low) else ():
            leaked = next(
                (iid for iid, _ in doc.incidents if doc.ents[iid].props.get("description") == _DOC_INCIDENT), None
            )
            if leaked:
                al = m.group("n").lower()
                if al != doc.ents[leaked].name and al not in doc.ents[leaked].aliases:
                    doc.ents[leaked].aliases.append(al)
                continue
            did = add(m.group("n").lower(), i, s.start + m.start(), s.start + m.end(), [], None)
            doc.ents[did].props["description"] = _DOC_INCIDENT
        for mt, pl in doc.ids_in_sentence(i, {"Place"}):
            kind = ev.place_event_before(doc.text[s.start : mt.start])
            if kind:
                add(f"{kind.lower()} in {doc.ents[pl].name}", i, mt.start - len(kind) - 4, mt.end, [], pl)
        vm = (
            video.search(s.text)
            if not doc.incidents and ("video" in low or "footage" in low or "clip" in low or "recording" in low)
            else None
        )
        if vm and not doc.incidents:
            pls = doc.ids_in_sentence(i, {"Place"}) or (
                doc.ids_in_sentence(i + 1, {"Place"}) if i + 1 < len(doc.sents) else []
            )
            if pls:
                pl = pls[0][1]
                add(
                    f"{doc.ents[pl].name} {vm.group('n').lower()} incident",
                    i,
                    s.start + vm.start(),
                    s.start + vm.end(),
                    [],
                    pl,
                )
    del places
    _name_victims(doc)
    # what was done to a person, for a person (or, for a person described, an article) with no incident yet
    for i in range(len(doc.sents)):
        got = _done_to(doc, i)
        if got is None:
            continue
        what, a, b, person, at = got
        involved = {r.target for r in doc.rels.values() if r.type == "INVOLVES"}
        if (person is None and not doc.incidents) or (person is not None and person not in involved):
            add(what, i, a, b, [person] if person else [], at)


def _name_victims(doc: ArticleDoc) -> None:
    """ "the death of a 42-year-old man ... Ruth Evans was detained": the person named next is the victim."""
    for iid, i in list(doc.incidents):
        e = doc.ents.get(iid)
        if e is None or not re.match(r"\w+ of an? ", e.name):
            continue
        for j in range(i + 1, min(i + 3, len(doc.sents))):
            s = doc.sents[j]
            first = [
                pid
                for m, pid in doc.ids_in_sentence(j, {"Person"})
                if not _ALNUM.search(doc.text, s.start, m.start) and not doc.ents[pid].props.get("role")
            ]
            if first:
                pid = first[0]
                e.aliases.append(e.name)
                rest = re.sub(r"^\w+ of an? (?:\d{1,2}-year-old )?\w+", "", e.name)
                e.name = f"{e.name.split(' of ')[0]} of {doc.ents[pid].name}{rest}"
                m0 = doc.ents[pid].mentions[0]
                doc.relate("INVOLVES", iid, pid, doc.evidence(m0.start, m0.end, 0.5, m0.sent))
                same = f"{e.name.split(' of ')[0]} of {doc.ents[pid].name}"
                for oid, _ in list(doc.incidents):
                    if oid != iid and doc.ents[oid].name == same:
                        _merge_into(doc, oid, iid)
                break


def _merge_into(doc: ArticleDoc, old: str, new: str) -> None:
    """One incident reported two ways ("the death of a man", "Ruth Evans's death"): keep ``new``."""
    e_old, e_new = doc.ents.pop(old), doc.ents[new]
    for al in (e_old.name, *e_old.aliases):
        if al != e_new.name and al not in e_new.aliases:
            e_new.aliases.append(al)
    e_new.evidence.extend(e_old.evidence[: max(0, MAX_EVIDENCE - len(e_new.evidence))])
    doc.incidents = [(x, j) for x, j in doc.incidents if x != old]
    for key, r in list(doc.rels.items()):
        if old in (r.source, r.target):
            del doc.rels[key]
            src, dst = (new if r.source == old else r.source), (new if r.target == old else r.target)
            for evd in r.evidence:
                doc.relate(r.type, src, dst, evd, **{k: str(v) for k, v in r.props.items()})


# -- statistics -------------------------------------------------------------------------
