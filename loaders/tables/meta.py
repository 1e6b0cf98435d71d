"""The Source of a table: title and citation from the mapping file or the rows above the header.

Official tables put their title in the first row and often "Source: ...", "Publisher: ...",
a URL or "FOI reference: ..." lines above or below the figures; those lines make the table
citable without a sidecar file. Mapping-file values win over what the rows say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kb.identity import slugify
from kb.model import Entity, Props
from kb.reference import reference
from loaders.tables.mapping import Mapping
from loaders.tables.periods import Period, parse_period
from loaders.tables.read import MEDIA_TYPES

_KEY_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ()/.-]{1,40}?)\s*[:=]\s*(.+)$")
_URL = re.compile(r"https?://[^\s,;)\"'<>]+")
_TABLE_PREFIX = re.compile(r"^\s*(?:table|figure|chart|sheet)\s*[A-Z]?\d+[a-z]?\s*[:.\-–]\s*", re.I)
_MEASURE_CUT = re.compile(
    r"\s+(?:by|for|across|per|as at|in (?:the|england|wales|each|all|every|\d{4}))\s+|,\s+|\s+[-–]\s+", re.I
)
_PERIOD_IN_TEXT = re.compile(
    r"(?:year ending |as at |at |in )?"
    r"(\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{4}|\d{4}\s*/\s*\d{2,4}|\d{4}-\d{2}(?!\d)|\b\d{4}\b)"
)
_KEYS = {
    "publisher": "publisher", "published by": "publisher", "source": "source", "data source": "source",
    "url": "url", "link": "url", "web": "url", "website": "url", "published": "published",
    "date published": "published", "release date": "published", "publication date": "published",
    "foi reference": "foiReference", "foi ref": "foiReference", "foi number": "foiReference",
    "request reference": "foiReference", "reference": "foiReference", "request number": "foiReference",
    "foi request": "foiQuestion", "question": "foiQuestion", "request": "foiQuestion",
    "responding force": "force", "force": "force", "date of response": "responded", "response date": "responded",
    "title": "title", "table": "title",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TableMeta:
    """What the table says about itself."""

    title: str | None
    measure: str | None  # a measure name taken from the title
    period: Period | None  # a period named in the title
    props: Props


def read_meta(lines: list[str], mapping: Mapping, month_kind: str, cited: list[str] | None = None) -> TableMeta:
    """Title and citation from the free-text lines around a table, with mapping overrides.
    ``cited``: more lines that may cite the table but never title it (a workbook's cover and
    notes sheets: "FOI reference: ...", "Publisher: ...", a URL)."""
    found: dict[str, str] = {}
    title: str | None = None
    n_own = len(lines)
    for k, line in enumerate([*lines, *(cited or [])]):
        text = line.strip()
        if not text:
            continue
        m = _KEY_LINE.match(text)
        key = _KEYS.get(m.group(1).strip().lower()) if m else None
        url = _URL.search(text)
        if url:
            found.setdefault("url", url.group(0).rstrip("."))
        if m and key:
            value = m.group(2).strip()
            if key in {"publisher", "source"} and url:
                value = value.replace(url.group(0), "").strip(" ,;()-–") or value
            found.setdefault(key, value)
            continue
        if url or k >= n_own:
            continue
        if title is None and not text[:1].isdigit() and not text.startswith(("*", "Note", "note")):
            title = text
    title = mapping.title or found.get("title") or title
    props: Props = {}
    publisher = mapping.publisher or found.get("publisher") or found.get("source")
    force = mapping.foi_force or found.get("force")
    if force:
        f = reference().force(force, short=True)
        force = f.name if f else force
        publisher = publisher or force
    for key, val in (
        ("title", title),
        ("publisher", publisher),
        ("url", mapping.url or found.get("url")),
        ("published", mapping.published or mapping.foi_date or found.get("published") or found.get("responded")),
        ("foiReference", mapping.foi_reference or found.get("foiReference")),
        ("foiQuestion", mapping.foi_question or found.get("foiQuestion")),
    ):
        if val:
            props[key] = val
    published = props.get("published")
    if isinstance(published, str):
        p = parse_period(published)
        if p is not None and p.kind == "date":
            props["published"] = p.start.isoformat()
        else:
            del props["published"]  # not a date: dcterms:issued must be one
    return TableMeta(title, _measure_from_title(title), _period_from_text(title or "", month_kind), props)


def _measure_from_title(title: str | None) -> str | None:
    if not title:
        return None
    t = _TABLE_PREFIX.sub("", title).strip()
    t = _MEASURE_CUT.split(t, maxsplit=1)[0].strip(" .:;")
    if t.count("(") > t.count(")"):
        t = t[: t.rfind("(")].strip(" .:;")  # the cut fell inside a parenthesis: drop it
    return t or None


def _period_from_text(text: str, month_kind: str) -> Period | None:
    """The last period named in ``text`` ("... at 31 March 2019" -> 2019-03-31)."""
    found: Period | None = None
    for m in _PERIOD_IN_TEXT.finditer(text):
        p = parse_period(m.group(1), month_kind)
        if p is not None:
            found = p
    return found


def source_entity(
    path: Path, sheet: str | None, sha256: str, meta: TableMeta, mapping: Mapping, part: int | None = None
) -> Entity:
    """The Source entity for one table (one sheet of a workbook, or one of several tables on it)."""
    label = path.name + (f" {sheet}" if sheet else "") + (f" table {part}" if part else "")
    key = "table-" + slugify(label, max_len=120)
    foi = any(k in meta.props for k in ("foiReference", "foiQuestion")) or mapping.kind == "foi-table"
    props: Props = {
        "sha256": sha256,
        "sourceKind": "foi-table" if foi else "dataset",
        "file": path.name,
        "format": MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        **meta.props,
    }
    if sheet is not None:
        props["sheet"] = sheet
    name = meta.title or (f"{path.name} ({sheet})" if sheet else path.name)
    if part and not meta.title:
        name += f", table {part}"
    return Entity(f"source/{key}", "Source", name, props=props)
