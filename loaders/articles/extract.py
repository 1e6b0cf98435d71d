"""Assemble an article's facts: entities with evidence, relations, statistics and quotes."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from kb.identity import hashed_id, make_id
from kb.model import Entity, Evidence, Facts, Props, Relation
from kb.reference import BodyRecord, ForceRecord, Reference, reference
from loaders.articles import events as ev
from loaders.articles import lexicon as lx
from loaders.articles.events import EVENT_TYPES, tidy_event_name
from loaders.articles.mentions import Mention, MentionFinder
from loaders.articles.quotes import Candidate, QuoteSpan, find_quotes, pick_speaker
from loaders.articles.stats import Figure, find_figures
from loaders.articles.text import Sentence, paragraphs, sentences

_APPOS_ROLE = re.compile(
    r",\s+(?:an?\s+|the\s+)?(?P<role>[a-z][\w\s\-]{2,60}?)\s+(?:at|of|for|with)\s+(?:the\s+)?"
    r"(?:(?:force|service|organisation|charity|group)['’]s?\s+)?"
)
_DOC_INCIDENT = "a leaked or internal document"
_GENERIC_INV = re.compile(
    r"(?:(?:an?|the|our|its|their)\s+)?(?:(?:independent|internal|full|criminal|further)\s+)*investigations?\b", re.I
)
_ALNUM = re.compile(r"[A-Za-z0-9]")
# bodies that are one person's office: their holder is named in apposition ("The Police Ombudsman, Jane Harlow")
# nouns that end an officer's post written in apposition ("the divisional commander")
_SCOPE = re.compile(
    r"\b(?:across|in|from|by|of)\s+((?:\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|[a-z]+ty(?:-[a-z]+)?)"
    r"\s+(?:police\s+)?forces)\b",
    re.I,
)
# "the charity says it has recruited ...": the article's organisation, not a national figure
_ORG_NOMINAL = re.compile(
    r"\b(?:the|this|our)\s+(?:charity|scheme|programme|organisation|group|body|watchdog|campaign)\b"
    r"|\b(?:it|we)\s+(?:has|have|had|says|said)\b",
    re.I,
)
_POST_NOUNS = frozenset({"commander", "lead", "head", "chief", "officer", "director", "manager", "coordinator"})
_POST_BODY = re.compile(r"\b(?:commissioner|ombudsman|inspector|mayor|coroner)\b", re.I)
SPEAKER_TYPES = {"Person", "Officer", "PoliceForce", "OversightBody", "Organisation", "Programme"}
SUBJECT_TYPES = {"PoliceForce", "Programme", "OversightBody", "Organisation", "Incident", "Investigation"}
MAX_EVIDENCE = 8  # mentions kept as evidence per entity and source

_FORCE_NOMINAL = re.compile(
    r"\b(?:the|this|our)\s+(?:police\s+)?(?:force|constabulary|agency|police agency|police service)\b", re.I
)
_SPOKES = re.compile(
    r"\b(?:[Aa]|[Tt]he)\s+(?:(?P<org>[A-Z][\w'’&\- ]{1,60}?)\s+)?"
    r"(?:spokesperson|spokesman|spokeswoman|spokesperson for|statement)\b"
)
_DOC = re.compile(
    r"\b(?:the|this|that|an?)\s+(?:internal\s+|leaked\s+)?(?:document|memo|report|letter|email|note|briefing)\b", re.I
)
_DOC_AUTHOR = re.compile(r"\b(?:written|sent|authored|drafted|signed|prepared)\s+by\b", re.I)
_PRONOUN = re.compile(
    rf"(?:^|(?<=[\s,;:]))(?P<p>he|she|it|they)\s+(?:also\s+|later\s+|then\s+)?(?:{lx.REPORTING_VERBS})\b", re.I
)


@dataclass(slots=True)
class Ent:
    """An entity being built: its id, type, names, props and mentions."""

    id: str
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)
    props: Props = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


_REF_MAPS: dict[int, tuple[Reference, dict[str, ForceRecord], dict[str, BodyRecord]]] = {}


def _reference_maps(ref: Reference) -> tuple[dict[str, ForceRecord], dict[str, BodyRecord]]:
    """Forces and bodies by entity id, built once per reference table (entity ids are computed properties)."""
    hit = _REF_MAPS.get(id(ref))
    if hit is None or hit[0] is not ref:
        hit = (ref, {f.entity_id: f for f in ref.forces}, {b.entity_id: b for b in ref.bodies})
        _REF_MAPS[id(ref)] = hit
    return hit[1], hit[2]


def source_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Builder:
    """Runs the extractors over one article and collects everything as Facts."""

    def __init__(self, text: str, source: Entity) -> None:
        self.text = text
        self.source = source
        self.sid = source.id
        self.skey = str(source.props.get("sha256", ""))[:16] or source_key(text)
        pub = source.props.get("published")
        self.published = pub if isinstance(pub, str) else None
        self.paras = paragraphs(text)
        self.sents = sentences(text)
        self._starts = [s.start for s in self.sents]
        self.ents: dict[str, Ent] = {}
        self.rels: dict[tuple[str, str, str, str], Relation] = {}
        self.mention_ids: list[tuple[Mention, str]] = []
        self._by_sent: dict[int, list[tuple[Mention, str]]] | None = None

    # -- helpers ------------------------------------------------------------------------
    def evidence(self, start: int, end: int, confidence: float, sent: int | None = None) -> Evidence:
        s = self.sents[sent] if sent is not None and 0 <= sent < len(self.sents) else self.sentence_at(start)
        quote = s.text if s is not None else self.text[start:end]
        return Evidence(
            self.sid, quote=quote[:1000], start=start, end=end, method="rule", confidence=round(confidence, 2)
        )

    def sentence_at(self, pos: int) -> Sentence | None:
        k = bisect.bisect_right(self._starts, pos) - 1
        if 0 <= k < len(self.sents) and pos <= self.sents[k].end:
            return self.sents[k]
        return None

    def sent_index(self, pos: int) -> int:
        k = bisect.bisect_right(self._starts, pos) - 1
        return min(max(k, 0), max(0, len(self.sents) - 1))

    def entity(self, eid: str, typ: str, name: str, ev_: Evidence | None = None) -> Ent:
        e = self.ents.get(eid)
        if e is None:
            e = Ent(eid, typ, tidy_event_name(name) if typ in EVENT_TYPES else name)
            self.ents[eid] = e
        elif typ == "Officer" and e.type == "Person":
            e.type = "Officer"
        if ev_ is not None and len(e.evidence) < MAX_EVIDENCE and ev_ not in e.evidence:
            e.evidence.append(ev_)
        return e

    def relate(self, typ: str, src: str, dst: str, ev_: Evidence, **props: str) -> None:
        if src == dst or src not in self.ents or dst not in self.ents:
            return
        clean = {k: v for k, v in props.items() if v}
        key = (typ, src, dst, str(clean.get("title") or clean.get("role") or "").lower())
        r = self.rels.get(key)
        if r is None:
            self.rels[key] = Relation(typ, src, dst, dict(clean), [ev_])
        elif len(r.evidence) < 4 and ev_ not in r.evidence:
            r.evidence.append(ev_)

    # -- named entities -----------------------------------------------------------------
    def named(self) -> None:
        mentions = MentionFinder(self.text, self.sents).run()
        self._all_mentions = mentions
        ref = reference()
        forces, bodies = _reference_maps(ref)
        # a force's professional standards department takes the force's name
        force_counts = Counter(m.ref_id for m in mentions if m.type == "PoliceForce" and m.ref_id)
        self.primary_force = force_counts.most_common(1)[0][0] if force_counts else None
        for m in mentions:
            if m.type in {"?", "?N"}:
                continue
            if m.type == "Investigation":
                # a named operation: one investigation wherever it is reported
                e = self.entity(
                    make_id("Investigation", m.name),
                    "Investigation",
                    m.name,
                    self.evidence(m.start, m.end, m.confidence, m.sent),
                )
                e.mentions.append(m)
                continue
            evd = self.evidence(m.start, m.end, m.confidence, m.sent)
            if m.ref_id:
                eid = m.ref_id
                e = self.entity(eid, m.type, m.name, evd)
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
                if m.type == "Officer" and m.rank and not m.anonymised and self._met_only_rank(m.rank):
                    # "Commissioner X" outside the Met and City of London is a job title (PIRC, PCC ...)
                    m.type = "Person"
                    m.role = m.role or m.rank
                    m.rank = None
                if m.anonymised or m.surname_only:
                    eid = make_id(m.type, m.name, key=f"{m.name} {self.skey}")
                else:
                    eid = make_id("Person", m.name)
                e = self.entity(eid, m.type, m.name, evd)
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
                fid = self.primary_force if m.extra["independent"] in {"its", "their", "our"} else None
                if fid:
                    name = f"{forces[fid].name} {m.name}"
                    eid = make_id("OversightBody", name)
                else:
                    name = m.name
                    eid = make_id("OversightBody", name, key=f"{name} {self.skey}")
                e = self.entity(eid, "OversightBody", name, evd)
                if m.name != name and m.name not in e.aliases:
                    e.aliases.append(m.name)
                e.props.setdefault("kind", "independent panel or inquiry")
            elif m.type == "OversightBody" and m.extra.get("psd"):
                fid = self.force_near(m.sent) or self.primary_force
                fname = forces[fid].name if fid and fid in forces else ""
                name = f"{fname} {m.name}".strip()
                if "commissioner" in m.name.lower():
                    # a PCC is named for the force's area: "Police and Crime Commissioner for Cleveland"
                    area = m.name.split(" for ", 1)[1] if " for " in m.name else None
                    if area is None and fid and fid in forces:
                        area = (forces[fid].short_names or (fname,))[0]
                    head = m.name.split(" for ", 1)[0]
                    name = f"{head} for {area}" if area else head
                    if area:
                        fid = ref.force_short_names.resolve(area) or fid
                eid = make_id("OversightBody", name)
                e = self.entity(eid, "OversightBody", name, evd)
                words = m.name.split()
                initials = "".join(w[0] for w in words).upper() if len(words) >= 3 else m.name
                pcc = "commissioner" in m.name.lower()
                for al in (m.text, "PCC") if pcc else (m.name, initials):
                    if al not in e.aliases and al != name:
                        e.aliases.append(al)
                e.props.setdefault(
                    "kind", "police and crime commissioner" if pcc else "professional standards department"
                )
                if fid:
                    e.mentions.append(m)
                    self.relate("OVERSEES", eid, fid, evd)
            else:
                name = m.name
                eid = make_id(m.type, name)
                e = self.entity(eid, m.type, name, evd)
                if m.type == "Place" and m.text != name and m.text not in e.aliases:
                    e.aliases.append(m.text)  # the name as written ("Stockton" for Stockton-on-Tees)
                if m.type == "Organisation":
                    org = lx.organisations().get(lx.norm(name))
                    if org:
                        e.props.setdefault("kind", org[1])
                        for al in org[2]:
                            if al not in e.aliases:
                                e.aliases.append(al)
            e.mentions.append(m)
            self.mention_ids.append((m, e.id))
        # acronyms defined in the text: "Full Name (ACR)"
        for m, eid in self.mention_ids:
            after = self.text[m.end : m.end + 12]
            am = re.match(r"\s*\(([A-Z][A-Za-z]{1,7})\)", after)
            if am and am.group(1) not in self.ents[eid].aliases and am.group(1) != self.ents[eid].name:
                self.ents[eid].aliases.append(am.group(1))
        self._by_sent = None

    def _met_only_rank(self, rank: str) -> bool:
        info = lx.ranks().get(lx.norm(rank))
        if info is None:
            return False
        rec = next((r for r in reference().ranks if r.rank == info.canonical), None)
        if rec is None or not rec.forces.startswith("met"):
            return False
        forces = {m.ref_id for m in self._all_mentions if m.type == "PoliceForce"}
        return not forces & {"force/metropolitan", "force/city-of-london"}

    def ids_in_sentence(self, i: int, types: set[str] | None = None) -> list[tuple[Mention, str]]:
        if self._by_sent is None:
            self._by_sent = {}
            for m, eid in self.mention_ids:
                self._by_sent.setdefault(m.sent, []).append((m, eid))
        got = self._by_sent.get(i, [])
        return got if types is None else [(m, eid) for m, eid in got if self.ents[eid].type in types]

    def force_near(self, i: int) -> str | None:
        for m, eid in self.ids_in_sentence(i):
            if m.type == "PoliceForce":
                return eid
        return None

    # -- people: posts, forces, memberships ---------------------------------------------
    def people(self) -> None:
        ref = reference()
        for eid, e in list(self.ents.items()):
            if e.type not in {"Person", "Officer"}:
                continue
            m0 = e.mentions[0]
            evd = self.evidence(m0.start, m0.end, 0.7, m0.sent)
            sent = self.sents[m0.sent]
            post = self.text[m0.end : sent.end]
            pre = self.text[sent.start : m0.start]
            role = e.props.get("role")
            role_s = role if isinstance(role, str) else None
            if e.type == "Officer":
                am = _APPOS_ROLE.match(post)
                if am and _is_role(am.group("role")):
                    org = self._entity_at(m0.end + am.end(), {"Organisation", "OversightBody", "Programme"})
                    if org:
                        self.relate("HOLDS_POST", eid, org, evd, title=am.group("role").strip())
                        e.props.setdefault("role", am.group("role").strip())
                fid = self._officer_force(e)
                if fid:
                    self.relate("SERVES_IN", eid, fid, evd)
                    rank = e.props.get("rankNormalised")
                    info = lx.ranks().get(lx.norm(str(rank))) if rank else None
                    title = self._officer_role(e) or (str(rank) if info and info.order >= 7 else None)
                    if title:
                        self.relate("HOLDS_POST", eid, fid, evd, title=title)
                        e.props.setdefault("role", title)
                continue
            # "The Police and Crime Commissioner for Cleveland, Jane Harlow, said": the post named before her
            pm = re.search(r",\s*(?:(?:Dr|Mr|Mrs|Ms|Miss|Prof|Sir|Dame)\.?\s+)?$", pre)
            if pm:
                post_at = sent.start + pm.start()
                body = next(
                    (
                        oid
                        for x, oid in self.ids_in_sentence(m0.sent, {"OversightBody", "Organisation"})
                        if x.end == post_at and _POST_BODY.search(self.ents[oid].name)
                    ),
                    None,
                )
                if body:
                    title = self.ents[body].name.split(" for ")[0]
                    self.relate("HOLDS_POST", eid, body, evd, title=title)
                    e.props.setdefault("role", title)
                    continue
            # "Jane Harlow, a researcher at the London School of Economics" / "Jane Harlow of Liberty said"
            am = _APPOS_ROLE.match(post)
            if am and _is_role(am.group("role")):
                org = self._entity_at(m0.end + am.end(), {"Organisation", "OversightBody", "PoliceForce", "Programme"})
                if org:
                    self.relate("HOLDS_POST", eid, org, evd, title=am.group("role").strip())
                    e.props.setdefault("role", am.group("role").strip())
                    continue
            om = re.match(r",?\s+(?:of|from)\s+(?:the\s+)?", post)
            if om:
                org = self._entity_at(m0.end + om.end(), {"Organisation", "OversightBody", "Programme"})
                if org:
                    self.relate("MEMBER_OF", eid, org, evd)
                    continue
            if role_s:
                org_name = lx.POST_ORGS.get(role_s.lower()) or lx.POST_ORGS.get(" ".join(role_s.lower().split()[-2:]))
                if org_name:
                    oid = self._ensure_reference_entity(org_name, evd)
                    if oid:
                        self.relate("HOLDS_POST", eid, oid, evd, title=role_s)
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
                    org = self._org_context(m0.sent, pre)
                    if org:
                        self.relate("HOLDS_POST", eid, org, evd, title=role_s)
        del ref

    def _ensure_reference_entity(self, name: str, evd: Evidence) -> str | None:
        rid = reference().aliases.resolve(name)
        if rid is None:
            return None
        typ = reference().aliases.type_of(rid) or "Organisation"
        self.entity(rid, typ, name, evd)
        return rid

    def _entity_at(self, pos: int, types: set[str]) -> str | None:
        """The entity named at ``pos``, allowing a few lower-case words first ("the charity X")."""
        for m, eid in self.mention_ids:
            if (
                self.ents[eid].type in types
                and pos - 1 <= m.start <= pos + 30
                and re.fullmatch(r"\s*(?:[a-z][\w\-]*\s+){0,3}", self.text[pos : max(pos, m.start)])
            ):
                return eid
        return None

    def _org_context(self, i: int, pre: str) -> str | None:
        """The organisation a role belongs to: named in the sentence, else the previous sentence's subject."""
        here = self.ids_in_sentence(i, {"Organisation", "OversightBody", "Programme"})
        if here:
            return here[0][1]
        if i > 0:
            prev = self.ids_in_sentence(i - 1, {"Organisation", "OversightBody"})
            if prev:
                return prev[0][1]
        return None

    def _officer_force(self, e: Ent) -> str | None:
        for m in e.mentions:
            near = [
                (abs(x.start - m.start), eid)
                for x, eid in self.mention_ids
                if x.sent == m.sent and x.type == "PoliceForce"
            ]
            if near:
                return min(near)[1]
        return self.primary_force

    def _officer_role(self, e: Ent) -> str | None:
        for m in e.mentions:
            s = self.sents[m.sent]
            pre = self.text[s.start : m.start]
            rm = re.search(r"\brole as (?:a|an|the)\s+([a-z][a-z\- ]{2,40}?)\s*(?:,|$|[A-Z])", pre)
            if rm:
                return rm.group(1).strip()
            rm = re.search(r"['’]s\s+([a-z][a-z\- ]{2,50}?),\s*(?:[A-Z][\w ]+)?$", pre)
            if rm and rm.group(1).split()[0] in lx.ROLE_WORDS | {"chief", "head", "director", "lead"}:
                return rm.group(1).strip()
            # "Ch Supt Jane Harlow, the local divisional commander, said"
            rm = re.match(r",\s+(?:the|a|an)\s+([a-z][a-z\-]*(?:\s[a-z][a-z\-]*){0,3}),", self.text[m.end : s.end])
            if rm and rm.group(1).split()[-1] in _POST_NOUNS:
                return re.sub(r"^(?:local|force['’]s|area)\s+", "", rm.group(1))
        return None

    # -- places -------------------------------------------------------------------------
    def coverage(self) -> None:
        ref = reference()
        places = lx.places()
        forces_here = {eid for eid, e in self.ents.items() if e.type == "PoliceForce"}
        force_map = _reference_maps(ref)[0]
        for eid, e in list(self.ents.items()):
            if e.type != "Place":
                continue
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
                    self.relate("COVERS", f.entity_id, eid, self.evidence(m0.start, m0.end, 0.6, m0.sent))
            if p is None and len(forces_here) == 1 and e.mentions:
                # a place the gazetteer does not know, in a story about one force: a place on its patch
                m0 = e.mentions[0]
                self.relate("COVERS", next(iter(forces_here)), eid, self.evidence(m0.start, m0.end, 0.4, m0.sent))

    # -- programmes -----------------------------------------------------------------------
    def programmes(self) -> None:
        progs = [eid for eid, e in self.ents.items() if e.type == "Programme"]
        for pid in progs:
            for i in {m.sent for m in self.ents[pid].mentions}:
                for m, fid in self.ids_in_sentence(i, {"PoliceForce"}):
                    self.relate("PARTNERS_WITH", pid, fid, self.evidence(m.start, m.end, 0.6, i))
                s = self.sents[i].text
                if (
                    self.primary_force
                    and re.search(r"\b(partner\w*|joined|joining|recruited|works? with)\b", s, re.I)
                    and re.search(r"\bthe force\b|\bforces?\b", s, re.I)
                ):
                    self.relate(
                        "PARTNERS_WITH",
                        pid,
                        self.primary_force,
                        self.evidence(self.sents[i].start, self.sents[i].end, 0.5, i),
                    )
            if len(self.ents[pid].mentions) >= 2:
                for eid, e in self.ents.items():
                    if e.type != "Officer":
                        continue
                    rank = str(e.props.get("rankNormalised", ""))
                    if rank in {"Police Constable", "Detective Constable"} and len(e.mentions) >= 2:
                        m0 = e.mentions[0]
                        self.relate("RECRUITED_VIA", eid, pid, self.evidence(m0.start, m0.end, 0.5, m0.sent))

    # -- quotes ---------------------------------------------------------------------------
    def speaker_candidates(self, i: int) -> list[Candidate]:
        s = self.sents[i]
        out = [
            Candidate(eid, m.start, m.end, self.ents[eid].type in {"Person", "Officer"})
            for m, eid in self.ids_in_sentence(i, SPEAKER_TYPES)
        ]
        if self.primary_force:
            for m in _FORCE_NOMINAL.finditer(s.text):
                out.append(Candidate(self.primary_force, s.start + m.start(), s.start + m.end(), False))
        for m in _SPOKES.finditer(s.text):
            if m.group("org"):
                continue  # the organisation is a mention already
            org = self.last_org
            fm = re.match(r"\s+(?:for|from|at)\s+the\s+([a-z]+)\b", s.text[m.end() :])
            if fm:  # "a spokesperson for the commissioner": the body whose name ends in that word
                noun = fm.group(1)
                org = (
                    self.primary_force
                    if noun in {"force", "constabulary"}
                    else next(
                        (
                            eid
                            for eid, e in self.ents.items()
                            if e.type in {"OversightBody", "Organisation"}
                            and any(noun == w.lower() for w in e.name.split())
                        ),
                        org,
                    )
                )
            if org:
                out.append(Candidate(org, s.start + m.start(), s.start + m.end(), False))
        for m in _DOC.finditer(s.text):
            if self.doc_author:
                out.append(Candidate(self.doc_author, s.start + m.start(), s.start + m.end(), True))
        for m in _PRONOUN.finditer(s.text):
            p = m.group("p").lower()
            target = None
            if p in {"he", "she"}:
                target = self.last_person
            elif p in {"it", "they"}:
                target = self.last_it
            if target:
                out.append(Candidate(target, s.start + m.start("p"), s.start + m.end("p"), p in {"he", "she"}))
        out.sort(key=lambda c: c.start)
        return out

    def quotes(self) -> None:
        qs = find_quotes(self.text, self.paras)
        self.quote_spans = qs
        self.last_person: str | None = None
        self.last_org: str | None = None
        self.last_it: str | None = None
        self.doc_author: str | None = None
        by_sent: dict[int, list[QuoteSpan]] = {}
        for q in qs:
            by_sent.setdefault(self.sent_index(q.start), []).append(q)
        prev_speaker: str | None = None
        prev_para = -10
        for i, s in enumerate(self.sents):
            in_s = by_sent.get(i, [])
            cands = self.speaker_candidates(i) if in_s else []
            for q in in_s:
                sp = pick_speaker(s, q, cands, in_s)
                if sp is None and q.opens_paragraph and i > 0 and self.sents[i - 1].text.rstrip().endswith(":"):
                    prev = self.sents[i - 1]
                    pc = self.speaker_candidates(i - 1)
                    fake = QuoteSpan(prev.end, prev.end, "", q.para, False)
                    sp = pick_speaker(prev, fake, pc, [])
                speaker = sp.key if sp else None
                if speaker is None and q.opens_paragraph and prev_speaker and q.para - prev_para <= 2:
                    speaker = prev_speaker
                if speaker is None:
                    continue
                self.add_quote(q, speaker, i)
                prev_speaker = speaker
                prev_para = q.para
            # memory for pronouns and nominals, from the words outside quotes
            free = [(m, eid) for m, eid in self.ids_in_sentence(i) if not any(q.start <= m.start < q.end for q in in_s)]
            for _, eid in free:
                t = self.ents[eid].type
                if t in {"Person", "Officer"}:
                    self.last_person = eid
                elif t in {"Organisation", "OversightBody", "PoliceForce", "Programme"}:
                    self.last_org = eid
            if free:
                first_id = free[0][1]
                if self.ents[first_id].type in {"Organisation", "OversightBody", "PoliceForce", "Programme"}:
                    self.last_it = first_id
            if ("by" in s.text and _DOC_AUTHOR.search(s.text)) and _DOC.search(s.text):
                persons = [eid for m, eid in free if self.ents[eid].type in {"Person", "Officer"}]
                if persons:
                    self.doc_author = persons[-1]
            if self.doc_author and _DOC.match(s.text.lstrip()):
                self.last_it = self.doc_author

    def add_quote(self, q: QuoteSpan, speaker: str, i: int) -> None:
        text = q.text
        words = text.split()
        name = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
        qid = hashed_id("Quote", speaker, lx.norm(text))
        evd = Evidence(self.sid, quote=text[:1000], start=q.start, end=q.end, method="rule", confidence=0.8)
        e = self.entity(qid, "Quote", name, evd)
        e.props["text"] = text
        self.relate("SAID", speaker, qid, evd)

    # -- events ---------------------------------------------------------------------------
    def cases(self) -> None:
        quoted_short = [(q.start, q.end) for q in self.quote_spans if len(q.text.split()) <= 4]
        names = sorted((m.start, m.end) for m, _ in self.mention_ids)
        self.incidents: list[tuple[str, int]] = []  # (id, sentence)
        self.find_incidents()
        # the article's central case: an incident introduced in its opening sentences
        self.central = next((iid for iid, j in self.incidents if j <= 3), None)
        allegations = ev.find_allegations(self.sents, names)
        outcomes = ev.find_outcomes(self.sents, quoted_short, names)
        investigations = ev.find_investigations(self.sents, names)
        scope = self.skey

        # investigating bodies: "investigated by X", "X investigation", internal reviews
        investigators: list[tuple[str, int]] = []
        for i, s in enumerate(self.sents):
            low = s.text.lower()
            if "investigat" not in low and "review" not in low and "referr" not in low and "probe" not in low:
                continue
            if re.search(r"\binvestigat\w*\s+by\b|\binvestigation\b|\binvestigating\b", s.text, re.I):
                investigators.extend((eid, i) for _, eid in self.ids_in_sentence(i, {"OversightBody"}))
            if re.search(r"\binternal (review|investigation)", s.text, re.I) and self.primary_force:
                investigators.append((self.primary_force, i))

        alleg_ids: list[tuple[str, int]] = []
        by_cat: dict[str, Ent] = {}
        for a in allegations:
            assert a.category is not None
            e0 = by_cat.get(a.category)
            evd = self.evidence(a.start, a.end, a.confidence, a.sent)
            if e0 is not None:
                if a.name != e0.name and a.name not in e0.aliases:
                    e0.aliases.append(a.name)
                e0.evidence.append(evd) if len(e0.evidence) < MAX_EVIDENCE else None
                continue
            aid = hashed_id("Allegation", scope, a.category)
            e = self.entity(aid, "Allegation", a.name, evd)
            e.props.update({"category": a.category, "categoryLabel": a.category_label or a.name})
            by_cat[a.category] = e
            alleg_ids.append((aid, a.sent))
            targets = self._accused(a.sent)
            fallback = self.force_near(a.sent) or self.primary_force
            for target in targets or ([fallback] if fallback else []):
                self.relate("AGAINST", aid, target, evd)
            inc = self.nearest(self.incidents, a.sent, 3) or (self.central)
            if inc:
                self.relate("CONCERNS", aid, inc, evd)
                for target in targets:  # an officer accused over an incident was involved in it
                    self.relate("INVOLVES", inc, target, evd)
        for aid, i in alleg_ids:
            # the investigator reported nearest the allegation (within a few sentences)
            near = sorted((abs(j - i), j, body) for body, j in investigators if abs(j - i) <= 5)
            if near:
                _, j, body = near[0]
                self.relate("INVESTIGATED_BY", aid, body, self.evidence(self.sents[j].start, self.sents[j].end, 0.5, j))
        for inc, i in self.incidents:
            for body, j in investigators:
                if abs(j - i) <= 3 or inc == self.central:
                    self.relate(
                        "INVESTIGATED_BY", inc, body, self.evidence(self.sents[j].start, self.sents[j].end, 0.5, j)
                    )

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
                        for m, eid in self.mention_ids
                        if 0 <= m.start - pos <= 6 and self.ents[eid].type in {"OversightBody", "PoliceForce"}
                    ),
                    None,
                )
                if by:
                    written = next((m.text for m, eid in self.mention_ids if eid == by and 0 <= m.start - pos <= 6), "")
                    short = (
                        written
                        if written.isupper() and 2 <= len(written) <= 8
                        else next(
                            (al for al in self.ents[by].aliases if al.isupper() and 2 <= len(al) <= 8),
                            self.ents[by].name,
                        )
                    )
                    if self.ents[by].props.get("kind") == "professional standards department":
                        short = self.ents[by].name
                    name = f"{short} {v.extra.get('kind', 'investigation')}"
            if name.lower().startswith(("investigation", "investigations")) and not by:
                bodies = self.ids_in_sentence(v.sent, {"OversightBody"})
                if bodies:
                    by = bodies[0][1]
                    name = f"{self.ents[by].name} {name}"
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
            evd = self.evidence(v.start, v.end, v.confidence, v.sent)
            if key in seen_inv:
                e_inv = self.ents[seen_inv[key]]
                if alias and alias not in e_inv.aliases:
                    e_inv.aliases.append(alias)
                if alias is None:
                    continue
                vid = seen_inv[key]
                inv_ids.append((vid, v.sent))
            else:
                vid = hashed_id("Investigation", scope, key)
                seen_inv[key] = vid
                e_inv = self.entity(vid, "Investigation", name, evd)
                if alias:
                    e_inv.aliases.append(alias)
                inv_ids.append((vid, v.sent))
            inc = self.nearest(self.incidents, v.sent, 3) or (self.central)
            if inc:
                self.relate("CONCERNS", vid, inc, evd)
                if by:
                    self.relate("INVESTIGATED_BY", inc, by, evd)
        # PSD investigations: "investigated by our Professional Standards Department"
        for i, s in enumerate(self.sents):
            if "investigated by" in s.text.lower():
                for m, eid in self.ids_in_sentence(i, {"OversightBody"}):
                    if m.extra.get("psd") or "standards" in self.ents[eid].name.lower():
                        name = f"{self.ents[eid].name} investigation"
                        key = lx.norm(name)
                        if key not in seen_inv:
                            vid = hashed_id("Investigation", scope, key)
                            seen_inv[key] = vid
                            self.entity(vid, "Investigation", name, self.evidence(m.start, m.end, 0.6, i))
                            inv_ids.append((vid, i))

        by_ocat: dict[str, str] = {}
        for o in outcomes:
            assert o.category is not None
            evd = self.evidence(o.start, o.end, o.confidence, o.sent)
            oid = by_ocat.get(o.category)
            if oid is None:
                oid = hashed_id("Outcome", scope, o.category)
                e = self.entity(oid, "Outcome", o.name, evd)
                e.props.update({"category": o.category, "categoryLabel": o.category_label or o.name})
                by_ocat[o.category] = oid
            else:
                e = self.ents[oid]
                if o.name != e.name and o.name not in e.aliases:
                    e.aliases.append(o.name)
                if len(e.evidence) < MAX_EVIDENCE:
                    e.evidence.append(evd)
            src = self.nearest(inv_ids, o.sent, 6) or self.nearest(self.incidents, o.sent, 6)
            if src is None and len(inv_ids) == 1:
                src = inv_ids[0][0]
            if src is None and self.central:
                src = self.central
            if src is None and len(alleg_ids) >= 1:
                src = self.nearest(alleg_ids, o.sent, 6)
            if src:
                self.relate("RESULTED_IN", src, oid, evd)
            if o.category == "ongoing":
                inc = self.nearest(self.incidents, o.sent, 3)
                if inc:
                    self.relate("RESULTED_IN", inc, oid, evd)

        # referrals: "referrals to the IOPC", "referred to the IOPC"
        for i, s in enumerate(self.sents):
            if "referr" in s.text.lower():
                for _, eid in self.ids_in_sentence(i, {"OversightBody"}):
                    src = self.nearest(self.incidents, i, 1) or self.force_near(i) or self.primary_force
                    if src:
                        self.relate("REFERRED_TO", src, eid, self.evidence(s.start, s.end, 0.6, i))
        # oversight: complaint bodies and panels oversee the force the article is about
        if self.primary_force:
            for eid, e in list(self.ents.items()):
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
                        fid = self._overseen_force(e) or self.primary_force
                        self.relate("OVERSEES", eid, fid, self.evidence(m0.start, m0.end, 0.5, m0.sent))

    def _overseen_force(self, e: Ent) -> str | None:
        """The force a body is reported alongside first (articles about two forces and two watchdogs)."""
        forces = {m.ref_id for m in self._all_mentions if m.type == "PoliceForce" and m.ref_id}
        if len(forces) < 2:
            return None
        for m in e.mentions:
            for j in (m.sent, m.sent + 1, m.sent - 1):
                if 0 <= j < len(self.sents):
                    fid = self.force_near(j)
                    if fid:
                        return fid
        return None

    def _accused(self, i: int) -> list[str]:
        """The officers an allegation in sentence ``i`` is against: named there, or named in the next
        sentences when this one speaks of "he", "she" or "the officer", else the officer last named."""
        named = list(dict.fromkeys(eid for m, eid in self.ids_in_sentence(i, {"Officer"}) if not self._senior(eid)))
        if named:
            return named
        officer_words = re.search(
            r"\b(?:officer|constable|sergeant|detective|pc|inspector)\b", self.sents[i].text, re.I
        )
        pronoun = re.search(r"\b(?:he|she)\b", self.sents[i].text, re.I)
        if pronoun and i > 0:
            # "The panel found he had ...": the officer named in the sentences just before
            for j in range(i - 1, max(-1, i - 3), -1):
                before = [eid for m, eid in self.ids_in_sentence(j, {"Officer"}) if not self._senior(eid)]
                if before:
                    return [before[-1]]
        if officer_words or pronoun:
            for j in range(i + 1, min(i + 4, len(self.sents))):
                later = [eid for m, eid in self.ids_in_sentence(j, {"Officer", "Person"}) if not self._senior(eid)]
                if later and (
                    self.ents[later[0]].type == "Officer"
                    or (officer_words and j == i + 1 and not self.ents[later[0]].props.get("role"))
                ):
                    eid = later[0]
                    if self.ents[eid].type == "Person" and not self.ents[eid].props.get("role"):
                        # "A former Kent officer has been jailed ... Jane Harlow, 44, admitted ..."
                        self.ents[eid].type = "Officer"
                        fid = self.force_near(i) or self.primary_force
                        if fid:
                            m0 = self.ents[eid].mentions[0]
                            self.relate("SERVES_IN", eid, fid, self.evidence(m0.start, m0.end, 0.5, m0.sent))
                    return [eid]
        return []

    def _senior(self, eid: str) -> bool:
        """Chief officers speak for a force; they are rarely the officer a case is about."""
        info = lx.ranks().get(lx.norm(str(self.ents[eid].props.get("rankNormalised", ""))))
        return bool(info and info.order >= 5)

    def nearest(self, items: list[tuple[str, int]], i: int, window: int) -> str | None:
        best = [(abs(j - i), j > i, eid) for eid, j in items if abs(j - i) <= window]
        return min(best)[2] if best else None

    def find_incidents(self) -> None:
        inc_of, killer, leak, video = ev.incident_kinds()
        persons = {eid for eid, e in self.ents.items() if e.type in {"Person", "Officer"}}
        places = {eid for eid, e in self.ents.items() if e.type == "Place"}

        def add(name: str, i: int, start: int, end: int, involves: list[str], place: str | None) -> str:
            iid = make_id("Incident", name)
            evd = self.evidence(start, end, 0.6, i)
            e = self.entity(iid, "Incident", name, evd)
            if (iid, i) not in self.incidents and all(x != iid for x, _ in self.incidents):
                self.incidents.append((iid, i))
            for p in involves:
                self.relate("INVOLVES", iid, p, evd)
            # people named in the sentence that reports the incident are involved in it
            for _, pid in self.ids_in_sentence(i, {"Person", "Officer"}):
                if pid not in involves and not self._senior(pid):
                    self.relate("INVOLVES", iid, pid, evd)
            if place:
                self.relate("OCCURRED_IN", iid, place, evd)
            only_force = len({m.ref_id for m in self._all_mentions if m.type == "PoliceForce"}) == 1
            fid = self.force_near(i) or (self.primary_force if i <= 3 or only_force else None)
            if fid:
                self.relate("HANDLED_BY", iid, fid, evd)
            del e
            return iid

        for i, s in enumerate(self.sents):
            low = s.text.lower()
            for m in inc_of.finditer(s.text) if " of " in low else ():
                after = s.start + m.end()
                hit = next(
                    (
                        (mm, eid)
                        for mm, eid in self.ids_in_sentence(i)
                        if eid in persons
                        and after <= mm.start <= after + 40
                        and re.fullmatch(r"(?:[a-z][\w\-]*\s+){0,3}", self.text[after : mm.start])
                    ),
                    None,
                )
                if hit:
                    mm, pid = hit
                    name = f"{m.group('kind').lower()} of {self.ents[pid].name}"
                    add(name, i, s.start + m.start(), mm.end, [pid], None)
            for mt, pid in self.ids_in_sentence(i, {"Person", "Officer"}) if ("'" in low or "’" in low) else ():
                km = killer.match(self.text[mt.end : mt.end + 30])
                if km:
                    w = km.group("w").lower()
                    noun = {"killer": "killing", "murderer": "murder", "attacker": "attack on", "rapist": "rape"}.get(
                        w, w
                    )
                    name = (
                        f"{noun} of {self.ents[pid].name}"
                        if not noun.endswith(" on")
                        else f"{noun} {self.ents[pid].name}"
                    )
                    inv = [pid]
                    ap = re.match(r"[^,]{0,30},\s*", self.text[mt.end + km.end() : mt.end + km.end() + 40])
                    if ap:
                        pos = mt.end + km.end() + ap.end()
                        other = next(
                            (eid for mm, eid in self.ids_in_sentence(i) if mm.start == pos and eid in persons), None
                        )
                        if other:
                            inv.append(other)
                    add(name, i, mt.start, mt.end + km.end(), inv, None)
            for m in ev.anonymous_victim().finditer(s.text) if " of a" in low else ():
                pls = self.ids_in_sentence(i, {"Place"})
                where = f" in {self.ents[pls[0][1]].name}" if pls else ""
                add(
                    f"{m.group('kind').lower()} of {m.group('who').lower()}{where}",
                    i,
                    s.start + m.start(),
                    s.start + m.end(),
                    [],
                    pls[0][1] if pls else None,
                )
            for m in ev.anonymous_death().finditer(s.text) if " died" in low else ():
                pls = self.ids_in_sentence(i, {"Place"})
                where = f" in {self.ents[pls[0][1]].name}" if pls else ""
                add(
                    f"death of {m.group('who').lower()}{where}",
                    i,
                    s.start + m.start(),
                    s.start + m.end(),
                    [],
                    pls[0][1] if pls else None,
                )
            for m in leak.finditer(s.text) if ("leak" in low or "memo" in low) else ():
                doc = next(
                    (iid for iid, _ in self.incidents if self.ents[iid].props.get("description") == _DOC_INCIDENT), None
                )
                if doc:
                    al = m.group("n").lower()
                    if al != self.ents[doc].name and al not in self.ents[doc].aliases:
                        self.ents[doc].aliases.append(al)
                    continue
                did = add(m.group("n").lower(), i, s.start + m.start(), s.start + m.end(), [], None)
                self.ents[did].props["description"] = _DOC_INCIDENT
            for mt, pl in self.ids_in_sentence(i, {"Place"}):
                kind = ev.place_event_before(self.text[s.start : mt.start])
                if kind:
                    add(f"{kind.lower()} in {self.ents[pl].name}", i, mt.start - len(kind) - 4, mt.end, [], pl)
            vm = (
                video.search(s.text)
                if not self.incidents and ("video" in low or "footage" in low or "clip" in low or "recording" in low)
                else None
            )
            if vm and not self.incidents:
                pls = self.ids_in_sentence(i, {"Place"}) or (
                    self.ids_in_sentence(i + 1, {"Place"}) if i + 1 < len(self.sents) else []
                )
                if pls:
                    pl = pls[0][1]
                    add(
                        f"{self.ents[pl].name} {vm.group('n').lower()} incident",
                        i,
                        s.start + vm.start(),
                        s.start + vm.end(),
                        [],
                        pl,
                    )
        del places
        self._name_victims()

    def _name_victims(self) -> None:
        """ "the death of a 42-year-old man ... Jane Harlow was detained": the person named next is the victim."""
        for iid, i in list(self.incidents):
            e = self.ents.get(iid)
            if e is None or not re.match(r"\w+ of an? ", e.name):
                continue
            for j in range(i + 1, min(i + 3, len(self.sents))):
                s = self.sents[j]
                first = [
                    pid
                    for m, pid in self.ids_in_sentence(j, {"Person"})
                    if not _ALNUM.search(self.text, s.start, m.start) and not self.ents[pid].props.get("role")
                ]
                if first:
                    pid = first[0]
                    e.aliases.append(e.name)
                    rest = re.sub(r"^\w+ of an? (?:\d{1,2}-year-old )?\w+", "", e.name)
                    e.name = f"{e.name.split(' of ')[0]} of {self.ents[pid].name}{rest}"
                    m0 = self.ents[pid].mentions[0]
                    self.relate("INVOLVES", iid, pid, self.evidence(m0.start, m0.end, 0.5, m0.sent))
                    same = f"{e.name.split(' of ')[0]} of {self.ents[pid].name}"
                    for oid, _ in list(self.incidents):
                        if oid != iid and self.ents[oid].name == same:
                            self._merge_into(oid, iid)
                    break

    def _merge_into(self, old: str, new: str) -> None:
        """One incident reported two ways ("the death of a man", "Jane Harlow's death"): keep ``new``."""
        e_old, e_new = self.ents.pop(old), self.ents[new]
        for al in (e_old.name, *e_old.aliases):
            if al != e_new.name and al not in e_new.aliases:
                e_new.aliases.append(al)
        e_new.evidence.extend(e_old.evidence[: max(0, MAX_EVIDENCE - len(e_new.evidence))])
        self.incidents = [(x, j) for x, j in self.incidents if x != old]
        for key, r in list(self.rels.items()):
            if old in (r.source, r.target):
                del self.rels[key]
                src, dst = (new if r.source == old else r.source), (new if r.target == old else r.target)
                for evd in r.evidence:
                    self.relate(r.type, src, dst, evd, **{k: str(v) for k, v in r.props.items()})

    # -- statistics -------------------------------------------------------------------------
    def statistics(self) -> None:
        skip = sorted((m.start, m.end) for m, _ in self.mention_ids)
        seen: set[tuple[str, float]] = set()
        quote_speaker: list[tuple[int, int, str]] = []
        for r in self.rels.values():
            if r.type == "SAID":
                q = self.ents.get(r.target)
                if q and q.evidence:
                    e0 = q.evidence[0]
                    if e0.start is not None and e0.end is not None:
                        quote_speaker.append((e0.start, e0.end, r.source))
        counts = Counter(eid for _, eid in self.mention_ids if self.ents[eid].type in {"PoliceForce", "Programme"})
        primary = counts.most_common(1)[0][0] if counts else self.primary_force
        for i, s in enumerate(self.sents):
            figs = find_figures(s.text, s.start, ev.spans_within(skip, s.start, s.end), self.published)
            if not figs:
                continue
            sm = _SCOPE.search(s.text)
            scope = (
                sm.group(1)
                if sm and not self.ids_in_sentence(i, {"PoliceForce"}) and not _ORG_NOMINAL.search(s.text)
                else None
            )
            for f in figs:
                # "920 officers across 21 forces": a figure about many forces, none of them named
                subject = self.stat_subject(i, f, quote_speaker) or (None if scope else primary)
                if subject is None and scope is None:
                    continue
                k = (subject or scope or "", f.value)
                if k in seen:
                    continue
                seen.add(k)
                self.add_statistic(f, subject, i, scope=None if subject else scope)

    def stat_subject(self, i: int, f: Figure, quote_speaker: list[tuple[int, int, str]]) -> str | None:
        s = self.sents[i]
        cands: list[tuple[int, str]] = []
        for mt, eid in self.ids_in_sentence(i):
            if self.ents[eid].type in SUBJECT_TYPES:
                cands.append((mt.start, eid))
        for inc, j in self.incidents:
            if j == i:
                cands.append((s.start, inc))
        if re.search(r"\b(?:the|this)\s+(?:video|footage|clip)\b", s.text, re.I) and self.incidents:
            cands.append((s.start, self.incidents[0][0]))
        if self.primary_force:
            for m in _FORCE_NOMINAL.finditer(s.text):
                cands.append((s.start + m.start(), self.primary_force))
        # entities counted by the figure ("across 33 forces") are not its subject
        cands = [
            c
            for c in cands
            if not (f.end <= c[0] <= f.end + 40 and re.match(r"\s*\w*\s*(forces|force)", self.text[f.end : c[0] + 1]))
        ]
        cands.sort()
        before = [c for c in cands if c[0] < f.start]
        if before:
            return before[0][1]
        for a, b, sp in quote_speaker:
            if a <= f.start < b and self.ents.get(sp) and self.ents[sp].type in SUBJECT_TYPES:
                return sp
        return cands[0][1] if cands else None

    def add_statistic(self, f: Figure, subject: str | None, i: int, scope: str | None = None) -> None:
        measure = f.measure or f.unit
        if scope and not subject and scope not in measure:
            # no entity to be ABOUT: the figure's scope is part of what it measures ("officers across 21 forces")
            measure = f"{measure} across {scope}"
        sid = hashed_id("Statistic", subject or f"{scope} {self.skey}", lx.norm(measure), f.value, f.period or "")
        evd = self.evidence(f.start, f.end, 0.7, i)
        value: float | int = int(f.value) if f.value == int(f.value) else round(f.value, 4)
        e = self.entity(sid, "Statistic", f"{f.value_text} {measure}".strip(), evd)
        props: Props = {
            "measure": measure,
            "value": value,
            "valueText": f.value_text,
            "qualifier": f.qualifier,
            "unit": f.unit,
            "status": "reported",
        }
        concept = _measure_concept(measure)
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
            self.relate("ABOUT", sid, subject, evd)

    # -- output ---------------------------------------------------------------------------
    def facts(self) -> Facts:
        ents = [
            Entity(
                e.id,
                e.type,
                e.name,
                [a for a in dict.fromkeys(e.aliases) if a != e.name],
                dict(e.props),
                list(e.evidence),
            )
            for e in self.ents.values()
            if e.evidence
        ]
        keep = {e.id for e in ents}
        rels = [r for r in self.rels.values() if r.source in keep and r.target in keep]
        return Facts(source=self.source, entities=ents, relations=rels)

    def run(self) -> Facts:
        self.named()
        self.people()
        self.coverage()
        self.programmes()
        self.quotes()
        self.cases()
        self.statistics()
        return self.facts()


def _is_role(phrase: str) -> bool:
    """'visiting researcher in criminology', 'head': a job, not a clause ('joined after studying law')."""
    words = phrase.lower().split()
    if not words or any(w.endswith(("ed", "ing")) and w not in {"head", "led"} for w in words):
        return False
    head = next((w for w in words if w in lx.ROLE_WORDS), None)
    return head is not None or words[-1].endswith(("er", "or", "ist", "ian", "ant", "ent"))


def _measure_concept(measure: str) -> str | None:
    from kb.ontology import ontology

    s = ontology().schemes.get("measure")
    if s is None:
        return None
    low = f" {measure.lower()} "
    best: tuple[int, str] | None = None
    for c in s.concepts.values():
        for p in c.match:
            if f" {p} " in low and (best is None or len(p) > best[0]):
                best = (len(p), c.key)
    return best[1] if best else None


def extract(text: str, source: Entity) -> Facts:
    """The facts of one article's text, cited to ``source``."""
    return Builder(text, source).run()
