"""Periods from table headers: financial years, calendar years, quarters, months, dates.

"2016/17", "2016-17", "04/05" and "FY 2016/17" are financial years (1 April to 31 March);
"2019" a calendar year; "Q1 2019" a calendar quarter; "March 2019" and "Sep-19" a month,
read by default as a snapshot at the month's end ("as at 31 March 2019", the Home Office
workforce convention) and as the whole month when the mapping says ``period_type: month``;
"31 March 2019" / "31/03/2019" / "2019-03-31" a snapshot date; "X to Y" runs from the start
of X to the end of Y.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

_NOTES = re.compile(
    r"\s*(?:\*+|\((?:r|p|e|\d{1,2}|note\s*\d+)\)|\[(?:r|p|e|x|\d{1,2}|note\s*\d+)\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*$", re.I
)
_PREFIX = re.compile(r"^(?:fy|financial\s+year|year(?:\s+ending)?|as\s+at|at|in|calendar\s+year|cy)\s*:?\s*", re.I)
_FY = re.compile(r"^(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(?:q([1-4])\s*[\-/ ]?\s*(\d{4})|(\d{4})\s*[\-/ ]?\s*q([1-4]))$", re.I)
_MONTH = re.compile(r"^([a-z]{3,9})\.?[\s\-/']*(\d{4}|\d{2})$", re.I)
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]{3,9})\.?[\s\-,]+(\d{4})$", re.I)
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?$")
_MONTH_SPAN = re.compile(r"^([a-z]{3,9})\.?\s*(?:-|–|to)\s*([a-z]{3,9})\.?[\s,]+(\d{4})$", re.I)
_RANGE = re.compile(r"^(.+?)\s+(?:to|until|-|–)\s+(.+)$", re.I)


@dataclass(frozen=True, slots=True)
class Period:
    """A period: the words as written and its first and last days."""

    text: str
    start: date
    end: date
    kind: str  # financial-year | year | quarter | month | date | range | total


def _year(text: str) -> int | None:
    y = int(text)
    if len(text) == 2:
        y += 1900 if y >= 50 else 2000
    return y if 1900 <= y <= 2100 else None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _single(text: str, month_kind: str) -> Period | None:
    m = _FY.match(text)
    if m:
        a, b = _year(m.group(1)), _year(m.group(2)) if len(m.group(2)) == 4 else None
        if a is not None:
            if b is None:  # "2016/17", "04/05": the second part is the next year's last two digits
                b2 = int(m.group(2))
                b = a + 1 if (a + 1) % 100 == b2 % 100 else None
            if b == a + 1:
                return Period(text, date(a, 4, 1), date(b, 3, 31), "financial-year")
        return None
    m = _YEAR.match(text)
    if m:
        y = _year(m.group(1))
        return Period(text, date(y, 1, 1), date(y, 12, 31), "year") if y else None
    m = _QUARTER.match(text)
    if m:
        q = int(m.group(1) or m.group(4))
        y = _year(m.group(2) or m.group(3))
        if y is None:
            return None
        return Period(text, date(y, 3 * q - 2, 1), _month_end(y, 3 * q), "quarter")
    m = _MONTH.match(text)
    if m:
        mon = MONTHS.get(m.group(1).lower())
        y = _year(m.group(2))
        if mon is None or y is None:
            return None
        end = _month_end(y, mon)
        if month_kind == "month":
            return Period(text, date(y, mon, 1), end, "month")
        return Period(text, end, end, "date")
    m = _DAY_MONTH.match(text)
    if m:
        mon = MONTHS.get(m.group(2).lower())
        y = _year(m.group(3))
        return _date(text, y, mon, int(m.group(1))) if mon and y else None
    m = _DMY.match(text)
    if m:
        return _date(text, _year(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = _ISO.match(text)
    if m:
        return _date(text, _year(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def _date(text: str, y: int | None, mon: int | None, day: int) -> Period | None:
    if y is None or mon is None:
        return None
    try:
        d = date(y, mon, day)
    except ValueError:
        return None
    return Period(text, d, d, "date")


@lru_cache(maxsize=4096)
def parse_period(text: str, month_kind: str = "snapshot") -> Period | None:
    """The period a header or cell names, or None when it names none."""
    raw = text.strip()
    s = _NOTES.sub("", raw)
    s = _PREFIX.sub("", s).strip().rstrip(":").strip()
    if not s or len(s) > 60:
        return None
    p = _single(s, month_kind)
    if p is not None:
        return Period(raw, p.start, p.end, p.kind)
    m = _MONTH_SPAN.match(s)
    if m:
        a_mon, b_mon = MONTHS.get(m.group(1).lower()), MONTHS.get(m.group(2).lower())
        y = _year(m.group(3))
        if a_mon and b_mon and y:
            # "Apr-Jun 2019"; "Oct-Mar 2020" runs from October of the year before.
            start_year = y if a_mon <= b_mon else y - 1
            return Period(raw, date(start_year, a_mon, 1), _month_end(y, b_mon), "range")
    m = _RANGE.match(s)
    if m:
        a = _single(m.group(1).strip(), "month")
        b = _single(m.group(2).strip(), "month")
        if a is None and b is not None and m.group(1).strip().lower() in MONTHS:
            # "April to March 2019/20" style is rare; "April 2018 to March 2019" is the common form
            return None
        if a is not None and b is not None and a.start <= b.end:
            return Period(raw, a.start, b.end, "range")
    return None


def span(periods: list[Period], text: str) -> Period | None:
    """The period covering all ``periods`` (for a "Total" column)."""
    if not periods:
        return None
    return Period(text, min(p.start for p in periods), max(p.end for p in periods), "total")
