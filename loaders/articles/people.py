"""People's forces, posts and memberships: "X, a researcher at Y", "X of Y said", ranks that are posts."""

from __future__ import annotations

import re

from kb.identity import make_id
from kb.model import Evidence
from kb.reference import reference
from loaders.articles import lexicon as lx
from loaders.articles.doc import ArticleDoc, Ent
from loaders.articles.registry import component

_APPOS_ROLE = re.compile(
    r",\s+(?:an?\s+|the\s+)?(?P<role>[a-z][\w\s\-]{2,60}?)\s+(?:at|of|for|with)\s+(?:the\s+)?"
    r"(?:(?:force|service|organisation|charity|group)['’]s?\s+)?"
)

# "<Organisation> director of policy <Name>": lower-case post words between an organisation and a name
_ROLE_BEFORE = re.compile(r"\s(?P<role>[a-z][a-z\-]*(?:\s[a-z][a-z\-]*){0,5})\s+$")
# "<Name>, the former minister who chairs <Organisation>"
_CHAIRS = re.compile(
    r",(?:\s+[^,]{0,60}?)?\s+who\s+(?:now\s+|also\s+|currently\s+)?(?P<verb>chairs|heads|leads|founded|runs)\s+(?:the\s+)?"
)
_CHAIR_TITLES = {"chairs": "chair", "heads": "head", "leads": "leader", "founded": "founder", "runs": "head"}

_POST_NOUNS = frozenset({"commander", "lead", "head", "chief", "officer", "director", "manager", "coordinator"})

_POST_BODY = re.compile(r"\b(?:commissioner|ombudsman|inspector|mayor|coroner)\b", re.I)


def _is_role(phrase: str) -> bool:
    """'visiting researcher in criminology', 'head': a job, not a clause ('joined after studying law')."""
    words = phrase.lower().split()
    if not words or any(w.endswith("ed") and w not in {"head", "led"} for w in words):
        return False
    # a gerund right before the job modifies it ("visiting researcher"); anywhere else it makes a clause
    gerunds = [k for k, w in enumerate(words) if w.endswith("ing")]
    if any(k != 0 or len(words) < 2 or words[1] not in lx.ROLE_WORDS for k in gerunds):
        return False
    head = next((w for w in words if w in lx.ROLE_WORDS), None)
    return head is not None or words[-1].endswith(("er", "or", "ist", "ian", "ant", "ent"))


# "Ruth Evans, the chief constable of Suffolk Constabulary", "... has been named as the new chief constable of ...",
# "Suffolk Constabulary's chief constable, Ruth Evans": a rank said beside a name makes the person an officer
_RANK_WORDS = (
    r"(?:deputy\s+|assistant\s+|acting\s+|interim\s+|temporary\s+)*(?:chief\s+constable|commissioner|chief\s+superintendent"
    r"|superintendent|chief\s+inspector|inspector|sergeant|police\s+constable|detective\s+(?:chief\s+)?(?:constable|sergeant"
    r"|inspector|superintendent))"
)
_RANK_AFTER = re.compile(
    r"^,?\s+(?:who\s+(?:is|was|has\s+been|became)\s+|(?:has\s+been|was|is|had\s+been)\s+(?:named|appointed|confirmed|made)"
    r"\s+(?:as\s+)?|,\s+)?(?:the\s+|a\s+)?(?:new\s+|former\s+|current\s+|next\s+|first\s+|second\s+|third\s+|fourth\s+)*"
    rf"(?P<rank>{_RANK_WORDS})\b(?:\s+(?:of|for|at|in)\s+)?",
    re.I,
)
_RANK_BEFORE = re.compile(rf"['’]s\s+(?:new\s+|former\s+|current\s+)?(?P<rank>{_RANK_WORDS}),?\s+$", re.I)
# "Assistant Chief Constable of Northshire Police Ruth Evans": the rank and the force before the name
_RANK_OF_FORCE = re.compile(
    rf"\b(?P<rank>{_RANK_WORDS})\s+(?:of|for|at)\s+(?:the\s+)?(?P<force>(?-i:[A-Z][\w&'’\-]*)(?:\s+(?:and\s+)?"
    rf"(?-i:[A-Z][\w&'’\-]*)){{0,5}})\s+$",
    re.I,
)
_HEAD_OF_PSD = re.compile(
    r"^,?\s+(?:the\s+)?(?P<title>head\s+of\s+(?:the\s+)?(?:force['’]s\s+|(?P<owner>(?:[A-Z][\w&\-]*\s+){0,3}[A-Z][\w&\-]*)['’]s\s+)?"
    r"Professional\s+Standards"
    r"(?:\s+(?:Department|Directorate|Unit|Branch))?)\b"
)


def _officers_by_rank(doc: ArticleDoc) -> None:
    """People whose rank the article states (beside the name, or as the post before it) are officers."""
    for e in list(doc.ents.values()):
        if e.type != "Person" or not e.mentions or e.props.get("anonymised") or e.props.get("postBody"):
            continue
        role = str(e.props.get("role") or "")
        if re.fullmatch(r"(?:former\s+|serving\s+|retired\s+)?(?:police\s+)?officer", role, re.I):
            e.type = "Officer"  # "the officer Ruth Evans": an officer whose rank is not given
            continue
        info = lx.ranks().get(lx.norm(role)) if role else None
        rank = role if info else None
        for m in e.mentions:
            if rank:
                break
            sent = doc.sents[m.sent]
            am = _RANK_AFTER.match(doc.text[m.end : sent.end])
            bm = _RANK_BEFORE.search(doc.text[sent.start : m.start])
            fm = _RANK_OF_FORCE.search(doc.text[sent.start : m.start])
            if fm and not any(
                x.start == sent.start + fm.start("force") for x, _ in doc.ids_in_sentence(m.sent, {"PoliceForce"})
            ):
                fm = None  # "Chief Constable of <a force> Ruth Evans" only when a force is named there
            got = am or bm or fm
            if got:
                rank = " ".join(got.group("rank").split())
                info = lx.ranks().get(lx.norm(rank))
        if rank and info is not None:
            e.type = "Officer"
            e.props["rank"] = rank
            e.props["rankNormalised"] = info.canonical
            e.props.pop("role", None)


_PREDECESSOR = re.compile(r"\b(?:his|her|their)\s+(?:immediate\s+)?(?:predecessor|successor)\s*,?\s*$", re.I)


def _predecessors(doc: ArticleDoc) -> None:
    """ "the chief constable ... her predecessor Ruth Evans": held the same post in the same force."""
    for eid, e in list(doc.ents.items()):
        if e.type != "Person" or e.props.get("anonymised") or e.props.get("postBody"):
            continue
        for m in e.mentions:
            s = doc.sents[m.sent]
            if not _PREDECESSOR.search(doc.text[s.start : m.start]):
                continue
            # the officer the article is about, in this sentence or the nearest before it, holds the post
            holder = next(
                (
                    oid
                    for j in range(m.sent, max(-1, m.sent - 4), -1)
                    for _, oid in doc.ids_in_sentence(j, {"Officer"})
                    if oid != eid and doc.ents[oid].props.get("rank")
                ),
                None,
            )
            if holder is None:
                continue
            h = doc.ents[holder]
            e.type = "Officer"
            for k in ("rank", "rankNormalised"):
                if k in h.props:
                    e.props[k] = h.props[k]
            break


def _psd_heads(doc: ArticleDoc) -> None:
    """ "Supt Ruth Evans, head of Professional Standards": the force's department and her post in it."""
    for eid, e in list(doc.ents.items()):
        if e.type not in {"Person", "Officer"} or not e.mentions:
            continue
        for m in e.mentions:
            sent = doc.sents[m.sent]
            hm = _HEAD_OF_PSD.match(doc.text[m.end : sent.end])
            if not hm:
                continue
            fid = doc.force_near(m.sent) or doc.primary_force
            evd = doc.evidence(m.start, m.end, 0.7, m.sent)
            a, b = m.end + hm.start("title"), m.end + hm.end("title")
            named = next(
                (x for x, oid in doc.ids_in_sentence(m.sent, {"OversightBody"}) if a <= x.start < b + 20),
                None,
            )
            if named is not None and hm.group("owner"):
                # "head of Northshire Police's Professional Standards Directorate": the body named there
                bid = next(oid for x, oid in doc.ids_in_sentence(m.sent, {"OversightBody"}) if x is named)
                doc.relate("HOLDS_POST", eid, bid, evd, title=" ".join(hm.group("title").split()))
                break
            fname = doc.ents[fid].name if fid else ""
            name = f"{fname} Professional Standards Department".strip()
            bid = make_id("OversightBody", name)
            body = doc.entity(bid, "OversightBody", name, evd)
            body.props.setdefault("kind", "professional standards department")
            if "Professional Standards" not in body.aliases:
                body.aliases.append("Professional Standards")
            if fid:
                doc.relate("OVERSEES", bid, fid, evd)
            doc.relate("HOLDS_POST", eid, bid, evd, title=" ".join(hm.group("title").split()))
            break


# Between a person's name and the post body named after it: "Ruth Evans, the police and crime
# commissioner", "Ruth Evans, who has served as Wessex's police and crime commissioner since 2016"
_TO_POST_AFTER = re.compile(
    r",\s+(?:who\s+(?:has\s+|had\s+)?(?:served|been|is|was|became)\s+(?:as\s+)?)?(?:the\s+|a\s+)?"
    r"(?:[A-Z][\w\-]*(?:\s[A-Z][\w\-]*)*['’]s\s+)?(?:newly[- ]elected\s+|former\s+|current\s+|new\s+|acting\s+)?",
)
_TO_POST_BEFORE = re.compile(r",?\s*(?:(?:Dr|Mr|Mrs|Ms|Miss|Prof|Sir|Dame)\.?\s+)?")


def _post_holders(doc: ArticleDoc) -> None:
    """ "Wessex Police and Crime Commissioner Ruth Evans", "Ruth Evans, the police and crime commissioner":
    a person beside a body that is one post (a commissioner, an ombudsman) holds that post, and is no
    officer for the word "Commissioner" before the name."""
    for eid, e in list(doc.ents.items()):
        if e.type not in {"Person", "Officer"} or e.props.get("anonymised"):
            continue
        for m in e.mentions:
            for x, bid in doc.ids_in_sentence(m.sent, {"OversightBody", "Organisation"}):
                body = doc.ents[bid]
                if not (body.props.get("kind") == "police and crime commissioner" or _POST_BODY.search(body.name)):
                    continue
                if x.end <= m.start:
                    ok = bool(_TO_POST_BEFORE.fullmatch(doc.text[x.end : m.start]))
                else:
                    ok = bool(_TO_POST_AFTER.fullmatch(doc.text[m.end : x.start]))
                if not ok:
                    continue
                title = re.sub(r"^.*?\b(?=(?:Police(?:, Fire)? and Crime )?Commissioner\b)", "", body.name)
                title = title.split(" for ")[0] if "Commissioner" in title else body.name
                if e.type == "Officer" and str(e.props.get("rankNormalised", e.props.get("rank", ""))).lower() in {
                    "commissioner",
                    "",
                }:
                    e.type = "Person"
                    e.props.pop("rank", None)
                    e.props.pop("rankNormalised", None)
                e.props["role"] = title
                e.props["postBody"] = bid
                doc.relate("HOLDS_POST", eid, bid, doc.evidence(m.start, m.end, 0.7, m.sent), title=title)
                break
            if "postBody" in e.props:
                break


def _body_ranks(doc: ArticleDoc) -> None:
    """ "IPCC Commissioner Ruth Evans": a rank word written after a body that is not a force is a post in that
    body, and the person is no police officer for it."""
    for eid, e in list(doc.ents.items()):
        rank = str(e.props.get("rank") or "")
        if e.type != "Officer" or not rank or e.props.get("anonymised"):
            continue
        for m in e.mentions:
            sent = doc.sents[m.sent]
            pre = doc.text[sent.start : m.start].rstrip()
            if not pre.endswith(rank):
                continue
            at = sent.start + len(pre) - len(rank)
            body = next(
                (
                    bid
                    for x, bid in doc.ids_in_sentence(m.sent, {"OversightBody", "Organisation"})
                    if 0 < at - x.end <= 1
                ),
                None,
            )
            if body is None:
                continue
            e.type = "Person"
            for k in ("rank", "rankNormalised"):
                e.props.pop(k, None)
            e.props["role"] = rank
            e.props["postBody"] = body
            doc.relate("HOLDS_POST", eid, body, doc.evidence(m.start, m.end, 0.7, m.sent), title=rank)
            break


@component("people")
def people(doc: ArticleDoc) -> None:
    """Officers' forces and posts; other people's posts and memberships."""
    ref = reference()
    _post_holders(doc)
    _officers_by_rank(doc)
    _body_ranks(doc)
    _predecessors(doc)
    _psd_heads(doc)
    for eid, e in list(doc.ents.items()):
        if e.type not in {"Person", "Officer"}:
            continue
        if e.props.pop("postBody", None):
            continue  # the post beside the name is the person's organisation
        m0 = e.mentions[0]
        evd = doc.evidence(m0.start, m0.end, 0.7, m0.sent)
        sent = doc.sents[m0.sent]
        post = doc.text[m0.end : sent.end]
        pre = doc.text[sent.start : m0.start]
        role = e.props.get("role")
        role_s = role if isinstance(role, str) else None
        if e.type == "Officer":
            am = _APPOS_ROLE.match(post)
            if am and _is_role(am.group("role")):
                org = _entity_at(doc, m0.end + am.end(), {"Organisation", "OversightBody", "Programme"})
                if org:
                    doc.relate("HOLDS_POST", eid, org, evd, title=am.group("role").strip())
                    e.props.setdefault("role", am.group("role").strip())
            fid = _officer_force(doc, e)
            if fid:
                doc.relate("SERVES_IN", eid, fid, evd)
                rank = e.props.get("rankNormalised")
                info = lx.ranks().get(lx.norm(str(rank))) if rank else None
                # senior officers (superintendent and above) hold their rank as a post in the force,
                # unless the article names the post they hold (head of Professional Standards)
                title = _officer_role(doc, e) or (str(rank) if info and info.order >= 5 else None)
                if title and not doc.has_relation("HOLDS_POST", eid):
                    doc.relate("HOLDS_POST", eid, fid, evd, title=title)
                    e.props.setdefault("role", title)
            continue
        # "The Police and Crime Commissioner for Cleveland, Ruth Evans, said": the post named before her
        pm = re.search(r",\s*(?:(?:Dr|Mr|Mrs|Ms|Miss|Prof|Sir|Dame)\.?\s+)?$", pre)
        if pm:
            post_at = sent.start + pm.start()
            body = next(
                (
                    oid
                    for x, oid in doc.ids_in_sentence(m0.sent, {"OversightBody", "Organisation"})
                    if x.end == post_at and _POST_BODY.search(doc.ents[oid].name)
                ),
                None,
            )
            if body:
                title = doc.ents[body].name.split(" for ")[0]
                doc.relate("HOLDS_POST", eid, body, evd, title=title)
                e.props.setdefault("role", title)
                continue
        # "Liberty director of policy Ruth Evans": the organisation and the post written before the name
        bm = _ROLE_BEFORE.search(pre)
        if bm and _is_role(bm.group("role")):
            org = next(
                (
                    oid
                    for x, oid in doc.ids_in_sentence(m0.sent, {"Organisation", "OversightBody", "Programme"})
                    if x.end == sent.start + bm.start()
                ),
                None,
            )
            if org:
                doc.relate("HOLDS_POST", eid, org, evd, title=bm.group("role"))
                e.props.setdefault("role", bm.group("role"))
                continue
        # "Ruth Evans, the former minister who chairs the authority"
        cm = _CHAIRS.match(post)
        if cm:
            org = _entity_at(doc, m0.end + cm.end(), {"Organisation", "OversightBody", "Programme"})
            if org:
                title = _CHAIR_TITLES[cm.group("verb").lower()]
                doc.relate("HOLDS_POST", eid, org, evd, title=title)
                e.props.setdefault("role", title)
                continue
        # "Ruth Evans, a researcher at the London School of Economics" / "Ruth Evans of Liberty said"
        am = _APPOS_ROLE.match(post)
        if am and _is_role(am.group("role")):
            org = _entity_at(doc, m0.end + am.end(), {"Organisation", "OversightBody", "PoliceForce", "Programme"})
            if org:
                doc.relate("HOLDS_POST", eid, org, evd, title=am.group("role").strip())
                e.props.setdefault("role", am.group("role").strip())
                continue
        om = re.match(r",?\s+(?:of|from)\s+(?:the\s+)?", post)
        if om:
            org = _entity_at(doc, m0.end + om.end(), {"Organisation", "OversightBody", "Programme"})
            if org:
                doc.relate("MEMBER_OF", eid, org, evd)
                continue
        if role_s:
            org_name = lx.POST_ORGS.get(role_s.lower()) or lx.POST_ORGS.get(" ".join(role_s.lower().split()[-2:]))
            if org_name:
                oid = _ensure_reference_entity(doc, org_name, evd)
                if oid:
                    doc.relate("HOLDS_POST", eid, oid, evd, title=role_s)
                    continue
            if role_s.split()[-1].lower() in {
                "director",
                "executive",
                "chair",
                "chairman",
                "chairwoman",
                "founder",
                "head",
                "spokesperson",
                "spokesman",
                "spokeswoman",
                "president",
                "coordinator",
                "manager",
                "officer",
                "secretary",
                "leader",
            }:
                org = _org_context(doc, m0.sent, pre)
                if org:
                    doc.relate("HOLDS_POST", eid, org, evd, title=role_s)
    del ref


def _ensure_reference_entity(doc: ArticleDoc, name: str, evd: Evidence) -> str | None:
    rid = reference().aliases.resolve(name)
    if rid is None:
        return None
    typ = reference().aliases.type_of(rid) or "Organisation"
    doc.entity(rid, typ, name, evd)
    return rid


def _entity_at(doc: ArticleDoc, pos: int, types: set[str]) -> str | None:
    """The entity named at ``pos``, allowing a few lower-case words first ("the charity X")."""
    for m, eid in doc.ids_in_sentence(doc.sent_index(pos)):
        if (
            doc.ents[eid].type in types
            and pos - 1 <= m.start <= pos + 30
            and re.fullmatch(r"\s*(?:[a-z][\w\-]*\s+){0,3}", doc.text[pos : max(pos, m.start)])
        ):
            return eid
    return None


def _org_context(doc: ArticleDoc, i: int, pre: str) -> str | None:
    """The organisation a role belongs to: named in the sentence, else the previous sentence's subject."""
    here = doc.ids_in_sentence(i, {"Organisation", "OversightBody", "Programme"})
    if here:
        return here[0][1]
    if i > 0:
        prev = doc.ids_in_sentence(i - 1, {"Organisation", "OversightBody"})
        if prev:
            return prev[0][1]
    return None


def _officer_force(doc: ArticleDoc, e: Ent) -> str | None:
    for m in e.mentions:
        near = [(abs(x.start - m.start), eid) for x, eid in doc.ids_in_sentence(m.sent) if x.type == "PoliceForce"]
        if near:
            return min(near)[1]
    return doc.primary_force


def _officer_role(doc: ArticleDoc, e: Ent) -> str | None:
    for m in e.mentions:
        s = doc.sents[m.sent]
        pre = doc.text[s.start : m.start]
        rm = re.search(r"\brole as (?:a|an|the)\s+([a-z][a-z\- ]{2,40}?)\s*(?:,|$|[A-Z])", pre)
        if rm:
            return rm.group(1).strip()
        rm = re.search(r"['’]s\s+([a-z][a-z\- ]{2,50}?),\s*(?:[A-Z][\w ]+)?$", pre)
        if rm and rm.group(1).split()[0] in lx.ROLE_WORDS | {"chief", "head", "director", "lead"}:
            return rm.group(1).strip()
        # "Ch Supt Ruth Evans, the local divisional commander, said"
        rm = re.match(r",\s+(?:the|a|an)\s+([a-z][a-z\-]*(?:\s[a-z][a-z\-]*){0,3}),", doc.text[m.end : s.end])
        if rm and rm.group(1).split()[-1] in _POST_NOUNS:
            return re.sub(r"^(?:local|force['’]s|area)\s+", "", rm.group(1))
    return None


# -- places -------------------------------------------------------------------------
