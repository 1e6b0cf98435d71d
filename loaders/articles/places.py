"""Places the article's forces cover, and the forces a programme partners with."""

from __future__ import annotations

import re

from kb.reference import reference
from loaders.articles import lexicon as lx
from loaders.articles.doc import ArticleDoc
from loaders.articles.names import BUILDING, reference_maps
from loaders.articles.registry import component


def coverage(doc: ArticleDoc) -> None:
    ref = reference()
    places = lx.places()
    forces_here = {eid for eid, e in doc.ents.items() if e.type == "PoliceForce"}
    force_map = reference_maps(ref)[0]
    for eid, e in list(doc.ents.items()):
        if e.type != "Place" or e.props.get("description") == BUILDING:
            continue  # a force covers areas, not the buildings and streets in them
        p = places.get(lx.norm(e.name))
        chain = {lx.norm(e.name)}
        if p is not None:
            seen = 0
            cur = p
            while cur.area and seen < 4:
                chain.add(lx.norm(cur.area))
                nxt = places.get(lx.norm(cur.area))
                if nxt is None or nxt is cur:
                    break
                cur = nxt
                seen += 1
        for fid in sorted(forces_here):
            f = force_map.get(fid)
            if f is None:
                continue
            area = {lx.norm(a) for a in (*f.area, *f.short_names)}
            if chain & area:
                m0 = e.mentions[0]
                doc.relate("COVERS", f.entity_id, eid, doc.evidence(m0.start, m0.end, 0.6, m0.sent))
        if p is None and len(forces_here) == 1 and e.mentions:
            # a place the gazetteer does not know, in a story about one force: a place on its patch
            m0 = e.mentions[0]
            doc.relate("COVERS", next(iter(forces_here)), eid, doc.evidence(m0.start, m0.end, 0.4, m0.sent))


# -- programmes -----------------------------------------------------------------------


def programmes(doc: ArticleDoc) -> None:
    progs = [eid for eid, e in doc.ents.items() if e.type == "Programme"]
    for pid in progs:
        for i in {m.sent for m in doc.ents[pid].mentions}:
            for m, fid in doc.ids_in_sentence(i, {"PoliceForce"}):
                doc.relate("PARTNERS_WITH", pid, fid, doc.evidence(m.start, m.end, 0.6, i))
            s = doc.sents[i].text
            if (
                doc.primary_force
                and re.search(r"\b(partner\w*|joined|joining|recruited|works? with)\b", s, re.I)
                and re.search(r"\bthe force\b|\bforces?\b", s, re.I)
            ):
                doc.relate(
                    "PARTNERS_WITH",
                    pid,
                    doc.primary_force,
                    doc.evidence(doc.sents[i].start, doc.sents[i].end, 0.5, i),
                )
        if len(doc.ents[pid].mentions) >= 2:
            for eid, e in doc.ents.items():
                if e.type != "Officer":
                    continue
                rank = str(e.props.get("rankNormalised", ""))
                if rank in {"Police Constable", "Detective Constable"} and len(e.mentions) >= 2:
                    m0 = e.mentions[0]
                    doc.relate("RECRUITED_VIA", eid, pid, doc.evidence(m0.start, m0.end, 0.5, m0.sent))


# -- quotes ---------------------------------------------------------------------------


@component("places")
def places(doc: ArticleDoc) -> None:
    """Forces to the places they cover; programmes to their partner forces and recruits."""
    coverage(doc)
    programmes(doc)
