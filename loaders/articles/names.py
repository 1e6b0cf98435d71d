"""Named things: mentions found by rule (loaders.articles.mentions) become entities with evidence;
forces and bodies resolve to the reference tables, a force's own departments take the force's name."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import cache
from importlib import resources

from kb.identity import make_id
from kb.reference import BodyRecord, ForceRecord, Reference, reference
from loaders.articles import lexicon as lx
from loaders.articles.doc import MAX_EVIDENCE, ArticleDoc
from loaders.articles.mentions import Mention, MentionFinder
from loaders.articles.registry import component

# How a place that is a building, venue or street is described (a force covers areas, not these).
BUILDING = "building, venue or street"

_REF_MAPS: dict[int, tuple[Reference, dict[str, ForceRecord], dict[str, BodyRecord]]] = {}


def reference_maps(ref: Reference) -> tuple[dict[str, ForceRecord], dict[str, BodyRecord]]:
    """Forces and bodies by entity id, built once per reference table (entity ids are computed properties)."""
    hit = _REF_MAPS.get(id(ref))
    if hit is None or hit[0] is not ref:
        hit = (ref, {f.entity_id: f for f in ref.forces}, {b.entity_id: b for b in ref.bodies})
        _REF_MAPS[id(ref)] = hit
    return hit[1], hit[2]


_LIST_GLUE = re.compile(r"(?:[\s,;]|\b(?:and|or|by|the|per\s+cent)\b|\d[\d,.]*%?)*")


def _forces_in_lists(doc: ArticleDoc, mentions: list[Mention]) -> None:
    """A place named the way a force is ("Cleveland", "West Midlands") listed with a force ("the Met,
    Cleveland and Staffordshire"; "2,110 by the Met and 995 by West Midlands") is that force."""
    ref = reference()
    by_sent: dict[int, list[Mention]] = {}
    for m in mentions:
        by_sent.setdefault(m.sent, []).append(m)
    for group in by_sent.values():
        if not any(m.type == "PoliceForce" for m in group):
            continue
        group.sort(key=lambda m: m.start)
        changed = True
        while changed:  # a list grows from a force outwards, one item at a time
            changed = False
            for k, m in enumerate(group):
                if m.type != "Place" or (f := ref.force(m.text, short=True)) is None:
                    continue
                near = [group[j] for j in (k - 1, k + 1) if 0 <= j < len(group)]
                for x in near:
                    a, b = (x.end, m.start) if x.start < m.start else (m.end, x.start)
                    if x.type == "PoliceForce" and _LIST_GLUE.fullmatch(doc.text[a:b]):
                        m.type, m.name, m.ref_id, m.confidence = "PoliceForce", f.name, f.entity_id, 0.75
                        changed = True
                        break


@component("names")
def named(doc: ArticleDoc) -> None:
    """Mentions of named things become entities (reference forces and bodies, people, organisations, places)."""
    mentions = MentionFinder(doc.text, doc.sents).run()
    _forces_in_lists(doc, mentions)
    doc.mentions = mentions
    ref = reference()
    forces, bodies = reference_maps(ref)
    # a force's professional standards department takes the force's name
    force_counts = Counter(m.ref_id for m in mentions if m.type == "PoliceForce" and m.ref_id)
    doc.primary_force = force_counts.most_common(1)[0][0] if force_counts else None
    for m in mentions:
        if m.type in {"?", "?N"}:
            continue
        if m.type == "Investigation":
            # a named operation: one investigation wherever it is reported
            e = doc.entity(
                make_id("Investigation", m.name),
                "Investigation",
                m.name,
                doc.evidence(m.start, m.end, m.confidence, m.sent),
            )
            e.mentions.append(m)
            continue
        evd = doc.evidence(m.start, m.end, m.confidence, m.sent)
        if m.ref_id:
            eid = m.ref_id
            e = doc.entity(eid, m.type, m.name, evd)
            rec_f = forces.get(eid)
            rec_b = bodies.get(eid)
            if rec_f:
                e.aliases = list(rec_f.aliases)
                if rec_f.police_uk_id:
                    e.props["policeUkId"] = rec_f.police_uk_id
                if rec_f.wikidata_id:
                    e.props["wikidataId"] = rec_f.wikidata_id
            elif rec_b:
                e.aliases = list(rec_b.aliases)
                e.props["kind"] = rec_b.kind
            # a possessive is how the name was used, not another name ("the Met's" -> "the Met")
            written = re.sub(r"[’']s$", "", m.text)
            if written != e.name and lx.norm(written) != lx.norm(e.name) and written not in e.aliases:
                e.aliases.append(written)
        elif m.type in {"Person", "Officer"}:
            if m.type == "Officer" and m.rank and not m.anonymised and _met_only_rank(doc, m.rank):
                # "Commissioner X" outside the Met and City of London is a job title (PIRC, PCC ...)
                m.type = "Person"
                m.role = m.role or m.rank
                m.rank = None
            if m.anonymised or m.surname_only:
                eid = make_id(m.type, m.name, key=f"{m.name} {doc.skey}")
            else:
                eid = make_id("Person", m.name)
            e = doc.entity(eid, m.type, m.name, evd)
            if m.rank and "rank" not in e.props:
                e.props["rank"] = m.rank
                if m.extra.get("rankNormalised"):
                    e.props["rankNormalised"] = m.extra["rankNormalised"]
            if m.role and "role" not in e.props:
                e.props["role"] = m.role
            if m.anonymised:
                e.props["anonymised"] = True
        elif m.type == "OversightBody" and m.extra.get("independent"):
            # "their independent oversight team": the force's own; "an independent inquiry": this article's
            fid = doc.primary_force if m.extra["independent"] in {"its", "their", "our"} else None
            if fid:
                name = f"{forces[fid].name} {m.name}"
                eid = make_id("OversightBody", name)
            else:
                name = m.name
                eid = make_id("OversightBody", name, key=f"{name} {doc.skey}")
            e = doc.entity(eid, "OversightBody", name, evd)
            if m.name != name and m.name not in e.aliases:
                e.aliases.append(m.name)
            e.props.setdefault("kind", "independent panel or inquiry")
        elif m.type == "OversightBody" and m.extra.get("psd"):
            if m.name == "Professional Standards":
                m.name = "Professional Standards Department"  # "head of Professional Standards": the department
            fid = doc.force_near(m.sent) or doc.primary_force
            e_aliases: list[str] = []
            fname = forces[fid].name if fid and fid in forces else ""
            name = f"{fname} {m.name}".strip()
            if "commissioner" in m.name.lower():
                # a PCC is named for the force's area: "Police and Crime Commissioner for Cleveland"
                area = m.name.split(" for ", 1)[1] if " for " in m.name else None
                if area is None and fid and fid in forces:
                    area = (forces[fid].short_names or (fname,))[0]
                head = m.name.split(" for ", 1)[0]
                # "<area> Police and Crime Commissioner", as the post is titled; "... for <area>" an alias
                name = f"{area} {head}" if area else head
                if area:
                    fid = ref.force_short_names.resolve(area) or fid
                    if f"{head} for {area}" not in e_aliases:
                        e_aliases.append(f"{head} for {area}")
            eid = make_id("OversightBody", name)
            e = doc.entity(eid, "OversightBody", name, evd)
            e.aliases.extend(x for x in e_aliases if x not in e.aliases)
            words = m.name.split()
            initials = "".join(w[0] for w in words).upper() if len(words) >= 3 else m.name
            pcc = "commissioner" in m.name.lower()
            for al in (m.text, "PCC") if pcc else (m.name, initials):
                if al not in e.aliases and al != name:
                    e.aliases.append(al)
            e.props.setdefault("kind", "police and crime commissioner" if pcc else "professional standards department")
            if fid:
                e.mentions.append(m)
                doc.relate("OVERSEES", eid, fid, evd)
        else:
            name = m.name
            eid = make_id(m.type, name)
            e = doc.entity(eid, m.type, name, evd)
            if m.type == "Place" and m.text != name and m.text not in e.aliases:
                e.aliases.append(m.text)  # the name as written ("Stockton" for Stockton-on-Tees)
            if m.type == "Place" and m.extra.get("building"):
                e.props.setdefault("description", BUILDING)
            if m.type == "Organisation":
                org = lx.organisations().get(lx.norm(name))
                if org:
                    e.props.setdefault("kind", org[1])
                    for al in org[2]:
                        if al not in e.aliases:
                            e.aliases.append(al)
        e.mentions.append(m)
        doc.add_mention_id(m, e.id)
    # acronyms defined in the text: "Full Name (ACR)"
    for m, eid in doc.mention_ids:
        after = doc.text[m.end : m.end + 12]
        am = re.match(r"\s*\(([A-Z][A-Za-z]{1,7})\)", after)
        if am and am.group(1) not in doc.ents[eid].aliases and am.group(1) != doc.ents[eid].name:
            doc.ents[eid].aliases.append(am.group(1))
    doc._by_sent = None
    _anonymised_named(doc)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    raw = resources.files("loaders.articles").joinpath("data", "names.toml").read_text(encoding="utf-8")
    return {k: re.compile(v, re.I) for k, v in tomllib.loads(raw).items()}


def _anonymised_named(doc: ArticleDoc) -> None:
    """ "Officer D ... can now be named as Ruth Evans": one person, the label an alias of the name."""
    pats = _patterns()
    people = {"Person", "Officer"}
    for m, eid in list(doc.mention_ids):
        e = doc.ents.get(eid)
        if e is None or e.type not in people or e.props.get("anonymised"):
            continue
        s = doc.sents[m.sent]
        before = doc.text[s.start : m.start]
        if not pats["named_as"].search(before):
            continue
        # the anonymised person named last before the name, in this sentence or the one before
        cands = [
            (x.start, xid)
            for j in (m.sent - 1, m.sent)
            if j >= 0
            for x, xid in doc.ids_in_sentence(j)
            if x.start < m.start and xid in doc.ents and doc.ents[xid].type in people
            and doc.ents[xid].props.get("anonymised") and xid != eid
        ]  # fmt: skip
        if cands:
            _merge_person(doc, max(cands)[1], eid)
    for m, eid in list(doc.mention_ids):
        e = doc.ents.get(eid)
        if e is None or e.type not in people or not e.props.get("anonymised"):
            continue
        s = doc.sents[m.sent]
        prev = [(x.end, xid) for x, xid in doc.ids_in_sentence(m.sent) if x.end <= m.start and xid in doc.ents]
        if prev:
            end, xid = max(prev)
            if doc.ents[xid].type in people and pats["known_as"].match(doc.text[end : m.start]):
                _merge_person(doc, eid, xid)


def _merge_person(doc: ArticleDoc, anon: str, named_id: str) -> None:
    a, n = doc.ents.pop(anon), doc.ents[named_id]
    for al in (a.name, *a.aliases):
        if al not in n.aliases and al != n.name:
            n.aliases.append(al)
    if a.type == "Officer":
        n.type = "Officer"
    for k, v in a.props.items():
        if k != "anonymised":
            n.props.setdefault(k, v)
    n.evidence.extend(x for x in a.evidence if x not in n.evidence)
    del n.evidence[MAX_EVIDENCE:]
    n.mentions.extend(a.mentions)
    doc.mention_ids = [(m, named_id if eid == anon else eid) for m, eid in doc.mention_ids]
    doc._by_sent = None
    for key, r in list(doc.rels.items()):
        if anon in (r.source, r.target):
            del doc.rels[key]
            src, dst = (named_id if r.source == anon else r.source), (named_id if r.target == anon else r.target)
            for evd in r.evidence:
                doc.relate(r.type, src, dst, evd, **{k: str(v) for k, v in r.props.items()})


def _met_only_rank(doc: ArticleDoc, rank: str) -> bool:
    info = lx.ranks().get(lx.norm(rank))
    if info is None:
        return False
    rec = next((r for r in reference().ranks if r.rank == info.canonical), None)
    if rec is None or not rec.forces.startswith("met"):
        return False
    return not doc.forces_named() & {"force/metropolitan", "force/city-of-london"}
