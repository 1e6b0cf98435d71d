"""Cases: incidents, allegations, investigations and outcomes (found by loaders.articles.events) become
entities, wired into chains."""

from __future__ import annotations

import re

from kb.identity import hashed_id, make_id
from loaders.articles import events as ev
from loaders.articles import lexicon as lx
from loaders.articles.doc import MAX_EVIDENCE, ArticleDoc, Ent
from loaders.articles.registry import component

_DOC_INCIDENT = "a leaked or internal document"

_GENERIC_INV = re.compile(
    r"(?:(?:an?|the|our|its|their)\s+)?(?:(?:independent|internal|full|criminal|further)\s+)*investigations?\b", re.I
)

_ALNUM = re.compile(r"[A-Za-z0-9]")


@component("events")
def cases(doc: ArticleDoc) -> None:
    """Incidents, allegations, investigations and outcomes, and the chains between them."""
    quoted_short = [(q.start, q.end) for q in doc.quote_spans if len(q.text.split()) <= 4]
    names = sorted((m.start, m.end) for m, _ in doc.mention_ids)
    doc.incidents = []
    find_incidents(doc)
    # the article's central case: an incident introduced in its opening sentences
    doc.central = next((iid for iid, j in doc.incidents if j <= 3), None)
    allegations = ev.find_allegations(doc.sents, names)
    outcomes = ev.find_outcomes(doc.sents, quoted_short, names)
    investigations = ev.find_investigations(doc.sents, names)
    scope = doc.skey

    # investigating bodies: "investigated by X", "X investigation", internal reviews
    investigators: list[tuple[str, int]] = []
    for i, s in enumerate(doc.sents):
        low = s.text.lower()
        if "investigat" not in low and "review" not in low and "referr" not in low and "probe" not in low:
            continue
        if re.search(r"\binvestigat\w*\s+by\b|\binvestigation\b|\binvestigating\b", s.text, re.I):
            investigators.extend((eid, i) for _, eid in doc.ids_in_sentence(i, {"OversightBody"}))
        if re.search(r"\binternal (review|investigation)", s.text, re.I) and doc.primary_force:
            investigators.append((doc.primary_force, i))

    alleg_ids: list[tuple[str, int]] = []
    by_cat: dict[str, Ent] = {}
    for a in allegations:
        assert a.category is not None
        e0 = by_cat.get(a.category)
        evd = doc.evidence(a.start, a.end, a.confidence, a.sent)
        if e0 is not None:
            if a.name != e0.name and a.name not in e0.aliases:
                e0.aliases.append(a.name)
            e0.evidence.append(evd) if len(e0.evidence) < MAX_EVIDENCE else None
            continue
        aid = hashed_id("Allegation", scope, a.category)
        e = doc.entity(aid, "Allegation", a.name, evd)
        e.props.update({"category": a.category, "categoryLabel": a.category_label or a.name})
        by_cat[a.category] = e
        alleg_ids.append((aid, a.sent))
        targets = _accused(doc, a.sent)
        fallback = doc.force_near(a.sent) or doc.primary_force
        for target in targets or ([fallback] if fallback else []):
            doc.relate("AGAINST", aid, target, evd)
        inc = doc.nearest(doc.incidents, a.sent, 3) or (doc.central)
        if inc:
            doc.relate("CONCERNS", aid, inc, evd)
            for target in targets:  # an officer accused over an incident was involved in it
                doc.relate("INVOLVES", inc, target, evd)
    for aid, i in alleg_ids:
        # the investigator reported nearest the allegation (within a few sentences)
        near = sorted((abs(j - i), j, body) for body, j in investigators if abs(j - i) <= 5)
        if near:
            _, j, body = near[0]
            doc.relate("INVESTIGATED_BY", aid, body, doc.evidence(doc.sents[j].start, doc.sents[j].end, 0.5, j))
    for inc, i in doc.incidents:
        for body, j in investigators:
            if abs(j - i) <= 3 or inc == doc.central:
                doc.relate("INVESTIGATED_BY", inc, body, doc.evidence(doc.sents[j].start, doc.sents[j].end, 0.5, j))

    inv_ids: list[tuple[str, int]] = []
    seen_inv: dict[str, str] = {}
    pending: list[tuple[str, ev.Event, str | None]] = []
    for v in investigations:
        name = v.name
        by = None
        if v.extra.get("by_after"):
            pos = int(v.extra["by_after"])
            by = next(
                (
                    eid
                    for m, eid in doc.mention_ids
                    if 0 <= m.start - pos <= 6 and doc.ents[eid].type in {"OversightBody", "PoliceForce"}
                ),
                None,
            )
            if by:
                written = next((m.text for m, eid in doc.mention_ids if eid == by and 0 <= m.start - pos <= 6), "")
                short = (
                    written
                    if written.isupper() and 2 <= len(written) <= 8
                    else next(
                        (al for al in doc.ents[by].aliases if al.isupper() and 2 <= len(al) <= 8),
                        doc.ents[by].name,
                    )
                )
                if doc.ents[by].props.get("kind") == "professional standards department":
                    short = doc.ents[by].name
                name = f"{short} {v.extra.get('kind', 'investigation')}"
        if name.lower().startswith(("investigation", "investigations")) and not by:
            bodies = doc.ids_in_sentence(v.sent, {"OversightBody"})
            if bodies:
                by = bodies[0][1]
                name = f"{doc.ents[by].name} {name}"
        pending.append((name, v, by))
    # "our investigation", "an independent investigation": the one investigation a body is named for,
    # when the article names exactly one
    named_inv = {n for n, _, by in pending if by and not _GENERIC_INV.match(n)}
    for name, v, by in pending:
        alias = None
        if len(named_inv) == 1 and _GENERIC_INV.match(name):
            alias, name = name, next(iter(named_inv))
            by = by or next(b for n, _, b in pending if n == name)
        key = lx.norm(name)
        evd = doc.evidence(v.start, v.end, v.confidence, v.sent)
        if key in seen_inv:
            e_inv = doc.ents[seen_inv[key]]
            if alias and alias not in e_inv.aliases:
                e_inv.aliases.append(alias)
            if alias is None:
                continue
            vid = seen_inv[key]
            inv_ids.append((vid, v.sent))
        else:
            vid = hashed_id("Investigation", scope, key)
            seen_inv[key] = vid
            e_inv = doc.entity(vid, "Investigation", name, evd)
            if alias:
                e_inv.aliases.append(alias)
            inv_ids.append((vid, v.sent))
        inc = doc.nearest(doc.incidents, v.sent, 3) or (doc.central)
        if inc:
            doc.relate("CONCERNS", vid, inc, evd)
            if by:
                doc.relate("INVESTIGATED_BY", inc, by, evd)
    # PSD investigations: "investigated by our Professional Standards Department"
    for i, s in enumerate(doc.sents):
        if "investigated by" in s.text.lower():
            for m, eid in doc.ids_in_sentence(i, {"OversightBody"}):
                if m.extra.get("psd") or "standards" in doc.ents[eid].name.lower():
                    name = f"{doc.ents[eid].name} investigation"
                    key = lx.norm(name)
                    if key not in seen_inv:
                        vid = hashed_id("Investigation", scope, key)
                        seen_inv[key] = vid
                        doc.entity(vid, "Investigation", name, doc.evidence(m.start, m.end, 0.6, i))
                        inv_ids.append((vid, i))

    by_ocat: dict[str, str] = {}
    for o in outcomes:
        assert o.category is not None
        evd = doc.evidence(o.start, o.end, o.confidence, o.sent)
        oid = by_ocat.get(o.category)
        if oid is None:
            oid = hashed_id("Outcome", scope, o.category)
            e = doc.entity(oid, "Outcome", o.name, evd)
            e.props.update({"category": o.category, "categoryLabel": o.category_label or o.name})
            by_ocat[o.category] = oid
        else:
            e = doc.ents[oid]
            if o.name != e.name and o.name not in e.aliases:
                e.aliases.append(o.name)
            if len(e.evidence) < MAX_EVIDENCE:
                e.evidence.append(evd)
        src = doc.nearest(inv_ids, o.sent, 6) or doc.nearest(doc.incidents, o.sent, 6)
        if src is None and len(inv_ids) == 1:
            src = inv_ids[0][0]
        if src is None and doc.central:
            src = doc.central
        if src is None and len(alleg_ids) >= 1:
            src = doc.nearest(alleg_ids, o.sent, 6)
        if src:
            doc.relate("RESULTED_IN", src, oid, evd)
        if o.category == "ongoing":
            inc = doc.nearest(doc.incidents, o.sent, 3)
            if inc:
                doc.relate("RESULTED_IN", inc, oid, evd)


def _accused(doc: ArticleDoc, i: int) -> list[str]:
    """The officers an allegation in sentence ``i`` is against: named there, or named in the next
    sentences when this one speaks of "he", "she" or "the officer", else the officer last named."""
    named = list(dict.fromkeys(eid for m, eid in doc.ids_in_sentence(i, {"Officer"}) if not doc.senior(eid)))
    if named:
        return named
    officer_words = re.search(r"\b(?:officer|constable|sergeant|detective|pc|inspector)\b", doc.sents[i].text, re.I)
    pronoun = re.search(r"\b(?:he|she)\b", doc.sents[i].text, re.I)
    if pronoun and i > 0:
        # "The panel found he had ...": the officer named in the sentences just before
        for j in range(i - 1, max(-1, i - 3), -1):
            before = [eid for m, eid in doc.ids_in_sentence(j, {"Officer"}) if not doc.senior(eid)]
            if before:
                return [before[-1]]
    if officer_words or pronoun:
        for j in range(i + 1, min(i + 4, len(doc.sents))):
            later = [eid for m, eid in doc.ids_in_sentence(j, {"Officer", "Person"}) if not doc.senior(eid)]
            if later and (
                doc.ents[later[0]].type == "Officer"
                or (officer_words and j == i + 1 and not doc.ents[later[0]].props.get("role"))
            ):
                eid = later[0]
                if doc.ents[eid].type == "Person" and not doc.ents[eid].props.get("role"):
                    # "A former Kent officer has been jailed ... Jane Harlow, 44, admitted ..."
                    doc.ents[eid].type = "Officer"
                    fid = doc.force_near(i) or doc.primary_force
                    if fid:
                        m0 = doc.ents[eid].mentions[0]
                        doc.relate("SERVES_IN", eid, fid, doc.evidence(m0.start, m0.end, 0.5, m0.sent))
                return [eid]
    return []


def find_incidents(doc: ArticleDoc) -> None:
    inc_of, killer, leak, video = ev.incident_kinds()
    persons = {eid for eid, e in doc.ents.items() if e.type in {"Person", "Officer"}}
    places = {eid for eid, e in doc.ents.items() if e.type == "Place"}

    def add(name: str, i: int, start: int, end: int, involves: list[str], place: str | None) -> str:
        iid = make_id("Incident", name)
        evd = doc.evidence(start, end, 0.6, i)
        e = doc.entity(iid, "Incident", name, evd)
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


def _name_victims(doc: ArticleDoc) -> None:
    """ "the death of a 42-year-old man ... Jane Harlow was detained": the person named next is the victim."""
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
    """One incident reported two ways ("the death of a man", "Jane Harlow's death"): keep ``new``."""
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
