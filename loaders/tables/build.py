"""Turning a sheet and its layout into Statistic entities with ABOUT relations.

This is the hot loop of the table loader: work that depends only on a column or a distinct
cell text (measure names, periods, subjects) is done once and cached; per cell there is one
parse, one digest and three small objects.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kb.identity import make_id
from kb.model import Entity, Evidence, Facts, Props, Relation
from kb.ontology import ontology
from loaders.base import LoadError
from loaders.tables.cells import CellError, parse_cell
from loaders.tables.concepts import concept_exists, match_concept
from loaders.tables.layout import Layout
from loaders.tables.mapping import ColumnSpec, Mapping
from loaders.tables.meta import TableMeta
from loaders.tables.periods import Period, parse_period, span
from loaders.tables.read import Sheet
from loaders.tables.skips import Skipped
from loaders.tables.subjects import Subject, resolve, total_subject

_sha256 = hashlib.sha256
_GENERIC = re.compile(r"^(value|values|count|number|no\.?|n|figure|figures|amount|total|data|obs|observation)$", re.I)
_MEASURE_DIM = re.compile(
    r"\b(measure|indicator|variable|metric|statistic|category|type|description|item|series name)\b", re.I
)
_REVISED_HEADER = re.compile(r"[\(\[]r[\)\]]\s*$", re.I)
_TOTAL_HEADER = re.compile(r"^(total|totals|all years|all periods|grand total|overall)\b", re.I)
_PERCENT = re.compile(r"(%|\bper ?cent\b|\bpercentage\b)", re.I)
_PROPORTION = re.compile(r"\bproportion\b", re.I)
_PER = re.compile(r"\bper\s+(\d[\d,]*)", re.I)
_MONEY = re.compile(r"(£|\bgbp\b|\bcost\b|\bspend\b|\bpounds\b)", re.I)


# A period as the statistic stores it: (text as written, first day, last day) in ISO form.
When = tuple[str, str, str]


def when_of(period: Period | None) -> When | None:
    return (period.text, period.start.isoformat(), period.end.isoformat()) if period is not None else None


@dataclass(slots=True)
class Column:
    """What a value column measures (fixed parts; a long table adds per-row parts)."""

    index: int
    label: str
    measure: str | None  # None: the row's dimension cells name the measure
    period: Period | None
    unit: str | None
    concept: str | None
    revised: bool = False  # the header marks the whole column revised ("2018/19 (r)")


def _unit_of(text: str) -> str | None:
    """The unit a header names: percent, a rate "per 1,000", GBP; None for a plain count."""
    if _PERCENT.search(text):
        return "percent"
    m = _PER.search(text)
    if m:
        return f"per {int(m.group(1).replace(',', '')):,}"
    if _PROPORTION.search(text):
        return "proportion"
    if _MONEY.search(text):
        return "GBP"
    return None


def _period(mapping: Mapping, text: str | None, path: Path, where: str) -> Period | None:
    if not text:
        return None
    p = parse_period(text, mapping.period_type)
    if p is None:
        raise LoadError(path, f"cannot read {text!r} as a period", where=where)
    return p


def default_measure_name(path: Path, mapping: Mapping, meta: TableMeta) -> str:
    """The measure when nothing in the header says: the mapping's, the title's, the file name."""
    return mapping.measure or meta.measure or path.stem.replace("_", " ").replace("-", " ")


def _compose(named: str, column: str | None, breakdown: str, default: str) -> str:
    """A long table's measure: what the measure column names, the figure column, the breakdown."""
    head = named or column or default
    extra = [x for x in ((column if named else None), breakdown) if x]
    return f"{head} ({'; '.join(extra)})" if extra else head


def plan_columns(path: Path, sheet: Sheet, layout: Layout, mapping: Mapping, meta: TableMeta) -> list[Column]:
    """Measure, period and unit of every value column."""
    where = f"sheet {sheet.name!r}" if sheet.name else "mapping"
    fixed_period = _period(mapping, mapping.period, path, where) if mapping.period else None
    default_measure = default_measure_name(path, mapping, meta)
    cols: list[Column] = []
    for j in layout.value_cols:
        label, group = layout.labels[j], layout.groups[j]
        spec = mapping.columns.get(label) or mapping.columns.get(group) or ColumnSpec()
        period = _period(mapping, spec.period, path, where) if spec.period else None
        measure: str | None = spec.measure
        header_period = parse_period(label, mapping.period_type) or (parse_period(group) if group else None)
        if period is None and header_period is not None:
            period = header_period
            if measure is None:
                rest = group if header_period.text != group else label
                measure = rest if rest and not parse_period(rest) else None
        elif measure is None and not _TOTAL_HEADER.match(label):
            if group and not parse_period(group):
                measure = f"{group}: {label}" if not _GENERIC.match(label) else group
            elif not _GENERIC.match(label):
                measure = label
        if measure is None and not layout.dim_cols:
            measure = default_measure
        unit = spec.unit or mapping.unit or _unit_of(label) or _unit_of(group) or (_unit_of(measure or ""))
        concept = spec.concept
        if concept is not None and not concept_exists("measure", concept):
            raise LoadError(path, f"mapping names unknown measure concept {concept!r}", where=where)
        cols.append(Column(j, label, measure, period, unit, concept, bool(_REVISED_HEADER.search(label))))
    # A "Total" column beside period columns covers all of them.
    periods = [c.period for c in cols if c.period is not None and not _TOTAL_HEADER.match(c.label)]
    for c in cols:
        if c.period is None and _TOTAL_HEADER.match(c.label):
            c.period = span(periods, c.label) if periods else None
            if c.measure is None and not layout.dim_cols:
                c.measure = default_measure
    for c in cols:
        if c.period is None and layout.period_col is None:
            c.period = fixed_period or meta.period
    return cols


class _Builder:
    """Accumulates one source's statistics, checking every cell."""

    def __init__(self, path: Path, sheet: Sheet, source_id: str, mapping: Mapping, labels: list[str]) -> None:
        self.path = path
        self.sheet = sheet
        self.source_id = source_id
        self.mapping = mapping
        self.entities: list[Entity] = []
        self.relations: list[Relation] = []
        self.subjects: dict[str, Entity] = {}
        self.seen: dict[str, tuple[tuple[int, int], str]] = {}
        self._prefix = ontology().slug("Statistic") + "/"
        self._measures: dict[str, tuple[str | None, str | None]] = {}
        self._suppressed = mapping.suppressed
        self._zeros = mapping.zeros
        self.labels = labels
        self._fast_loc = sheet.pivot is None
        self._row0 = sheet.offset + 1  # grid row 0 is this row of the file
        self._loc = (sheet.name + "!R{}C{}") if sheet.name is not None else "row {}, column {!r}"

    def column_label(self, i: int, j: int) -> str:
        """The header of the file's column holding grid cell (i, j)."""
        pivot = self.sheet.pivot
        if pivot is None or i < pivot:
            return self.labels[j] if j < len(self.labels) else f"column {j + 1}"
        # A transposed table: the file's column header is the subject cell of this grid row.
        row = self.sheet.rows[i]
        return row[0] if row else f"column {i - pivot + 1}"

    def locator(self, i: int, j: int) -> str:
        """Where grid cell (i, j) (0-based) is in the file, for evidence."""
        row, col = self.sheet.ref(i, j)
        if self.sheet.name is not None:
            return f"{self.sheet.name}!R{row}C{col}"
        return f"row {row}, column {self.column_label(i, j)!r}"

    def where(self, i: int, j: int | None = None) -> str:
        """ "sheet 'X', row 14, column 'Force'" for grid cell (i, j)."""
        row, _ = self.sheet.ref(i, j if j is not None else 0)
        parts = [f"sheet {self.sheet.name!r}"] if self.sheet.name is not None else []
        parts.append(f"row {row}")
        if j is not None:
            parts.append(f"column {self.column_label(i, j)!r}")
        return ", ".join(parts)

    def error(self, message: str, i: int, j: int | None = None) -> LoadError:
        """A LoadError naming the file, sheet, row and column of grid cell (i, j)."""
        return LoadError(
            self.path, message, line=self.sheet.ref(i, j if j is not None else 0)[0], where=self.where(i, j)
        )

    def subject(self, subj: Subject, raw: str, i: int, j: int) -> None:
        if subj.id in self.subjects:
            return
        props: Props = {}
        if subj.type == "Place" and subj.country:
            props["country"] = subj.country
        ev = Evidence(self.source_id, quote=raw, method="table", locator=self.locator(i, j))
        self.subjects[subj.id] = Entity(subj.id, subj.type, subj.name, [], props, [ev])

    def add(
        self,
        subj: Subject,
        measure: str,
        when: When | None,
        col: Column,
        raw: str,
        i: int,
    ) -> None:
        """One statistic from one cell (nothing for an empty cell)."""
        try:
            cell = parse_cell(raw, self._suppressed, self._zeros)
        except CellError as exc:
            raise self.error(str(exc), i, col.index) from None
        if cell is None:
            return
        ptext, start, end = when if when is not None else ("", "", "")
        # Same formula as kb.identity.hashed_id, inlined: this runs once per cell.
        text = f"{subj.id}\x1f{measure}\x1f{start}\x1f{end}\x1f{self.source_id}"
        sid = self._prefix + _sha256(text.encode()).hexdigest()[:20]
        prev = self.seen.get(sid)
        if prev is not None:
            if prev[1] == raw:
                return  # the same figure repeated (a duplicated row): one statistic
            raise self.error(
                f"two different figures ({prev[1]!r} at {self.locator(*prev[0])}, {raw!r} here) for the same "
                "subject, measure and period; name the extra column in a mapping file",
                i,
                col.index,
            )
        self.seen[sid] = ((i, col.index), raw)
        status = "revised" if col.revised and cell.status == "reported" else cell.status
        props: Props = {"measure": measure, "status": status, "valueText": raw}
        if cell.value is not None:
            props["value"] = cell.value
        known = self._measures.get(measure)
        if known is None:
            known = self._measures[measure] = (match_concept("measure", measure), _unit_of(measure))
        unit = props["unit"] = col.unit or cell.unit or known[1] or "count"
        if cell.qualifier:
            props["qualifier"] = cell.qualifier
        # The measure concepts are all counts: a rate or share of officers is not a headcount.
        concept = col.concept or (known[0] if unit == "count" else None)
        if concept:
            props["measureConcept"] = concept
        if when is not None:
            props["period"] = ptext
            props["periodStart"] = start
            props["periodEnd"] = end
        name = f"{measure}: {subj.name}, {ptext}" if when is not None else f"{measure}: {subj.name}"
        if not self._fast_loc:
            loc = self.locator(i, col.index)
        elif self.sheet.name is not None:
            loc = self._loc.format(i + self._row0, col.index + 1)
        else:
            loc = self._loc.format(i + self._row0, self.labels[col.index])
        ev = Evidence(self.source_id, raw, None, None, "table", 1.0, loc)
        self.entities.append(Entity(sid, "Statistic", name, [], props, [ev]))
        self.relations.append(Relation("ABOUT", sid, subj.id, {}, [ev]))


def build_statistics(
    path: Path, sheet: Sheet, layout: Layout, mapping: Mapping, meta: TableMeta, source: Entity, skipped: Skipped
) -> Facts:
    """All statistics of one sheet, or a LoadError for the first cell that cannot be read.

    Rows naming no known subject go to ``skipped`` (an error at the end when it is strict)."""
    cols = plan_columns(path, sheet, layout, mapping, meta)
    # Evidence names a column by its header, with the group header above it when there is one
    # ("31 March 2003 / Officers (FTE)"), so that columns with the same header stay distinct.
    shown = [f"{g} / {lab}" if g and g != lab else lab for g, lab in zip(layout.groups, layout.labels, strict=True)]
    b = _Builder(path, sheet, source.id, mapping, shown)
    rows = sheet.rows
    sc = layout.subject_col
    fixed: Subject | None = None
    if mapping.subject is not None:
        named = resolve(mapping.subject)
        fixed = named if named is not None and named.kind != "total" else None
        fixed = fixed or Subject(make_id("Place", mapping.subject), "Place", mapping.subject, "place")
    value_idx = [c.index for c in cols]
    single = value_idx[0] if len(value_idx) == 1 else None  # long tables: one figure column
    ignore_rows = mapping.ignore_rows
    # Long tables (several rows per force) often name the force, measure or period once, above
    # blank cells (merged cells in a spreadsheet): a blank there repeats the row above.
    carry = bool(layout.dim_cols) or layout.period_col is not None
    # Pass 1: resolve every row's subject (so a "Total" row knows what the table covers).
    row_subjects: list[tuple[int, Subject, str]] = []
    forces: dict[str, Subject] = {}
    skipping: str | None = None  # the unknown subject whose rows (and blank repeats) are skipped
    width = layout.width if layout.width is not None else 1 << 30
    for i in range(layout.first_row, len(rows)):
        row = rows[i]
        if not row:
            continue
        n = len(row)
        if n > width:
            raise b.error(
                f"this row has {n} cells but the header only {width}: a figure with no column heading", i, n - 1
            )
        if single is not None:
            has_values = single < n and row[single] != ""
        else:
            has_values = any(j < n and row[j] for j in value_idx)
        if fixed is not None:
            if has_values:
                row_subjects.append((i, fixed, mapping.subject or ""))
            continue
        assert sc is not None
        raw = row[sc] if sc < n else ""
        if ignore_rows and raw.strip().lower() in ignore_rows:
            continue
        if not raw:
            if has_values and carry and skipping is not None:
                skipped.add(sheet.ref(i, sc)[0], b.where(i, sc), skipping, "continues")
                continue
            if has_values and carry and row_subjects:
                # A force named once above its rows (merged cells, or blank repeats): inherit it.
                row_subjects.append((i, row_subjects[-1][1], row_subjects[-1][2]))
                continue
            if has_values:
                raise b.error("this row has figures but no force or region name", i, sc)
            continue
        subj = resolve(raw)
        if subj is None:
            if not has_values:
                continue  # a note, source line or section heading: not data
            skipping = raw
            skipped.add(sheet.ref(i, sc)[0], b.where(i, sc), raw, "unknown")
            continue
        skipping = None
        if not has_values:
            continue  # a section heading such as "North East" above its forces
        if subj.kind == "force":
            forces.setdefault(subj.id, subj)
        row_subjects.append((i, subj, raw))
    skipped.check()
    total: Subject | None = None
    if any(s.kind == "total" for _, s, _ in row_subjects):
        total = total_subject(list(forces.values()), mapping.total)
    # Pass 2: one statistic per filled value cell.
    pc = layout.period_col
    dims = layout.dim_cols
    labels = layout.labels
    dim_names: dict[tuple[str, ...], tuple[str, str]] = {}
    composed: dict[tuple[tuple[str, str], int], str] = {}
    row_whens: dict[str, When] = {}
    col_whens = {c.index: when_of(c.period) for c in cols}
    last_ptext = ""
    last_parts: tuple[str, ...] = ("",) * len(dims)
    # Text columns named like "Measure" name what is counted; others ("Rank", "Sex") break it down.
    default_given = bool(mapping.measure or meta.measure)
    measure_dims = {d for d in dims if _MEASURE_DIM.search(labels[d]) or labels[d] == mapping.measure_column}
    if dims and not measure_dims and len(dims) == 1 and not any(c.measure for c in cols) and not default_given:
        measure_dims = set(dims)  # a lone text column with nothing else naming the measure
    default_measure = default_measure_name(path, mapping, meta)
    for i, subj, raw_subj in row_subjects:
        row = rows[i]
        n = len(row)
        if subj.kind == "total":
            assert total is not None
            subj = total
        b.subject(subj, raw_subj, i, sc or 0)
        row_when: When | None = None
        if pc is not None:
            ptext = (row[pc] if pc < n else "") or last_ptext
            row_when = row_whens.get(ptext)
            if row_when is None:
                row_when = when_of(parse_period(ptext, mapping.period_type) if ptext else None)
                if row_when is None:
                    raise b.error(f"cannot read {ptext!r} as a period", i, pc)
                row_whens[ptext] = row_when
            last_ptext = ptext
        dim_parts: tuple[str, str] = ("", "")
        if dims:
            parts = tuple([(row[d] if d < n else "") or last_parts[k] for k, d in enumerate(dims)])
            last_parts = parts
            cached = dim_names.get(parts)
            if cached is None:
                cached = dim_names[parts] = (
                    " - ".join(v for d, v in zip(dims, parts, strict=True) if v and d in measure_dims),
                    "; ".join(
                        f"{labels[d]}: {v}" for d, v in zip(dims, parts, strict=True) if v and d not in measure_dims
                    ),
                )
            dim_parts = cached
        for col in cols:
            j = col.index
            raw = row[j] if j < n else ""
            if not raw:
                continue
            measure = col.measure
            if dims:
                key = (dim_parts, j)
                measure = composed.get(key)
                if measure is None:
                    measure = composed[key] = _compose(dim_parts[0], col.measure, dim_parts[1], default_measure)
            if not measure:
                raise b.error("no measure name for this figure", i, j)
            b.add(subj, measure, row_when or col_whens[j], col, raw, i)
    facts = Facts(source=source)
    facts.entities.extend(b.subjects.values())
    facts.entities.extend(b.entities)
    facts.relations.extend(b.relations)
    return facts
