"""Turning a sheet and its layout into Statistic entities with ABOUT relations.

This is the hot loop of the table loader: work that depends only on a column or a distinct
cell text (measure names, periods, subjects) is done once and cached; per cell there is one
parse, one digest and three small objects.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.identity import make_id
from kb.model import Entity, Evidence, Facts, Props, Relation
from kb.ontology import ontology
from loaders.base import LoadError
from loaders.tables.cells import Cell, CellError, parse_cell
from loaders.tables.concepts import concept_exists, match_concept
from loaders.tables.layout import Layout
from loaders.tables.mapping import ColumnSpec, Mapping
from loaders.tables.meta import TableMeta
from loaders.tables.objects import about, statistic, table_evidence
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
    """Where one table's cells are (for evidence and errors) and the subjects met so far."""

    def __init__(self, path: Path, sheet: Sheet, source_id: str, labels: list[str]) -> None:
        self.path = path
        self.sheet = sheet
        self.source_id = source_id
        self.subjects: dict[str, Entity] = {}
        self.labels = labels

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
        row = self.sheet.ref(i, j if j is not None else 0)[0]
        return LoadError(self.path, message, line=row, where=self.where(i, j))

    def subject(self, subj: Subject, raw: str, i: int, j: int) -> None:
        props: Props = {}
        if subj.type == "Place" and subj.country:
            props["country"] = subj.country
        ev = Evidence(self.source_id, quote=raw, method="table", locator=self.locator(i, j))
        self.subjects[subj.id] = Entity(subj.id, subj.type, subj.name, [], props, [ev])


# A row ready for its figures: grid index, cells, subject, the subject cell as written, and for
# a "Total" row replayed after the pass, its period and measure parts worked out in its place.
_Item = tuple[int, list[str], Subject, str, "tuple[str, tuple[str, ...]] | None"]
# What one figure column of a row gives: the column, its index, measure, period, props template
# (None: no measure name), the end of the statistic's name, the end of its id text, and the
# statistics with that id text so far by subject id.
_Fig = tuple["Column", int, str, "When | None", "Props | None", str, str, "dict[str, Entity]"]


def build_statistics(
    path: Path,
    sheet: Sheet,
    layout: Layout,
    mapping: Mapping,
    meta: TableMeta,
    source: Entity,
    skipped: Skipped,
    max_figures: int = 2_000_000,
) -> Facts:
    """All statistics of one sheet, or a LoadError for the first cell that cannot be read.

    One pass over the rows, as they stream from the file: each row's subject is resolved and
    its figures become statistics at once, so an error stops the load where it is. "Total" rows
    wait for the end of the pass, when the forces of the table say what a total covers. Rows
    naming no known subject go to ``skipped`` (an error at the end when it is strict).

    This is the hot loop of the table loader: work that depends only on a column or a distinct
    cell text (measure names, periods, subjects, units, concepts) is done once and cached; per
    figure there is one digest, one props dict copied from its column's template, and the
    Evidence, Entity and Relation the store keeps."""
    cols = plan_columns(path, sheet, layout, mapping, meta)
    # Evidence names a column by its header, with the group header above it when there is one
    # ("31 March 2003 / Officers (FTE)"), so that columns with the same header stay distinct.
    shown = [f"{g} / {lab}" if g and g != lab else lab for g, lab in zip(layout.groups, layout.labels, strict=True)]
    b = _Builder(path, sheet, source.id, shown)
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
    forces: dict[str, Subject] = {}
    width = layout.width if layout.width is not None else 1 << 30
    deferred: list[_Item] = []

    def subject_rows() -> Iterator[_Item]:
        """The rows holding figures, with their subjects (skipped rows reported)."""
        last: Subject | None = None
        last_raw = ""
        skipping: str | None = None  # the unknown subject whose rows (and blank repeats) are skipped
        for i, row in sheet.iter_rows(layout.first_row):
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
                    yield i, row, fixed, mapping.subject or "", None
                continue
            assert sc is not None
            raw = row[sc] if sc < n else ""
            if ignore_rows and raw.strip().lower() in ignore_rows:
                continue
            if not raw:
                if has_values and carry and skipping is not None:
                    skipped.add(sheet.ref(i, sc)[0], b.where(i, sc), skipping, "continues")
                    continue
                if has_values and carry and last is not None:
                    # A force named once above its rows (merged cells, or blank repeats): inherit it.
                    yield i, row, last, last_raw, None
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
            if subj.kind == "force" and subj.id not in forces:
                forces[subj.id] = subj
            last, last_raw = subj, raw
            yield i, row, subj, raw, None

    def totals() -> Iterator[_Item]:
        """After the pass: the "Total" rows, now that the table's forces are known."""
        skipped.check()
        if deferred:
            total = total_subject(list(forces.values()), mapping.total)
            for i, row, _, raw, pre in deferred:
                yield i, row, total, raw, pre

    pc = layout.period_col
    dims = layout.dim_cols
    labels = layout.labels
    dim_names: dict[tuple[str, ...], tuple[str, str]] = {}
    row_whens: dict[str, When] = {}
    last_ptext = ""
    last_parts: tuple[str, ...] = ("",) * len(dims)
    # Text columns named like "Measure" name what is counted; others ("Rank", "Sex") break it down.
    default_given = bool(mapping.measure or meta.measure)
    measure_dims = {d for d in dims if _MEASURE_DIM.search(labels[d]) or labels[d] == mapping.measure_column}
    if dims and not measure_dims and len(dims) == 1 and not any(c.measure for c in cols) and not default_given:
        measure_dims = set(dims)  # a lone text column with nothing else naming the measure
    default_measure = default_measure_name(path, mapping, meta)

    # Per figure: everything that depends only on the column, bound once.
    sid_prefix = ontology().slug("Statistic") + "/"
    source_id = source.id
    sha = _sha256
    evidence, new_statistic, new_about = table_evidence(source_id), statistic, about
    no_aliases: list[str] = []  # shared by the table's statistics (see loaders.tables.objects)
    no_props: Props = {}
    entities: list[Entity] = []
    relations: list[Relation] = []
    add_entity, add_relation = entities.append, relations.append
    # Statistics by the end of their id text, then by subject id: a repeated id is a repeated
    # figure. Many small dicts, not one keyed by id: a dict of millions of ids is a cache miss
    # per figure (a tenth of the load time of a long table).
    seen: dict[str, dict[str, Entity]] = {}
    measures: dict[str, tuple[str | None, str | None]] = {}
    suppressed, zeros = mapping.suppressed, mapping.zeros
    # Cells by their text: figures repeat, and each keeps its text twice (valueText, quote).
    cells: dict[str, tuple[str, Cell]] = {}
    known_cells, max_cells = cells.get, 100_000
    fast_loc = sheet.pivot is None
    row0 = sheet.offset + 1  # grid row 0 is this row of the file
    if sheet.name is not None:
        col_loc = {c.index: f"C{c.index + 1}" for c in cols}
    else:
        col_loc = {c.index: f", column {shown[c.index]!r}" for c in cols}
    row_head = f"{sheet.name}!R" if sheet.name is not None else "row "
    plan = [(c, c.index, c.measure, when_of(c.period)) for c in cols]
    subjects = b.subjects

    def when_of_text(ptext: str, i: int) -> When | None:
        if pc is None:
            return None
        found = row_whens.get(ptext)
        if found is None:
            found = when_of(parse_period(ptext, mapping.period_type) if ptext else None)
            if found is None:
                raise b.error(f"cannot read {ptext!r} as a period", i, pc)
            row_whens[ptext] = found
        return found

    def dim_names_of(parts: tuple[str, ...]) -> tuple[str, str]:
        cached = dim_names.get(parts)
        if cached is None:
            cached = dim_names[parts] = (
                " - ".join(v for d, v in zip(dims, parts, strict=True) if v and d in measure_dims),
                "; ".join(f"{labels[d]}: {v}" for d, v in zip(dims, parts, strict=True) if v and d not in measure_dims),
            )
        return cached

    def row_plan(ptext: str, parts: tuple[str, ...], i: int) -> list[_Fig]:
        """What every figure column of a row with this period text and these measure parts
        gives: measure, period, the props template, the end of the name and of the id text."""
        row_when = when_of_text(ptext, i)
        dim_parts = dim_names_of(parts) if dims else ("", "")
        out: list[_Fig] = []
        for col, j, col_measure, col_when in plan:
            measure = _compose(dim_parts[0], col_measure, dim_parts[1], default_measure) if dims else col_measure
            when = row_when or col_when
            if not measure:
                out.append((col, j, "", when, None, "", "", {}))
                continue
            template, suffix = _template(col, measure, when, measures)
            start, end = (when[1], when[2]) if when is not None else ("", "")
            tail = f"\x1f{measure}\x1f{start}\x1f{end}\x1f{source_id}"
            out.append((col, j, measure, when, template, suffix, tail, seen.setdefault(tail, {})))
        return out

    # Rows share their plan when their period and measure parts are the same (in a long table,
    # every force's row for a year and measure); kept for up to this many distinct rows.
    row_plans: dict[tuple[str, tuple[str, ...]], list[_Fig]] = {}
    max_plans = 50_000
    single_dim = dims[0] if len(dims) == 1 else None
    last_dim = max(dims, default=0)
    dims_of = operator.itemgetter(*dims) if len(dims) > 1 else operator.itemgetter(0)  # used for 2+ dims

    for i, row, subj, raw_subj, pre in itertools.chain(subject_rows(), totals()):
        n = len(row)
        if pre is None:
            ptext = ""
            if pc is not None:
                ptext = (row[pc] if pc < n else "") or last_ptext
                last_ptext = ptext
            parts: tuple[str, ...] = ()
            if dims:
                if single_dim is not None:
                    parts = ((row[single_dim] if single_dim < n else "") or last_parts[0],)
                elif n > last_dim:
                    parts = dims_of(row)
                    if "" in parts:
                        parts = tuple([v or last_parts[k] for k, v in enumerate(parts)])
                else:
                    parts = tuple([(row[d] if d < n else "") or last_parts[k] for k, d in enumerate(dims)])
                last_parts = parts
            if subj.kind == "total":
                deferred.append((i, row, subj, raw_subj, (ptext, parts)))
                continue
        else:
            ptext, parts = pre
        rp = row_plans.get((ptext, parts))
        if rp is None:
            rp = row_plan(ptext, parts, i)
            if len(row_plans) < max_plans:
                row_plans[(ptext, parts)] = rp
        subj_id = subj.id
        if subj_id not in subjects:
            b.subject(subj, raw_subj, i, sc or 0)
        subj_name = subj.name
        for col, j, measure, when, template, suffix, key_tail, same_tail in rp:
            raw = row[j] if j < n else ""
            if not raw:
                continue
            if template is None:
                raise b.error("no measure name for this figure", i, j)
            known = known_cells(raw)
            if known is None:
                try:
                    cell = parse_cell(raw, suppressed, zeros)
                except CellError as exc:
                    raise b.error(str(exc), i, j) from None
                if cell is None:
                    continue
                if len(cells) < max_cells:
                    cells[raw] = (raw, cell)
            else:
                raw, cell = known  # the first copy of this text: one string for all its figures
            prev = same_tail.get(subj_id)
            if prev is not None:
                if prev.props["valueText"] == raw:
                    continue  # the same figure repeated (a duplicated row): one statistic
                raise b.error(
                    f"two different figures ({prev.props['valueText']!r} at {prev.evidence[0].locator}, {raw!r} "
                    "here) for the same subject, measure and period; name the extra column in a mapping file",
                    i,
                    j,
                )
            # Same formula as kb.identity.hashed_id, inlined: this runs once per figure.
            sid = sid_prefix + sha((subj_id + key_tail).encode()).hexdigest()[:20]
            if cell.unit is None and cell.qualifier is None:
                props = template.copy()
                props["status"] = "revised" if col.revised and cell.status == "reported" else cell.status
                props["valueText"] = raw
                value = cell.value
                if value is None:
                    del props["value"]
                else:
                    props["value"] = value
                name = f"{measure}: {subj_name}{suffix}"
            else:
                props, name = _props(col, measure, when, cell, raw, measures, subj_name)
            cited = [evidence(raw, f"{row_head}{i + row0}{col_loc[j]}" if fast_loc else b.locator(i, j))]
            stat = same_tail[subj_id] = new_statistic(sid, name, props, cited, no_aliases)
            add_entity(stat)
            add_relation(new_about(sid, subj_id, cited, no_props))
        if len(entities) > max_figures:
            raise b.error(
                f"the table holds more than {max_figures:,} figures, over the limit for one table; split the file",
                i,
            )
    facts = Facts(source=source)
    facts.entities.extend(subjects.values())
    facts.entities.extend(entities)
    facts.relations.extend(relations)
    return facts


def _known(measure: str, measures: dict[str, tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """The measure's concept and the unit its words give, worked out once per measure."""
    known = measures.get(measure)
    if known is None:
        known = measures[measure] = (match_concept("measure", measure), _unit_of(measure))
    return known


def _template(
    col: Column, measure: str, when: When | None, measures: dict[str, tuple[str | None, str | None]]
) -> tuple[Props, str]:
    """The props every plain figure of this column, measure and period shares (status, text and
    value filled in per figure, in their places), and the end of its name (", 2019/20")."""
    concept, measure_unit = _known(measure, measures)
    unit = col.unit or measure_unit or "count"
    props: Props = {"measure": measure, "status": "", "valueText": "", "value": 0, "unit": unit}
    # The measure concepts are all counts: a rate or share of officers is not a headcount.
    concept = col.concept or (concept if unit == "count" else None)
    if concept:
        props["measureConcept"] = concept
    if when is not None:
        props["period"], props["periodStart"], props["periodEnd"] = when
    return props, f", {when[0]}" if when is not None else ""


def _props(
    col: Column,
    measure: str,
    when: When | None,
    cell: Cell,
    raw: str,
    measures: dict[str, tuple[str | None, str | None]],
    subject_name: str,
) -> tuple[Props, str]:
    """Props and name of a figure whose cell gives its own unit ("12%", "£1,200") or qualifier ("<5")."""
    concept, measure_unit = _known(measure, measures)
    status = "revised" if col.revised and cell.status == "reported" else cell.status
    props: Props = {"measure": measure, "status": status, "valueText": raw}
    if cell.value is not None:
        props["value"] = cell.value
    unit = props["unit"] = col.unit or cell.unit or measure_unit or "count"
    if cell.qualifier:
        props["qualifier"] = cell.qualifier
    concept = col.concept or (concept if unit == "count" else None)
    if concept:
        props["measureConcept"] = concept
    if when is not None:
        props["period"], props["periodStart"], props["periodEnd"] = when
        return props, f"{measure}: {subject_name}, {when[0]}"
    return props, f"{measure}: {subject_name}"
