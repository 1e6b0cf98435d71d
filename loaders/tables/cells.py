"""Reading one table cell as a figure: numbers, footnote markers, suppression markers.

Official tables decorate numbers ("1,234", "12*", "85 (r)", "3.5%", "£1,200") and replace
small or unavailable ones with markers ("*", "..", "<5", "[c]"). A marker is never a zero:
it becomes a statistic with status "suppressed" and no value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Markers meaning "not published": suppressed for disclosure control, not available, not
# applicable. Compared after lower-casing and removing spaces.
SUPPRESSED = frozenset(
    {
        "*", "**", "***", "-", "–", "—", "--", "..", "...", ":", "x", "[x]", "[c]", "[z]", "[u]x",
        "c", "z", "n/a", "na", "n.a.", "n.a", "n/k", "nk", "n/r", "not available", "notavailable",
        "notknown", "unknown", "redacted", "suppressed", "[suppressed]", "[low]", "low", "~",
        "#", "[w]", "withheld", "notapplicable", "[redacted]", "nil*",
    }
)  # fmt: skip
_LESS_THAN = re.compile(r"^(?:<|&lt;|≤|<=|fewer\s+than|less\s+than|under)\s*(\d+)$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d+)\s*[-–]\s*(\d+)$")
# Footnote decorations after a number: "12*", "12 (r)", "12[r]", "12 [note 3]", "12¹", "12 (1)".
_NOTE = re.compile(
    r"\s*(?:\*+|†+|‡+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\((?:r|p|e|\d{1,2}|note\s*\d+)\)|\[(?:r|p|e|x|\d{1,2}|note\s*\d+)\])$",
    re.IGNORECASE,
)
_REVISED = re.compile(r"[\(\[]r[\)\]]", re.IGNORECASE)
_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:[, ]\d{3})+|\d+)?(?:\.\d+)?$")
# A figure's whole part has at most 15 digits: beyond that a float (what GraphQL, JSON and
# most tools read numbers as) cannot hold it exactly, and no count, share or sum of money in a
# police table is that large; such a cell is an ID or a mistake, and an error names it.
MAX_DIGITS = 15


@dataclass(frozen=True, slots=True)
class Cell:
    """A parsed value cell."""

    value: int | float | None
    status: str  # reported | suppressed | revised
    unit: str | None = None  # set when the cell itself says (%, £)
    qualifier: str | None = None


# Cells of plain integers, by their text: most figures repeat (a Cell is immutable).
INT_CELLS: dict[str, Cell] = {}


class CellError(ValueError):
    """The cell is neither a number nor a known marker."""


def parse_number(text: str) -> int | float | None:
    """'1,234' -> 1234, '12.50' -> 12.5; None when ``text`` is not a plain number."""
    if not _NUMBER.match(text) or not any(ch.isdigit() for ch in text):
        return None
    plain = text.replace(",", "").replace(" ", "")
    whole = plain.lstrip("+-").partition(".")[0].lstrip("0")
    if len(whole) > MAX_DIGITS:
        shown = text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text):,} characters)"
        raise CellError(f"{shown!r} is too large for a figure (more than {MAX_DIGITS} digits before the point)")
    if "." in plain:
        f = float(plain)
        return int(f) if f.is_integer() and len(plain.partition(".")[2].rstrip("0")) == 0 else f
    return int(plain)


def parse_cell(
    raw: str, extra_markers: frozenset[str] = frozenset(), zeros: frozenset[str] = frozenset()
) -> Cell | None:
    """Parse a value cell; None for an empty cell. Raises :class:`CellError` for text.

    ``extra_markers`` are more suppression markers; ``zeros`` are markers a table uses for
    zero (some tables print "-" for 0), both compared lower-cased without spaces.
    """
    text = raw.strip()
    if not text:
        return None
    # Fast path: most cells are plain integers, and small ones repeat (a Cell is immutable).
    if text.isdigit() and text.isascii() and len(text) <= MAX_DIGITS:
        cell = INT_CELLS.get(text)
        if cell is None:
            cell = Cell(int(text), "reported")
            if len(INT_CELLS) < 100_000:
                INT_CELLS[text] = cell
        return cell
    folded = text.lower().replace(" ", "")
    if zeros and folded in zeros:
        return Cell(0, "reported")
    if folded in SUPPRESSED or folded in extra_markers:
        return Cell(None, "suppressed")
    m = _LESS_THAN.match(text)
    if m:
        return Cell(None, "suppressed", qualifier="under")
    status = "reported"
    unit: str | None = None
    body = text
    # Strip trailing footnote decorations (possibly several: "12* (r)").
    for _ in range(3):
        m2 = _NOTE.search(body)
        if not m2 or m2.start() == 0:
            break
        if _REVISED.search(m2.group(0)):
            status = "revised"
        body = body[: m2.start()].rstrip()
    if body.lower().replace(" ", "") in SUPPRESSED:
        return Cell(None, "suppressed")
    if body.endswith("%"):
        unit, body = "percent", body[:-1].rstrip()
    elif body.startswith("£"):
        unit, body = "GBP", body[1:].lstrip()
    negative = body.startswith("(") and body.endswith(")")
    if negative:
        body = body[1:-1]
    num = parse_number(body)
    if num is None:
        if _RANGE.match(body):
            # A banded count ("0-4") is published instead of the exact figure.
            return Cell(None, "suppressed", qualifier="about")
        raise CellError(f"cannot read {raw!r} as a number or a suppression marker")
    return Cell(-num if negative else num, status, unit)


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: whole floats without '.0', dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return value.strip()
    iso = getattr(value, "isoformat", None)
    if callable(iso):
        text = str(iso())
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value).strip()
