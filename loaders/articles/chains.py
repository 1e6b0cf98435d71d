"""Relations between a case and the bodies around it: referrals to oversight bodies, and the bodies
that oversee the article's forces."""

from __future__ import annotations

import re

from loaders.articles.doc import ArticleDoc, Ent
from loaders.articles.registry import component


@component("relations")
def relations(doc: ArticleDoc) -> None:
    """REFERRED_TO and OVERSEES."""
    # referrals: "referrals to the IOPC", "referred to the IOPC"
    for i, s in enumerate(doc.sents):
        if "referr" in s.text.lower():
            for _, eid in doc.ids_in_sentence(i, {"OversightBody"}):
                src = doc.nearest(doc.incidents, i, 1) or doc.force_near(i) or doc.primary_force
                if src:
                    doc.relate("REFERRED_TO", src, eid, doc.evidence(s.start, s.end, 0.6, i))
    # oversight: complaint bodies and panels oversee the force the article is about
    if doc.primary_force:
        for eid, e in list(doc.ents.items()):
            if (
                e.type == "OversightBody"
                and not (
                    re.search(r"inquiry|review|tribunal|inquest", e.name, re.I)
                    and not re.search(r"commissioner|ombudsman|authority", e.name, re.I)
                )
                and "professional body" not in str(e.props.get("kind", ""))
            ):
                m0 = e.mentions[0] if e.mentions else None
                if m0:
                    fid = _overseen_force(doc, e) or doc.primary_force
                    doc.relate("OVERSEES", eid, fid, doc.evidence(m0.start, m0.end, 0.5, m0.sent))


def _overseen_force(doc: ArticleDoc, e: Ent) -> str | None:
    """The force a body is reported alongside first (articles about two forces and two watchdogs)."""
    if len(doc.forces_named()) < 2:
        return None
    for m in e.mentions:
        for j in (m.sent, m.sent + 1, m.sent - 1):
            if 0 <= j < len(doc.sents):
                fid = doc.force_near(j)
                if fid:
                    return fid
    return None
