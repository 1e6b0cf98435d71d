"""Tables listing individual cases (one row per allegation or hearing) -> case entities.

Each row becomes an Allegation (AGAINST an anonymised officer of the row's rank, or the
force), an Investigation that CONCERNS it and is INVESTIGATED_BY the force (or the body an
"investigated by" column names), and an Outcome both RESULTED_IN. Categories are concepts
of ontology/concepts.toml matched on the words as written, which stay in categoryLabel.
"""

from __future__ import annotations

import re
from pathlib import Path

from kb.identity import hashed_id
from kb.model import Entity, Evidence, Facts, Props, Relation
from kb.reference import reference
from loaders.base import LoadError
from loaders.tables.concepts import concept_exists, match_concept
from loaders.tables.layout import Layout
from loaders.tables.mapping import Mapping
from loaders.tables.periods import parse_period
from loaders.tables.read import Sheet
from loaders.tables.subjects import resolve

_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("investigator", re.compile(r"investigat", re.I)),
    ("rank", re.compile(r"\b(rank|grade|role)\b", re.I)),
    ("outcome", re.compile(r"\b(outcome|result|sanction|finding|disposal|decision)", re.I)),
    (
        "allegation",
        re.compile(r"\b(allegation|category|breach|misconduct|nature|standard|type|offence|complaint)", re.I),
    ),
    ("date", re.compile(r"\b(date|year|when|month)\b", re.I)),
    ("reference", re.compile(r"\b(ref|reference|case|id|number|no)\b\.?", re.I)),
)


def _columns(layout: Layout, mapping: Mapping) -> dict[str, int]:
    """Which column plays which role, from the header words (first match wins)."""
    out: dict[str, int] = {}
    for j, label in enumerate(layout.labels):
        spec = mapping.columns.get(label)
        if j == layout.subject_col or (spec is not None and spec.ignore):
            continue
        for role, rx in _ROLES:
            if role not in out and rx.search(label):
                out[role] = j
                break
    if layout.period_col is not None and "date" not in out:
        out["date"] = layout.period_col
    return out


def _iso(text: str) -> str:
    p = parse_period(text)
    if p is None:
        return text
    if p.kind == "date":
        return p.start.isoformat()
    if p.kind == "year":
        return str(p.start.year)
    return text


_LOCAL = re.compile(r"^(local|force|psd|professional standards|supervised|directed|internal)\b", re.I)


def _investigator(text: str, force_id: str) -> str | None:
    """The body or force an "investigated by" cell names ("IOPC", "Local", "Kent Police")."""
    if _LOCAL.match(text.strip()):
        return force_id
    subj = resolve(text)
    if subj is not None and subj.kind == "force":
        return subj.id
    ref = reference()
    found = ref.aliases.resolve(text)
    if found is None:
        # "IOPC independent", "Independent (IOPC)": try each word group
        for part in re.split(r"[()/,;-]|\s+", text):
            found = ref.aliases.resolve(part) if part.strip() else None
            if found is not None:
                break
    if found is None or not any(b.entity_id == found for b in ref.bodies):
        return None
    return found


def _category(mapping: Mapping, scheme: str, label: str) -> str | None:
    """The concept for the words as written: the mapping's choice, else the match phrases."""
    if not label:
        return None
    key = mapping.categories.get(label.strip().lower())
    if key is not None and concept_exists(scheme, key):
        return key
    return match_concept(scheme, label)


def build_cases(path: Path, sheet: Sheet, layout: Layout, mapping: Mapping, source: Entity) -> Facts:
    """One Allegation / Investigation / Outcome group per row of a case table."""
    cols = _columns(layout, mapping)
    if layout.subject_col is None or ("allegation" not in cols and "outcome" not in cols):
        raise LoadError(
            path,
            "a table of cases needs a force column and an allegation/category or outcome column",
            where=f"sheet {sheet.name!r}" if sheet.name else None,
        )
    ranks = reference().rank_lookup()
    sid = source.id
    labels = layout.labels
    facts = Facts(source=source)
    seen: set[str] = set()

    def loc(i: int, j: int) -> str:
        r = sheet.ref(i, j)[0]
        return f"{sheet.name}!R{r}C{j + 1}" if sheet.name is not None else f"row {r}, column {labels[j]!r}"

    def where(i: int, j: int) -> str:
        r = sheet.ref(i, j)[0]
        return (f"sheet {sheet.name!r}, " if sheet.name is not None else "") + f"row {r}, column {labels[j]!r}"

    def ev(i: int, j: int, quote: str) -> list[Evidence]:
        return [Evidence(sid, quote=quote, method="table", locator=loc(i, j))]

    def add(e: Entity) -> None:
        if e.id not in seen:
            seen.add(e.id)
            facts.entities.append(e)

    sc = layout.subject_col
    for i in range(layout.first_row, len(sheet.rows)):
        row = sheet.rows[i]

        def cell(role: str, row: list[str] = row) -> str:
            j = cols.get(role)
            return row[j] if j is not None and j < len(row) else ""

        raw_force = row[sc] if sc < len(row) else ""
        others = [c for j, c in enumerate(row) if c and j != sc]
        if not raw_force:
            if others:
                raise LoadError(path, "this case has no force", line=sheet.ref(i, 0)[0], where=where(i, sc))
            continue
        subj = resolve(raw_force)
        if subj is None or subj.kind != "force":
            if not others:
                continue  # a note under the table
            raise LoadError(path, f"unknown force {raw_force!r}", line=sheet.ref(i, 0)[0], where=where(i, sc))
        force_ev = ev(i, sc, raw_force)
        add(Entity(subj.id, "PoliceForce", subj.name, [], {}, force_ev))
        key = cell("reference") or f"row {sheet.ref(i, 0)[0]}"
        date_raw = cell("date")
        date = _iso(date_raw) if date_raw else None
        alleg_label = cell("allegation")
        alleg_id = hashed_id("Allegation", sid, key)
        target = subj.id
        rank_raw = cell("rank")
        if rank_raw:
            rank_norm = ranks.get(" ".join(rank_raw.lower().replace(".", " ").split()))
            officer_id = hashed_id("Officer", sid, key)
            props: Props = {"anonymised": True, "rank": rank_raw}
            if rank_norm:
                props["rankNormalised"] = rank_norm
            name = f"Unnamed {rank_norm or rank_raw}, {subj.name} ({key})"
            add(Entity(officer_id, "Officer", name, [], props, ev(i, cols["rank"], rank_raw)))
            facts.relations.append(Relation("SERVES_IN", officer_id, subj.id, {}, ev(i, cols["rank"], rank_raw)))
            target = officer_id
        j_alleg = cols.get("allegation", sc)
        aprops: Props = {"category": _category(mapping, "allegation-category", alleg_label) or "other"}
        if alleg_label:
            aprops["categoryLabel"] = alleg_label
        if date:
            aprops["date"] = date
        aname = f"{alleg_label or 'Allegation'} ({subj.name}, {key})"
        add(Entity(alleg_id, "Allegation", aname, [], aprops, ev(i, j_alleg, alleg_label or raw_force)))
        facts.relations.append(Relation("AGAINST", alleg_id, target, {}, ev(i, j_alleg, alleg_label or raw_force)))
        inv_id = hashed_id("Investigation", sid, key)
        investigator = subj.id
        inv_raw = cell("investigator")
        if inv_raw:
            found = _investigator(inv_raw, subj.id)
            if found is None:
                raise LoadError(
                    path,
                    f"unknown investigating body {inv_raw!r}",
                    line=sheet.ref(i, 0)[0],
                    where=where(i, cols["investigator"]),
                )
            investigator = found
            if found != subj.id:
                other = resolve(inv_raw) if found.startswith("force/") else None
                body = next((b for b in reference().bodies if b.entity_id == found), None)
                typ, name = ("PoliceForce", other.name) if other else (body.type, body.name) if body else ("", "")
                add(Entity(found, typ, name, [], {}, ev(i, cols["investigator"], inv_raw)))
        alleg_ev = ev(i, j_alleg, alleg_label or raw_force)
        add(Entity(inv_id, "Investigation", f"Investigation of {aname}", [], {}, alleg_ev))
        facts.relations.append(Relation("CONCERNS", inv_id, alleg_id, {}, alleg_ev))
        inv_ev = ev(i, cols.get("investigator", sc), inv_raw or raw_force)
        facts.relations.append(Relation("INVESTIGATED_BY", inv_id, investigator, {}, inv_ev))
        out_raw = cell("outcome")
        if out_raw:
            j_out = cols["outcome"]
            category = _category(mapping, "outcome-category", out_raw)
            if category is None:
                raise LoadError(
                    path,
                    f"cannot classify the outcome {out_raw!r} (no outcome-category concept matches)",
                    line=sheet.ref(i, 0)[0],
                    where=where(i, j_out),
                )
            out_id = hashed_id("Outcome", sid, key)
            oprops: Props = {"category": category, "categoryLabel": out_raw}
            if date:
                oprops["date"] = date
            add(Entity(out_id, "Outcome", f"{out_raw} ({subj.name}, {key})", [], oprops, ev(i, j_out, out_raw)))
            rprops: Props = {"date": date} if date else {}
            facts.relations.append(Relation("RESULTED_IN", inv_id, out_id, dict(rprops), ev(i, j_out, out_raw)))
            facts.relations.append(Relation("RESULTED_IN", alleg_id, out_id, dict(rprops), ev(i, j_out, out_raw)))
    return facts
