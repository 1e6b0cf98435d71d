"""Dates written in a sentence, as ISO strings of the precision the words give ("2023", "2023-05",
"2023-05-17") with that precision ("year", "month", "day"). A day and month without a year take the
article's year (the year before when that would put them after the article)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        )
    )
    for m in names
}
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MON})\.?(?:,?\s+(?P<y1>(?:19|20)\d\d))?"
    rf"|(?P<m2>{_MON})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>(?:19|20)\d\d))?"
    rf"|(?P<m3>{_MON})\.?\s+(?P<y3>(?:19|20)\d\d)"
    r"|(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)"
    r"|(?<![\d£$-])(?P<y4>(?:19|20)\d\d)(?![\d%-]|\s*(?:officers|complaints|cases|people))"
    r")\b",
    re.I,
)
# "May" is also a verb and a name: as a month it needs a day or a year beside it (the patterns above)
_AMBIGUOUS_MONTH = {"may", "march", "jan", "mar", "dec"}


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A date in the text: the ISO value, its precision and where it is (sentence offsets)."""

    value: str
    precision: str
    start: int
    end: int


def _year_of(day: int, month: int, published: str | None) -> int | None:
    if not published:
        return None
    pub = dt.date.fromisoformat(published[:10])
    try:
        guess = dt.date(pub.year, month, day)
    except ValueError:
        return None
    return pub.year - 1 if guess > pub else pub.year


def find_dates(text: str, published: str | None = None) -> list[DateSpan]:
    """Every date written in ``text`` (offsets relative to it)."""
    if not any(ch.isdigit() for ch in text):
        return []
    out: list[DateSpan] = []
    for m in _DATE.finditer(text):
        try:
            if m.group("iso"):
                d = dt.date.fromisoformat(m.group("iso"))
                out.append(DateSpan(d.isoformat(), "day", m.start(), m.end()))
            elif m.group("m1") or m.group("m2"):
                day = int(m.group("d1") or m.group("d2"))
                month = _MONTHS[(m.group("m1") or m.group("m2")).lower()]
                y = m.group("y1") or m.group("y2")
                year = int(y) if y else _year_of(day, month, published)
                if year is None:
                    continue
                out.append(DateSpan(dt.date(year, month, day).isoformat(), "day", m.start(), m.end()))
            elif m.group("m3"):
                month = _MONTHS[m.group("m3").lower()]
                out.append(DateSpan(f"{int(m.group('y3')):04d}-{month:02d}", "month", m.start(), m.end()))
            elif m.group("y4"):
                out.append(DateSpan(m.group("y4"), "year", m.start(), m.end()))
        except ValueError:
            continue  # "31 February": not a date
    return out


def published_date(published: str | None) -> tuple[str, str] | None:
    """The article's own date as (value, precision), when known."""
    if not published:
        return None
    return published[:10], "day"
