"""The case chains (BRIEF "Case chains"), from the case events the events component read:

    Allegation -AGAINST-> Officer (or the force), -CONCERNS-> Incident
    Investigation (hearing, trial, investigation, review, inspection) -CONCERNS-> Allegation and
        Incident, -INVESTIGATED_BY-> the body that held it (the force, for its own hearings)
    Investigation -RESULTED_IN-> Outcome (Incident -RESULTED_IN-> Outcome too for what happened to
        the person whatever the proceedings: resigned, suspended ...)
    Outcome -REVERSES-> Outcome for appeals and reinstatements

plus referrals to oversight bodies and the bodies that oversee the article's forces.
"""

from __future__ import annotations

import re

from kb.identity import hashed_id
from kb.reference import reference
from loaders.articles.cases import patterns, short_name, subject_force
from loaders.articles.dates import find_dates
from loaders.articles.doc import ArticleDoc, CaseEvent, Ent
from loaders.articles.mentions import Mention
from loaders.articles.registry import component

# an officer written as a common noun, not followed by a name ("the officer, who cannot be named")
_THE_OFFICER = re.compile(r"\b[Tt]he\s+(?:former\s+|serving\s+|same\s+)?(?:police\s+)?officer\b(?!\s+[A-Z])")

# a later sentence that speaks of the incident again
_THE_EVENT = re.compile(
    r"\b(?:the|this|that)\s+(?:incident|party|search|arrest|assault|attack|stop|raid|event|bash|restraint|collision)\b"
    r"|\btook\s+place\b",
    re.I,
)
_THE_MATTER = re.compile(r"\breferr\w*\s+(?:the|this)\s+(?:matter|incident|case|complaint)\b", re.I)
_LOCATIVE = re.compile(r"\b(?:in|at|inside|outside|near)\s+(?:the\s+|a\s+)?$", re.I)


def locative_place(doc: ArticleDoc, i: int) -> str | None:
    """The first place sentence ``i`` puts something in or at ("in Lowmarsh", "at the county showground"),
    not a place named as a possessor or a modifier ("Hampshire's unit")."""
    s = doc.sents[i]
    for m, pl in doc.ids_in_sentence(i, {"Place"}):
        if _LOCATIVE.search(doc.text[max(s.start, m.start - 12) : m.start]):
            return pl
    return None


# what kind of proceedings an outcome comes from, by the outcome's kind in data/cases.toml
_FROM = {"criminal": "trial", "investigative": "investigation", "inspection": "inspection"}


@component("relations")
def relations(doc: ArticleDoc) -> None:
    """Case chains (AGAINST, CONCERNS, INVESTIGATED_BY, RESULTED_IN, REVERSES), REFERRED_TO and OVERSEES."""
    _Chains(doc).wire()
    _referrals_and_oversight(doc)


class _Chains:
    def __init__(self, doc: ArticleDoc) -> None:
        self.doc = doc
        self.p = patterns()
        self.events = doc.case_events
        self.by_id = {c.id: c for c in doc.case_events}

    def ev(self, ce: CaseEvent, conf: float = 0.6):  # type: ignore[no-untyped-def]
        s = self.doc.sents[ce.sent]
        return self.doc.evidence(s.start, s.end, conf, ce.sent)

    def wire(self) -> None:
        if not self.events:
            return
        self.fill_subjects()
        allegations = [c for c in self.events if c.type == "Allegation"]
        procs = [c for c in self.events if c.type == "Investigation"]
        outcomes = [c for c in self.events if c.type == "Outcome"]
        for a in allegations:
            self.against(a)
        incident_of = self.incidents(allegations)
        for pr in procs:
            self.proceeding(pr, allegations, incident_of)
        for o in outcomes:
            self.outcome(o, procs, incident_of)
        self.reversals(outcomes)
        self.dates()
        self.places()

    def places(self) -> None:
        """An incident the article places only later ("the incident inside a school in Lowmarsh", "the party
        took place at X"): where it happened."""
        doc = self.doc
        placed = {r.source for r in doc.rels.values() if r.type == "OCCURRED_IN"}
        for iid, i in doc.incidents:
            if iid in placed:
                continue
            for j in range(i, len(doc.sents)):
                if j != i and not _THE_EVENT.search(doc.sents[j].text):
                    continue
                pl = locative_place(doc, j)
                if pl:
                    s = doc.sents[j]
                    doc.relate("OCCURRED_IN", iid, pl, doc.evidence(s.start, s.end, 0.5, j))
                    break

    def dates(self) -> None:
        """An outcome whose sentence gives no date takes the date of the proceedings it came from (decided
        at the hearing); any event still undated takes one from the events it is linked with."""
        doc = self.doc
        by_id = {c.id: c for c in doc.case_events}
        links: dict[str, list[str]] = {}
        for r in doc.rels.values():
            if r.type in {"RESULTED_IN", "CONCERNS"} and r.source in by_id and r.target in by_id:
                links.setdefault(r.target, []).append(r.source)
                links.setdefault(r.source, []).append(r.target)

        def take(c: CaseEvent, other: CaseEvent) -> None:
            e, o = doc.ents[c.id], doc.ents[other.id]
            e.props["date"], e.props["datePrecision"] = o.props["date"], o.props["datePrecision"]

        for c in doc.case_events:
            if c.type == "Outcome" and not c.dated:
                src = [by_id[x] for x in links.get(c.id, []) if by_id[x].type == "Investigation" and by_id[x].dated]
                if src:
                    take(c, src[0])
        for _ in range(2):
            for c in doc.case_events:
                if "date" not in doc.ents[c.id].props:
                    other = [by_id[x] for x in links.get(c.id, []) if "date" in doc.ents[x].props]
                    if other:
                        take(c, other[0])

    def fill_subjects(self) -> None:
        """Events read with no subject take the subjects of the nearest event that has them."""
        known = [c for c in self.events if c.subjects]
        if not known:
            return
        for c in self.events:
            if not c.subjects and c.kind not in {"inspection", "operation"}:
                near = min(known, key=lambda k: (abs(k.sent - c.sent), k.sent > c.sent))
                if abs(near.sent - c.sent) <= 6 or len({k.subjects for k in known}) == 1:
                    c.subjects = near.subjects

    def against(self, a: CaseEvent) -> None:
        doc = self.doc
        evd = self.ev(a)
        if a.subjects:
            for sub in a.subjects:
                e = doc.ents[sub]
                if e.type == "Person":
                    e.type = "Officer"
                if not doc.has_relation("SERVES_IN", sub):
                    fid = doc.force_near(a.sent) or doc.primary_force
                    if fid:
                        doc.relate("SERVES_IN", sub, fid, evd)
                doc.relate("AGAINST", a.id, sub, evd)
        elif not self.unnamed_officer_near(a.sent):
            # an allegation with no officer named or described is against the force itself; one made
            # against "an officer" the article does not name is not the force's
            fid = doc.force_near(a.sent) or doc.primary_force
            if fid:
                doc.relate("AGAINST", a.id, fid, evd)

    def unnamed_officer_near(self, i: int) -> bool:
        """The sentence ``i`` or one of the two before it speaks of an officer it does not name ("a Surrey
        Police officer who ...", "the officer", "a third officer")."""
        single = self.p.unnamed
        the_officer = _THE_OFFICER
        return any(
            single.search(self.doc.sents[k].text) or the_officer.search(self.doc.sents[k].text)
            for k in range(max(0, i - 2), i + 1)
        )

    def incidents(self, allegations: list[CaseEvent]) -> dict[tuple[str, ...], str]:
        """The incident of each subject group: one reported that involves them, else the conduct alleged."""
        doc = self.doc
        out: dict[tuple[str, ...], str] = {}
        involved: dict[str, str] = {}
        for r in doc.rels.values():
            if r.type == "INVOLVES" and doc.ents.get(r.source) and doc.ents[r.source].type == "Incident":
                involved.setdefault(r.target, r.source)
        reported = [iid for iid, _ in doc.incidents]

        def a_span(a: CaseEvent, m: Mention) -> bool:
            e = doc.ents[a.id]
            return any(ev.start is not None and ev.start <= m.start <= (ev.end or ev.start) + 120 for ev in e.evidence)

        # subject groups that share an officer are one case ("PC A and PC B" ... "PC B"): one incident
        clusters: list[list[tuple[str, ...]]] = []
        for key in dict.fromkeys(a.subjects for a in allegations):
            joined = [c for c in clusters if any(set(key) & set(k) for k in c)] if key else []
            merged = [key] + [k for c in joined for k in c]
            clusters = [c for c in clusters if c not in joined] + [merged]
        held = any(c.kind in {"hearing", "trial"} for c in self.events if c.type == "Investigation")
        for cluster in clusters:
            subs = {x for k in cluster for x in k}
            members = [x for x in allegations if x.subjects in cluster]
            inc = next((involved[x] for x in sorted(subs) if x in involved), None)
            if inc is None:
                # "the manslaughter of Ruth Evans": the incident of the person the allegation names
                named = {pid for a in members for m, pid in doc.ids_in_sentence(a.sent, {"Person"}) if a_span(a, m)}
                inc = next((involved[p] for p in sorted(named) if p in involved), None)
            if inc is None and len(reported) == 1:
                inc = reported[0]  # the one incident the article reports
            if inc is None and not subs:
                inc = doc.central
            if inc is None and (subs or held):
                # what the officers are alleged to have done, when the article reports no other incident;
                # for a case heard about an unnamed officer too (a hearing or trial says there was a case)
                inc = self.conduct_incident(max(members, key=self.conduct_like))
            if inc:
                for key in cluster:
                    out[key] = inc
        for key, inc in out.items():
            a0 = next(a for a in allegations if a.subjects == key)
            evd = self.ev(a0)
            for sub in key:
                doc.relate("INVOLVES", inc, sub, evd)
            fid = subject_force(doc, key) if key else (doc.force_near(a0.sent) or doc.primary_force)
            if fid:
                doc.relate("HANDLED_BY", inc, fid, evd)
        for a in allegations:
            inc = out.get(a.subjects)
            if inc:
                self.doc.relate("CONCERNS", a.id, inc, self.ev(a))
        return out

    def conduct_like(self, a: CaseEvent) -> tuple[bool, bool, bool, int]:
        """How well an allegation's words describe what was done ("accessing records ..." over
        "breached standards of ..."), to name the incident after."""
        name = self.doc.ents[a.id].name
        words = name.split()
        return (
            not re.match(r"(?:breach|standards|gross misconduct|misconduct)", name, re.I),
            min(len(words), 12) >= 4,  # a phrase that says what was done, not a label ("racist")
            any(w.endswith("ing") for w in words),
            -a.sent,
        )

    def conduct_incident(self, a: CaseEvent) -> str:
        """An incident for what an officer is alleged to have done, when the article reports no other:
        named for the conduct and the officer, dated and placed from the allegation's sentence."""
        doc = self.doc
        e_a = doc.ents[a.id]
        # named for the officers it is about when they are one or two short names (their ranks left to the
        # officer entities); a larger group's names are its INVOLVES, not its name
        names = [doc.ents[s].name for s in a.subjects]
        who = " and ".join(names) if names and len(names) <= 2 and sum(len(n.split()) for n in names) <= 4 else ""
        name = f"{e_a.name} by {who}" if who else e_a.name
        iid = hashed_id("Incident", doc.skey, *(a.subjects or (a.id,)))
        inc = doc.entity(iid, "Incident", name, self.ev(a, 0.5))
        found = find_dates(doc.sents[a.sent].text, doc.published)
        if found:
            inc.props["date"], inc.props["datePrecision"] = found[0].value, found[0].precision
        pl = locative_place(doc, a.sent) or next((x for _, x in doc.ids_in_sentence(a.sent, {"Place"})), None)
        if pl:
            doc.relate("OCCURRED_IN", iid, pl, self.ev(a, 0.5))
        doc.incidents.append((iid, a.sent))
        return iid

    def dated_apart(self, near: list[CaseEvent], all_: list[CaseEvent]) -> bool:
        """Whether the allegations far from the proceedings carry other years in their own sentences."""
        years = {str(self.doc.ents[a.id].props.get("date", ""))[:4] for a in near if a.dated}
        far = {str(self.doc.ents[a.id].props.get("date", ""))[:4] for a in all_ if a not in near and a.dated}
        return bool(far) and not far <= years

    def overlaps(self, a: CaseEvent, b: CaseEvent) -> bool:
        return not a.subjects or not b.subjects or bool(set(a.subjects) & set(b.subjects))

    def proceeding(self, pr: CaseEvent, allegations: list[CaseEvent], incident_of: dict[tuple[str, ...], str]) -> None:
        doc = self.doc
        evd = self.ev(pr)
        if pr.kind != "inspection":
            concerns = [a for a in allegations if self.overlaps(a, pr)]
            # the allegations read near the proceedings, when one officer's article tells of two cases
            near = [a for a in concerns if abs(a.sent - pr.sent) <= 3]
            if near and len(near) < len(concerns) and self.dated_apart(near, concerns):
                concerns = near
            for a in concerns:
                doc.relate("CONCERNS", pr.id, a.id, evd)
            incs = {incident_of[a.subjects] for a in concerns if a.subjects in incident_of}
            if not incs and pr.subjects in incident_of:
                incs = {incident_of[pr.subjects]}
            if not incs and doc.central:
                incs = {doc.central}
            for inc in incs:
                doc.relate("CONCERNS", pr.id, inc, evd)
        body = pr.body
        if body is None and pr.kind == "hearing":
            body = subject_force(doc, pr.subjects)
        if body:
            doc.relate("INVESTIGATED_BY", pr.id, body, evd)

    def outcome(self, o: CaseEvent, procs: list[CaseEvent], incident_of: dict[tuple[str, ...], str]) -> None:
        doc = self.doc
        evd = self.ev(o)
        want = _FROM.get(self.p.kinds.get(o.category or "", ""), "hearing")
        cands = [pr for pr in procs if self.overlaps(pr, o)]

        def rank(pr: CaseEvent) -> tuple[int, int, int]:
            return (pr.kind != want, 0 if pr.sent <= o.sent else 1, abs(pr.sent - o.sent))

        if not any(pr.kind == want for pr in cands):
            # the article's one proceeding of that kind, held for several officers though named with one
            same = [pr for pr in procs if pr.kind == want]
            if len(same) == 1:
                cands = same
            elif want in {"hearing", "trial"} and o.subjects:
                cands = []  # a sanction comes from a hearing, a sentence from a court: not from an inquiry
        src = min(cands, key=rank).id if cands else None
        if src is None and want in {"investigation", "inspection"}:
            # "the IOPC said he had been served with a gross misconduct notice": the body's investigation
            body = next((eid for _, eid in doc.ids_in_sentence(o.sent, {"OversightBody"})), None)
            if body is None and want == "investigation":
                # the one complaints or inspection body the article names, said a sentence or two away
                found = {
                    eid
                    for eid, e in doc.ents.items()
                    if e.type == "OversightBody"
                    and re.search(r"complaint|investigat|inspectorate", str(e.props.get("kind", "")))
                }
                body = next(iter(found)) if len(found) == 1 else None
            if body:
                src = self.implicit_inquiry(o, want, body)
        if src is None and o.subjects:
            src = self.implicit_proceeding(o, want)
        if src is None:
            # no proceedings and no officer named: what the incident led to (an injunction, a review)
            inc = doc.central or (doc.incidents[0][0] if len(doc.incidents) == 1 else None)
            if inc:
                doc.relate("RESULTED_IN", inc, o.id, evd)
        if src:
            doc.relate("RESULTED_IN", src, o.id, evd)
            # the allegations those proceedings decided resulted in the outcome too (a shortcut of
            # the chain, for readers that ask an allegation for its outcomes)
            decided = [
                r.target
                for r in doc.rels.values()
                if r.type == "CONCERNS" and r.source == src and doc.ents[r.target].type == "Allegation"
            ]
            for aid in decided:
                if aid in self.by_id and self.overlaps(self.by_id[aid], o):
                    doc.relate("RESULTED_IN", aid, o.id, evd)
        if o.category in self.p.personal:
            inc = incident_of.get(o.subjects) or (doc.central if not o.subjects else None)
            if inc:
                doc.relate("RESULTED_IN", inc, o.id, evd)

    def implicit_proceeding(self, o: CaseEvent, want: str) -> str:
        """Proceedings the outcome implies but the article does not name ("he was jailed": a trial)."""
        doc = self.doc
        who = " and ".join(doc.ents[s].name for s in o.subjects)
        name = f"criminal case against {who}" if want == "trial" else f"misconduct proceedings against {who}"
        pid = hashed_id("Investigation", doc.skey, "implicit", want, *o.subjects)
        doc.entity(pid, "Investigation", name, self.ev(o, 0.4))
        ce = CaseEvent(pid, "Investigation", o.sent, o.subjects, "trial" if want == "trial" else "hearing")
        doc.case_events.append(ce)
        allegations = [c for c in self.events if c.type == "Allegation"]
        self.proceeding(ce, allegations, {})
        return pid

    def implicit_inquiry(self, o: CaseEvent, want: str, body: str) -> str:
        """The investigation or inspection an outcome says a body held ("served a notice", "placed in
        special measures"), named for the body and whom it was about."""
        doc = self.doc
        holder = short_name(doc, body)
        if want == "inspection":
            fid = doc.force_near(o.sent) or doc.primary_force
            name = f"{holder} inspection of {doc.ents[fid].name}" if fid else f"{holder} inspection"
        else:
            who = " and ".join(doc.ents[s].name for s in o.subjects[:2])
            name = f"{holder} investigation into {who}" if who else f"{holder} investigation"
        pid = hashed_id("Investigation", doc.skey, "implicit", want, body, *o.subjects)
        e = doc.entity(pid, "Investigation", name, self.ev(o, 0.4))
        e.props.setdefault("description", "inspection, review or report" if want == "inspection" else "investigation")
        ce = CaseEvent(pid, "Investigation", o.sent, o.subjects, want, body)
        doc.case_events.append(ce)
        allegations = [c for c in self.events if c.type == "Allegation"]
        self.proceeding(ce, allegations, {})
        return pid

    def reversals(self, outcomes: list[CaseEvent]) -> None:
        for o in outcomes:
            reversed_cats = self.p.reversal.get(o.category or "")
            if not reversed_cats:
                continue
            for earlier in outcomes:
                if earlier is not o and earlier.category in reversed_cats and self.overlaps(earlier, o):
                    self.doc.relate("REVERSES", o.id, earlier.id, self.ev(o))


def _referrals_and_oversight(doc: ArticleDoc) -> None:
    # referrals: "referrals to the IOPC", "referred to the IOPC"
    for i, s in enumerate(doc.sents):
        if "referr" in s.text.lower():
            for _, eid in doc.ids_in_sentence(i, {"OversightBody"}):
                # the case was referred, and the force referred it: both are drawn
                inc = doc.nearest(doc.incidents, i, 1)
                if inc is None and _THE_MATTER.search(s.text):
                    inc = doc.central  # "referred the matter to the IOPC": the story's incident
                fid = doc.force_near(i) or doc.primary_force
                for src in dict.fromkeys(x for x in (inc, fid) if x):
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
                if m0 is None:
                    continue
                evd = doc.evidence(m0.start, m0.end, 0.5, m0.sent)
                national = _national_reach(eid)
                if national is not None:
                    # a national body oversees every force the article names in its jurisdiction
                    for fid in sorted(doc.forces_named()):
                        if _in_jurisdiction(fid, national):
                            doc.relate("OVERSEES", eid, fid, evd)
                    continue
                fid = _overseen_force(doc, e) or doc.primary_force
                doc.relate("OVERSEES", eid, fid, evd)


def _national_reach(eid: str) -> str | None:
    """The jurisdiction of a national reference body ("Great Britain"), None for any other body."""
    rec = next((b for b in reference().bodies if b.entity_id == eid), None)
    return rec.jurisdiction if rec is not None and rec.jurisdiction else None


def _in_jurisdiction(fid: str, jurisdiction: str) -> bool:
    rec = next((f for f in reference().forces if f.entity_id == fid), None)
    if rec is None:
        return False
    country = rec.country.lower()
    return (
        not country or country in jurisdiction.lower() or (country == "england" and "england" in jurisdiction.lower())
    )


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
