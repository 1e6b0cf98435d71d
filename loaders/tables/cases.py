"""Tables listing individual cases (one row per allegation or hearing) -> case chains.

Each row becomes the chain articles build too (see the shared model of case chains):

    Allegation -AGAINST-> Officer (named, or anonymised by rank) and/or PoliceForce
    Investigation -CONCERNS-> Allegation, -INVESTIGATED_BY-> the body, the force's PSD or the force
    Investigation -RESULTED_IN-> Outcome
    appeal Investigation -CONCERNS-> Allegation, -RESULTED_IN-> appeal Outcome -REVERSES-> Outcome

A named officer ("PC Jane Harlow") gets the same id as in articles (``person/jane-harlow``), so
a case table and the news about it meet in one graph. Categories are concepts of
ontology/concepts.toml matched on the words as written, which stay in ``categoryLabel``; dates
are ISO strings of the precision the cell gives, with ``datePrecision``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kb.identity import hashed_id, make_id, normalise_name
from kb.model import Entity, Evidence, Facts, Props, Relation
from kb.reference import COMPLAINTS_BODIES, reference
from loaders.base import LoadError
from loaders.tables.concepts import concept_exists, match_concept
from loaders.tables.layout import Layout
from loaders.tables.mapping import Mapping
from loaders.tables.periods import parse_period
from loaders.tables.read import Sheet
from loaders.tables.skips import Skipped
from loaders.tables.subjects import Subject, resolve

# Column roles from the header words. A column takes the first role not yet taken that its
# header matches, so "Appeal date" is the appeal's date and "Officer rank" a rank.
_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "appeal_date",
        re.compile(r"\b(appeal|pat|tribunal)\b.*\b(date|when|month|year)\b|\bdate\b.*\b(appeal|pat)", re.I),
    ),
    ("appeal", re.compile(r"\b(appeal|pat|tribunal)", re.I)),
    (
        "allegation_date",
        re.compile(
            r"\b(allegation|incident|complaint|offence|conduct)\b.*\bdate\b|\bdate of (allegation|incident)", re.I
        ),
    ),
    ("date", re.compile(r"\b(date|year|when|month)\b", re.I)),
    ("investigator", re.compile(r"investigat|\binvestigating\b|\b(mode|level) of investigation", re.I)),
    ("rank", re.compile(r"\b(rank|grade|role)\b", re.I)),
    ("outcome", re.compile(r"\b(outcome|result|sanction|finding|disposal|decision)", re.I)),
    ("hearing", re.compile(r"\b(hearing|meeting|proceedings?|panel)\b", re.I)),
    ("officer", re.compile(r"\b(officer|name|subject|individual|member of staff)\b", re.I)),
    (
        "allegation",
        re.compile(r"\b(allegation|category|breach|misconduct|nature|standard|type|offence|complaint)", re.I),
    ),
    ("reference", re.compile(r"\b(ref|reference|case|id|number|no)\b\.?", re.I)),
)

# Investigations a force's own Professional Standards Department carries out (IOPC-directed and
# IOPC-supervised ones too: the PSD does the work).
_LOCAL = re.compile(r"^(local|force|psd|professional standards|supervised|directed|internal)\b", re.I)
_INDEPENDENT = re.compile(r"^independent\b", re.I)
_NO_APPEAL = re.compile(
    r"^(?:-|–|n/?a|none|no|nil|not appealed|no appeal|no appeal (?:lodged|made)|not applicable|\.\.)$", re.I
)
_APPEAL_ALLOWED = re.compile(
    r"\b(allowed|upheld|successful|succeeded|reinstated|reinstatement|overturned|quashed|set aside|substituted|"
    r"reduced|replaced)\b",
    re.I,
)
_APPEAL_DISMISSED = re.compile(r"\b(dismissed|rejected|unsuccessful|refused|failed|not upheld|withdrawn)\b", re.I)
_APPEAL_PENDING = re.compile(r"\b(pending|ongoing|awaiting|adjourned|lodged|listed)\b", re.I)
_ANON = re.compile(r"^(?:[A-Z]{1,2}\d{0,2}|\d{1,3})$")
_FORMER = re.compile(r"^(?:former|ex-?|retired|then)\s+", re.I)


def _columns(layout: Layout, mapping: Mapping) -> dict[str, int]:
    """Which column plays which role, from the header words."""
    out: dict[str, int] = {}
    for j, label in enumerate(layout.labels):
        spec = mapping.columns.get(label)
        if j == layout.subject_col or (spec is not None and spec.ignore):
            continue
        for role, rx in _ROLES:
            if role not in out and rx.search(label):
                out[role] = j
                break
    if layout.period_col is not None and "date" not in out and layout.period_col not in out.values():
        out["date"] = layout.period_col
    return out


def case_date(text: str) -> tuple[str, str] | None:
    """An ISO date of the precision the cell gives, and that precision; None for a span
    (a financial year or a quarter is no single day, month or year)."""
    p = parse_period(text, "month")
    if p is None:
        return None
    if p.kind == "date":
        return p.start.isoformat(), "day"
    if p.kind == "month":
        return p.start.isoformat()[:7], "month"
    if p.kind == "year":
        return str(p.start.year), "year"
    return None


@dataclass(frozen=True, slots=True)
class OfficerCell:
    """Who an officer cell names: "PC Jane Harlow", "DC A", "Officer B", "Sergeant"."""

    rank: str | None  # as written
    name: str | None  # a personal name ("Jane Harlow"), None when anonymised
    label: str | None  # an anonymising letter or number ("A", "B1"), None when named or rank only


def parse_officer(text: str, ranks: dict[str, str]) -> OfficerCell:
    """Split an officer cell into rank, name and anonymising label."""
    s = _FORMER.sub("", " ".join(text.split()))
    words = s.split(" ")
    rank: str | None = None
    for n in range(min(4, len(words)), 0, -1):
        head = " ".join(words[:n])
        if normalise_name(head.replace(".", " ")) in ranks:
            rank, words = head, words[n:]
            break
    if rank is None and words and words[0].lower() in {"officer", "constable"}:
        words = words[1:]  # "Officer A"
    rest = " ".join(words).strip(" ,;-")
    if not rest:
        return OfficerCell(rank, None, None)
    if _ANON.match(rest):
        return OfficerCell(rank, None, rest)
    return OfficerCell(rank, rest, None)


def _investigator(text: str, force: Subject) -> tuple[str, str, str] | None:
    """(id, class, name) of the body or force an "investigated by" cell names ("IOPC", "Local",
    "Independent", "Kent Police"); a local investigation is the force's Professional Standards
    Department. None when the cell names nothing known."""
    t = text.strip()
    if _LOCAL.match(t):
        return psd(force)
    subj = resolve(t)
    if subj is not None and subj.kind == "force":
        return subj.id, "PoliceForce", subj.name
    ref = reference()
    bodies = {b.entity_id: b for b in ref.bodies}
    found = ref.aliases.resolve(t)
    if found is None or found not in bodies:
        # "IOPC independent", "Independent (IOPC)": try each word group
        for part in re.split(r"[()/,;-]|\s+", t):
            hit = ref.aliases.resolve(part) if part.strip() else None
            if hit is not None and hit in bodies:
                found = hit
                break
    if (found is None or found not in bodies) and _INDEPENDENT.match(t):
        # An independent investigation is the complaints body's of the force's nation (the law).
        key = next(
            (COMPLAINTS_BODIES[c.strip()] for c in force.country.split(";") if c.strip() in COMPLAINTS_BODIES), None
        )
        found = next((b.entity_id for b in ref.bodies if b.id == key), None)
    if found is None or found not in bodies:
        return None
    return found, bodies[found].type, bodies[found].name


def psd(force: Subject) -> tuple[str, str, str]:
    """The force's Professional Standards Department, named and identified as articles do."""
    name = f"{force.name} Professional Standards Department"
    return make_id("OversightBody", name), "OversightBody", name


def _category(mapping: Mapping, scheme: str, label: str) -> str | None:
    """The concept for the words as written: the mapping's choice, else the match phrases."""
    if not label:
        return None
    key = mapping.categories.get(label.strip().lower())
    if key is not None and concept_exists(scheme, key):
        return key
    return match_concept(scheme, label)


def _appeal_category(mapping: Mapping, label: str) -> tuple[str, bool] | None:
    """(category, reverses the earlier outcome) for an appeal cell; None for a pending appeal.

    The cell's own words decide ("Allowed - reinstated", "Dismissed"): "dismissed" in an appeal
    column is the appeal's fate, never the officer's dismissal. An allowed appeal that names
    the sanction put in place ("allowed; final written warning substituted") takes that
    sanction's category, since that is the outcome that stands."""
    key = mapping.categories.get(label.strip().lower())
    if key is not None and concept_exists("outcome-category", key):
        return key, key != "appeal-dismissed"
    if _APPEAL_PENDING.search(label) and not (_APPEAL_ALLOWED.search(label) or _APPEAL_DISMISSED.search(label)):
        return None
    allowed = bool(_APPEAL_ALLOWED.search(label)) and not re.search(r"\bnot upheld\b", label, re.I)
    if not allowed:
        return ("appeal-dismissed", False) if _APPEAL_DISMISSED.search(label) else None
    rest = _APPEAL_ALLOWED.sub(" ", re.sub(r"\bappeal\w*\b", " ", label, flags=re.I))
    substituted = match_concept("outcome-category", rest)
    if substituted and substituted not in {"appeal-allowed", "appeal-dismissed", "dismissal"}:
        return substituted, True
    return "appeal-allowed", True


@dataclass(slots=True)
class _Row:
    """One case row being turned into its chain."""

    i: int
    row: list[str]
    cols: dict[str, int]

    def cell(self, role: str) -> str:
        j = self.cols.get(role)
        return self.row[j] if j is not None and j < len(self.row) else ""


def build_cases(path: Path, sheet: Sheet, layout: Layout, mapping: Mapping, source: Entity, skipped: Skipped) -> Facts:
    """One case chain per row of a case table; rows naming no known force go to ``skipped``."""
    cols = _columns(layout, mapping)
    where = f"sheet {sheet.name!r}" if sheet.name else None
    # An FOI response about one force's own officers names no force on its rows: the mapping
    # names the responding force (subject, or foi.force).
    fixed_name = mapping.subject or mapping.foi_force if layout.subject_col is None else None
    fixed = resolve(fixed_name) if fixed_name else None
    if fixed_name and (fixed is None or fixed.kind != "force"):
        raise LoadError(path, f"the mapping names {fixed_name!r} as the force of these cases, which is no known force")
    if (layout.subject_col is None and fixed is None) or ("allegation" not in cols and "outcome" not in cols):
        raise LoadError(
            path,
            "a table of cases needs a force column (or the responding force as `subject` in a mapping file) "
            "and an allegation/category or outcome column",
            where=where,
        )
    sc = layout.subject_col if layout.subject_col is not None else min(cols.values())
    chains = _Chains(path, sheet, layout, mapping, source, cols)
    for i, row in sheet.iter_rows(layout.first_row):
        if fixed is not None:
            if sum(1 for c in row if c) >= 2:  # else a note under the table
                _case_row(chains, skipped, sheet, cols, i, row, fixed, fixed_name or "")
            continue
        raw_force = row[sc] if sc < len(row) else ""
        others = [c for j, c in enumerate(row) if c and j != sc]
        if not raw_force:
            if len(others) >= 2:  # one cell alone is a note under the table
                raise LoadError(path, "this case has no force", line=sheet.ref(i, 0)[0], where=chains.where(i, sc))
            continue
        subj = resolve(raw_force)
        if subj is None or subj.kind != "force":
            if others:
                skipped.add(sheet.ref(i, sc)[0], chains.where(i, sc), raw_force, "unknown")
            continue  # else a note under the table
        _case_row(chains, skipped, sheet, cols, i, row, subj, raw_force)
    skipped.check("force")
    return chains.facts


def _case_row(
    chains: _Chains,
    skipped: Skipped,
    sheet: Sheet,
    cols: dict[str, int],
    i: int,
    row: list[str],
    force: Subject,
    raw_force: str,
) -> None:
    r = _Row(i, row, cols)
    inv_raw = r.cell("investigator")
    investigator = _investigator(inv_raw, force) if inv_raw else (force.id, "PoliceForce", force.name)
    if investigator is None:
        j = cols["investigator"]
        skipped.add(sheet.ref(i, j)[0], chains.where(i, j), inv_raw, "investigator")
        return
    chains.add(r, force, raw_force, investigator)


class _Chains:
    """Builds the entities and relations of every row's chain into one Facts."""

    def __init__(
        self, path: Path, sheet: Sheet, layout: Layout, mapping: Mapping, source: Entity, cols: dict[str, int]
    ) -> None:
        self.path, self.sheet, self.labels, self.mapping, self.cols = path, sheet, layout.labels, mapping, cols
        self.sid = source.id
        self.sc = layout.subject_col if layout.subject_col is not None else min(cols.values(), default=0)
        self.ranks = reference().rank_lookup()
        self.facts = Facts(source=source)
        self._seen: dict[str, Entity] = {}
        # a table of hearings ("Date of hearing", "Hearing outcome"): each row is a hearing the force held
        self.hearings = any(re.search(r"\bhearings?\b", x, re.I) for x in self.labels)

    def where(self, i: int, j: int) -> str:
        r = self.sheet.ref(i, j)[0]
        return (
            f"sheet {self.sheet.name!r}, " if self.sheet.name is not None else ""
        ) + f"row {r}, column {self.labels[j]!r}"

    def _loc(self, i: int, j: int) -> str:
        r = self.sheet.ref(i, j)[0]
        return (
            f"{self.sheet.name}!R{r}C{j + 1}" if self.sheet.name is not None else f"row {r}, column {self.labels[j]!r}"
        )

    def ev(self, i: int, j: int, quote: str) -> list[Evidence]:
        return [Evidence(self.sid, quote=quote, method="table", locator=self._loc(i, j))]

    def entity(self, eid: str, typ: str, name: str, props: Props, evidence: list[Evidence]) -> Entity:
        e = self._seen.get(eid)
        if e is None:
            e = self._seen[eid] = Entity(eid, typ, name, [], props, evidence)
            self.facts.entities.append(e)
        else:
            e.evidence.extend(ev for ev in evidence if ev not in e.evidence)
        return e

    def relate(self, typ: str, a: str, b: str, evidence: list[Evidence], props: Props | None = None) -> None:
        self.facts.relations.append(Relation(typ, a, b, props or {}, evidence))

    def error(self, message: str, i: int, j: int) -> LoadError:
        return LoadError(self.path, message, line=self.sheet.ref(i, j)[0], where=self.where(i, j))

    def add(self, r: _Row, force: Subject, raw_force: str, investigator: tuple[str, str, str]) -> None:
        i, cols, sc = r.i, self.cols, self.sc
        key = r.cell("reference") or f"row {self.sheet.ref(i, 0)[0]}"
        self.entity(force.id, "PoliceForce", force.name, {}, self.ev(i, sc, raw_force))
        target, who = self._officer(r, force, key)
        # Allegation: what was alleged, against whom
        alleg_label = r.cell("allegation")
        j_alleg = cols.get("allegation", sc)
        alleg_ev = self.ev(i, j_alleg, alleg_label or raw_force)
        alleg_id = hashed_id("Allegation", self.sid, key)
        aprops: Props = {"category": _category(self.mapping, "allegation-category", alleg_label) or "other"}
        if alleg_label:
            aprops["categoryLabel"] = alleg_label
        self._date(aprops, r, "allegation_date")
        self.entity(alleg_id, "Allegation", alleg_label or f"Allegation against {who}", aprops, alleg_ev)
        self.relate("AGAINST", alleg_id, target, alleg_ev)
        # Investigation (or hearing): who held it, into what
        inv_raw = r.cell("investigator")
        j_inv = cols.get("investigator", sc)
        inv_id, inv_type, inv_name = investigator
        if inv_id != force.id:
            props: Props = (
                {"kind": "professional standards department"}
                if inv_type == "OversightBody" and inv_name.endswith("Professional Standards Department")
                else {}
            )
            self.entity(inv_id, inv_type, inv_name, props, self.ev(i, j_inv, inv_raw or raw_force))
        hearing = r.cell("hearing")
        case_id = hashed_id("Investigation", self.sid, key)
        iprops: Props = {}
        self._date(iprops, r, "date")
        inv_ev = self.ev(i, j_inv, inv_raw or raw_force)
        if inv_raw and (hearing or self.hearings) and inv_id != force.id:
            # Investigated by a body (the IOPC, the PSD), heard by the force: two activities, both
            # into the allegation; the outcome is the hearing's.
            probe_id = hashed_id("Investigation", self.sid, key, "investigation")
            self.entity(probe_id, "Investigation", f"{_short(inv_id, inv_name)} investigation into {who}", {}, inv_ev)
            self.relate("CONCERNS", probe_id, alleg_id, inv_ev)
            self.relate("INVESTIGATED_BY", probe_id, inv_id, inv_ev)
            kind = hearing[:1].lower() + hearing[1:] if hearing else "misconduct hearing"
            self.entity(case_id, "Investigation", f"{force.name} {kind} into {who}", iprops, alleg_ev)
            self.relate("CONCERNS", case_id, alleg_id, alleg_ev)
            j_h = cols.get("hearing", sc)
            self.relate("INVESTIGATED_BY", case_id, force.id, self.ev(i, j_h, hearing or raw_force))
        else:
            if hearing:
                kind = hearing[:1].lower() + hearing[1:]
            else:
                kind = (
                    "investigation" if inv_raw else "misconduct hearing" if self.hearings else "misconduct proceedings"
                )
            held_by = _short(inv_id, inv_name) if inv_raw else force.name
            self.entity(case_id, "Investigation", f"{held_by} {kind} into {who}", iprops, alleg_ev)
            self.relate("CONCERNS", case_id, alleg_id, alleg_ev)
            self.relate("INVESTIGATED_BY", case_id, inv_id, inv_ev)
        out_raw = r.cell("outcome")
        if not out_raw:
            return
        j_out = cols["outcome"]
        category = _category(self.mapping, "outcome-category", out_raw)
        if category is None:
            raise self.error(
                f"cannot classify the outcome {out_raw!r} (no outcome-category concept matches; "
                "name it under `categories` in a mapping file)",
                i,
                j_out,
            )
        out_id = hashed_id("Outcome", self.sid, key)
        oprops: Props = {"category": category, "categoryLabel": out_raw}
        self._date(oprops, r, "date")
        out_ev = self.ev(i, j_out, out_raw)
        self.entity(out_id, "Outcome", out_raw, oprops, out_ev)
        self.relate("RESULTED_IN", case_id, out_id, out_ev, _edge_date(oprops))
        self._appeal(r, key, who, alleg_id, out_id, out_raw)

    def _appeal(self, r: _Row, key: str, who: str, alleg_id: str, out_id: str, out_raw: str) -> None:
        """An appeal column: the appeal is a hearing of its own, its outcome an outcome that
        REVERSES the first when the appeal was allowed."""
        raw = r.cell("appeal")
        if not raw or _NO_APPEAL.match(raw):
            return
        j = self.cols["appeal"]
        decided = _appeal_category(self.mapping, raw)
        if decided is None:
            if _APPEAL_PENDING.search(raw):
                return  # an appeal not yet decided has no outcome
            raise self.error(
                f"cannot tell whether the appeal {raw!r} was allowed or dismissed "
                "(name it under `categories` in a mapping file)",
                r.i,
                j,
            )
        category, reverses = decided
        ev = self.ev(r.i, j, raw)
        header = self.labels[j]
        tribunal = re.search(r"\b(pat|tribunal)\b", header + " " + raw, re.I)
        appeal_id = hashed_id("Investigation", self.sid, key, "appeal")
        aprops: Props = {}
        self._date(aprops, r, "appeal_date")
        by = "Police Appeals Tribunal appeal" if tribunal else "appeal"
        self.entity(appeal_id, "Investigation", f"{by} by {who} (against: {out_raw})", aprops, ev)
        self.relate("CONCERNS", appeal_id, alleg_id, ev)
        if tribunal:
            pat = next((b for b in reference().bodies if b.id == "police-appeals-tribunal"), None)
            if pat is not None:
                self.entity(pat.entity_id, pat.type, pat.name, {}, ev)
                self.relate("INVESTIGATED_BY", appeal_id, pat.entity_id, ev)
        result_id = hashed_id("Outcome", self.sid, key, "appeal")
        oprops: Props = {"category": category, "categoryLabel": raw}
        self._date(oprops, r, "appeal_date")
        self.entity(result_id, "Outcome", raw, oprops, ev)
        self.relate("RESULTED_IN", appeal_id, result_id, ev, _edge_date(oprops))
        if reverses:
            self.relate("REVERSES", result_id, out_id, ev, _edge_date(oprops))

    def _officer(self, r: _Row, force: Subject, key: str) -> tuple[str, str]:
        """The id the allegation is AGAINST (an officer, else the force) and how to name them."""
        i, cols = r.i, self.cols
        raw = r.cell("officer")
        rank_raw = r.cell("rank")
        cell = parse_officer(raw, self.ranks) if raw else OfficerCell(None, None, None)
        rank = rank_raw or cell.rank
        if not raw and not rank_raw:
            return force.id, force.name
        rank_norm = self.ranks.get(normalise_name(rank.replace(".", " "))) if rank else None
        j = cols["officer"] if raw else cols["rank"]
        ev = self.ev(i, j, raw or rank_raw)
        props: Props = {}
        if rank:
            props["rank"] = rank
            if rank_norm:
                props["rankNormalised"] = rank_norm
        if cell.name and len(cell.name.split()) >= 2:
            # a full name: the same person articles name (one node per name across sources)
            oid, name = make_id("Officer", cell.name), cell.name
            who = f"{rank} {cell.name}" if rank else cell.name
        elif cell.name:
            # a surname alone names someone, but not surely the same person elsewhere
            oid = hashed_id("Officer", self.sid, "officer", rank_norm or rank or "", cell.name)
            who = f"{rank} {cell.name}" if rank else cell.name
            name = who
        else:
            props["anonymised"] = True
            if cell.label:
                # "PC A" is one officer within this table, and nobody outside it
                oid = hashed_id("Officer", self.sid, "officer", rank_norm or rank or "", cell.label)
                who = f"{rank} {cell.label}" if rank else f"Officer {cell.label}"
                name = f"{who} ({force.name})"
            else:
                oid = hashed_id("Officer", self.sid, key)
                who = f"an unnamed {rank_norm or rank} ({key})"
                name = f"Unnamed {rank_norm or rank}, {force.name} ({key})"
        self.entity(oid, "Officer", name, props, ev)
        self.relate("SERVES_IN", oid, force.id, ev)
        return oid, who

    def _date(self, props: Props, r: _Row, role: str) -> None:
        raw = r.cell(role)
        found = case_date(raw) if raw else None
        if found is not None:
            props["date"], props["datePrecision"] = found


def _short(entity_id: str, name: str) -> str:
    """How a hearing or investigation names who held it: "IOPC", "Kent Police Professional ..."."""
    for b in reference().bodies:
        if b.entity_id == entity_id:
            return next((a for a in b.aliases if a.isupper() and 2 <= len(a) <= 6), b.name)
    return name


def _edge_date(props: Props) -> Props:
    return {"date": props["date"]} if "date" in props else {}
