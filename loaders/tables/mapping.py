"""The optional mapping file beside a table: what auto-detection cannot know or gets wrong.

``<table stem>.mapping.yaml`` (or ``.yml`` / ``.toml``) next to ``<table stem>.csv``. Every
key is optional; see docs/tables.md for the format and an example.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loaders.base import LoadError
from loaders.tables.concepts import concept_exists

MAPPING_SUFFIXES = (".mapping.yaml", ".mapping.yml", ".mapping.toml")
_KNOWN = {
    "title", "publisher", "url", "published", "kind", "encoding", "delimiter", "sheet", "sheets", "header_row",
    "subject", "subject_column", "period", "period_column", "period_type", "measure", "measure_column",
    "unit", "columns", "ignore", "ignore_rows", "suppressed", "zeros", "total", "foi", "table", "categories",
}  # fmt: skip
_FOI_KEYS = {"reference", "question", "date", "force", "requester"}


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """Overrides for one value column."""

    measure: str | None = None
    unit: str | None = None
    concept: str | None = None
    period: str | None = None
    ignore: bool = False


@dataclass(frozen=True)
class Mapping:
    """Parsed mapping file (all fields optional)."""

    path: Path | None = None
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    kind: str | None = None  # dataset | foi-table | cases
    encoding: str | None = None
    delimiter: str | None = None
    sheets: tuple[str, ...] = ()
    header_row: int | None = None
    subject_column: str | None = None
    subject: str | None = None  # a fixed subject for every row (a national series)
    period: str | None = None
    period_column: str | None = None
    period_type: str = "snapshot"  # how month headers read: snapshot (month end) | month
    measure: str | None = None
    measure_column: str | None = None
    unit: str | None = None
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    suppressed: frozenset[str] = frozenset()
    zeros: frozenset[str] = frozenset()  # markers that mean 0 in this table (e.g. "-")
    total: str | None = None
    ignore_rows: frozenset[str] = frozenset()
    # Case tables: words as written (lower case) -> allegation or outcome concept key.
    categories: dict[str, str] = field(default_factory=dict)
    foi_reference: str | None = None
    foi_question: str | None = None
    foi_date: str | None = None
    foi_force: str | None = None


def find_mapping(table: Path) -> Path | None:
    """The mapping file beside ``table``, if any."""
    for suffix in MAPPING_SUFFIXES:
        for stem in (table.stem, table.name):
            p = table.with_name(stem + suffix)
            if p.is_file():
                return p
    return None


def _str(path: Path, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    raise LoadError(path, f"mapping key {key!r} must be text, not {type(value).__name__}")


def read_mapping(path: Path) -> Mapping:
    """Parse and check a mapping file; unknown keys are errors (they are usually typos)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        raw = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise LoadError(path, f"cannot read the mapping file: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise LoadError(path, "a mapping file must be a set of `key: value` entries")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise LoadError(path, f"unknown mapping key {unknown[0]!r} (known: {', '.join(sorted(_KNOWN))})")

    def s(key: str) -> str | None:
        return _str(path, key, raw.get(key))

    subject = raw.get("subject")
    subject_column = s("subject_column")
    fixed_subject: str | None = None
    if isinstance(subject, dict):
        subject_column = _str(path, "subject.column", subject.get("column")) or subject_column
        fixed_subject = _str(path, "subject.name", subject.get("name"))
    elif subject is not None:
        fixed_subject = _str(path, "subject", subject)
    sheets: tuple[str, ...] = ()
    if raw.get("sheet") is not None:
        sheets = (str(raw["sheet"]),)
    if raw.get("sheets") is not None:
        if not isinstance(raw["sheets"], list):
            raise LoadError(path, "mapping key 'sheets' must be a list of sheet names")
        sheets = tuple(str(x) for x in raw["sheets"])
    columns: dict[str, ColumnSpec] = {}
    raw_cols = raw.get("columns") or {}
    if not isinstance(raw_cols, dict):
        raise LoadError(path, "mapping key 'columns' must map column headers to settings")
    for header, spec in raw_cols.items():
        if spec == "ignore" or spec is False:
            columns[str(header)] = ColumnSpec(ignore=True)
        elif isinstance(spec, str):
            columns[str(header)] = ColumnSpec(measure=spec)
        elif isinstance(spec, dict):
            bad = sorted(set(spec) - {"measure", "unit", "concept", "period", "ignore"})
            if bad:
                raise LoadError(path, f"column {header!r}: unknown setting {bad[0]!r}")
            columns[str(header)] = ColumnSpec(
                measure=_str(path, "measure", spec.get("measure")),
                unit=_str(path, "unit", spec.get("unit")),
                concept=_str(path, "concept", spec.get("concept")),
                period=_str(path, "period", spec.get("period")),
                ignore=bool(spec.get("ignore", False)),
            )
        else:
            raise LoadError(path, f"column {header!r}: expected a measure name or a table of settings")
    for header in raw.get("ignore") or []:
        columns[str(header)] = ColumnSpec(ignore=True)
    foi = raw.get("foi") or {}
    if not isinstance(foi, dict):
        raise LoadError(path, "mapping key 'foi' must be a table (reference, question, date, force)")
    bad_foi = sorted(set(foi) - _FOI_KEYS)
    if bad_foi:
        raise LoadError(path, f"unknown foi key {bad_foi[0]!r} (known: {', '.join(sorted(_FOI_KEYS))})")
    cats = raw.get("categories") or {}
    if not isinstance(cats, dict) or not all(isinstance(v, str) for v in cats.values()):
        raise LoadError(path, "mapping key 'categories' must map words in the table to concept keys")
    for words, key in cats.items():
        if not any(concept_exists(s, key) for s in ("allegation-category", "outcome-category")):
            raise LoadError(path, f"categories: {words!r} maps to {key!r}, which is no allegation or outcome concept")
    header_row = raw.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise LoadError(path, "header_row must be a row number (1 = the first row)")
    period_type = s("period_type") or "snapshot"
    if period_type not in {"snapshot", "month"}:
        raise LoadError(path, "period_type must be 'snapshot' or 'month'")
    kind = s("kind")
    if kind is not None and kind not in {"dataset", "foi-table", "cases"}:
        raise LoadError(path, "kind must be 'dataset', 'foi-table' or 'cases'")
    return Mapping(
        path=path,
        title=s("title") or s("table"),
        publisher=s("publisher"),
        url=s("url"),
        published=s("published"),
        kind=kind,
        encoding=s("encoding"),
        delimiter=s("delimiter"),
        sheets=sheets,
        header_row=header_row,
        subject_column=subject_column,
        subject=fixed_subject,
        period=s("period"),
        period_column=s("period_column"),
        period_type=period_type,
        measure=s("measure"),
        measure_column=s("measure_column"),
        unit=s("unit"),
        columns=columns,
        suppressed=frozenset(str(x).lower().replace(" ", "") for x in raw.get("suppressed") or []),
        zeros=frozenset(str(x).lower().replace(" ", "") for x in raw.get("zeros") or []),
        total=s("total"),
        categories={str(k).strip().lower(): v for k, v in cats.items()},
        ignore_rows=frozenset(str(x).strip().lower() for x in raw.get("ignore_rows") or []),
        foi_reference=_str(path, "foi.reference", foi.get("reference")),
        foi_question=_str(path, "foi.question", foi.get("question")),
        foi_date=_str(path, "foi.date", foi.get("date")),
        foi_force=_str(path, "foi.force", foi.get("force")),
    )
