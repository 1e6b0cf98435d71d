"""Figures in the text: value, qualifier, unit, the thing counted and the period covered."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from loaders.articles.lexicon import words
from loaders.concepts.phrases import tokens_rel

_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a hundred": 100, "a thousand": 1000,
    "dozens": 24, "a dozen": 12, "hundreds": 200, "thousands": 2000,
}  # fmt: skip
_FRACTIONS = {
    "half": 0.5, "a half": 0.5, "a third": 1 / 3, "one third": 1 / 3, "two thirds": 2 / 3, "two-thirds": 2 / 3,
    "a quarter": 0.25, "one quarter": 0.25, "three quarters": 0.75, "three-quarters": 0.75, "a fifth": 0.2,
    "one fifth": 0.2, "two fifths": 0.4, "a tenth": 0.1, "one in five": 0.2, "one in four": 0.25, "one in three": 1 / 3,
    "one in ten": 0.1,
}  # fmt: skip
_SCALE = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3, "k": 1e3}
_QUAL = {
    "nearly": "under", "almost": "under", "just under": "under", "fewer than": "under", "less than": "under",
    "under": "under", "close to": "about", "around": "about", "about": "about", "approximately": "about",
    "roughly": "about", "some": "about", "an estimated": "about", "estimated": "about", "at least": "at least",
    "more than": "over", "over": "over", "just over": "over", "in excess of": "over", "upwards of": "over",
    "up to": "at most", "at most": "at most", "a total of": "exact",
}  # fmt: skip
_VAGUE = frozenset({"dozens", "hundreds", "thousands"})
_PHONE_NUMBERS = frozenset({"999", "101", "111", "112"})
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_NUM = (
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:, \d{3})+(?=\s[a-z])|\d+(?:\.\d+)?"
    r"|(?:" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)) + r"))"
)
_FRAC = r"(?P<frac>" + "|".join(sorted(map(re.escape, _FRACTIONS), key=len, reverse=True)) + r")"
_QUALS = r"(?P<qual>" + "|".join(sorted(map(re.escape, _QUAL), key=len, reverse=True)) + r")\s+"
FIGURE = re.compile(
    rf"(?<![\w£$.,/-])(?:{_QUALS})?(?P<cur>£|\$|€)?(?:{_FRAC}|{_NUM}(?:\s?(?P<scale>million|billion|thousand|bn|m|k)\b)?)"
    rf"(?P<pct>\s?%|pc\b|\s(?:per cent|percent))?"
    r"(?P<hyph>-(?:year|month|week|day|hour|minute|page)s?\b(?!-))?(?![\w/]|-[A-Za-z])",
    re.I,
)
_SKIP_BEFORE = re.compile(
    r"(?:\b(?:section|article|part|chapter|schedule|rule|regulation|no|number|page|paragraph|clause|room|flat|"
    r"aged|age|age\s+of|aged\s+\d{1,2}\s*(?:to|and|-|–)|route|junction|level|tier|series|season|episode|act|covid|phase|category|stage|grade|version|"
    r"last|past|previous|next|coming|first|top|every|one of|each of|call|calling|dial|ring|text|reference|ref|quoting"
    r"|log|crime number|case number|extension|room|platform|gate|bus|flight|unit|block"
    # a collar number: "PC 1234 Jane Harlow"
    r"|pc|dc|ps|pcso|sgt|collar|badge|shoulder|warrant)\s+(?:the\s+)?$|[#@/:]$)",
    re.I,
)
_SKIP_AFTER = re.compile(
    rf"^(?:\s*(?:{_MONTHS})\b|(?:st|nd|rd|th)\b"
    r"|\s*(?:am|pm|a\.m\.|p\.m\.|years? old|-year-old|year-olds?|o'clock|mph)\b"
    rf"|[:.]\d|-\d|/\d|\s*(?:and|to|or)\s+\d{{4}}\b)",
    re.I,
)
_AFTER_MONTH = re.compile(rf"\b(?:{_MONTHS})\s+$", re.I)
_STOP_MEASURE = re.compile(
    r"^(?:was|were|is|are|has|have|had|be|been|being|will|would|could|should|can|may|might|did|do|does|who|which|that"
    r"|in|on|at|by|for|from|with|to|into|since|during|over|between|across|against|after|before|than|as|per|while"
    r"|including|and|but|or|when|where|said|says|resulted|led|made|according|compared|last|this|respectively"
    r"|aged|it|they|we|he|she)$",
    re.I,
)
_PERIOD = re.compile(
    r"\b(?:between\s+(?P<a>\d{4}(?:[-/]\d{2,4})?)\s+and\s+(?P<b>\d{4}(?:[-/]\d{2,4})?)"
    r"|(?:from|in)\s+(?P<c>\d{4}(?:[-/]\d{2,4})?)\s+(?:to|until)\s+(?P<d>\d{4}(?:[-/]\d{2,4})?)"
    r"|(?:in|over|during|for)\s+the\s+(?:last|past|previous)\s+(?P<n>\w+)\s+(?P<u>years?|months?|weeks?)"
    r"|(?:over|during|across)\s+the\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten)\s+(?:years?|months?)\b"
    r"|(?:over|within|in)\s+(?:a\s+)?(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty)"
    r"\s+(?:years?|months?|weeks?|days?)\b"
    r"|since\s+(?:(?:"
    + _MONTHS
    + r")\s+\d{1,2}|\d{1,2}\s+(?:"
    + _MONTHS
    + r")|(?:"
    + _MONTHS
    + r")|\d{4})(?:,?\s+\d{4})?"
    r"|(?:in|during)\s+(?P<y>(?:19|20)\d{2}(?:[-/]\d{2})?)\b"
    r"|(?:this|last)\s+year)",
    re.I,
)


_DIGIT = re.compile(r"\d")
_TIME_UNITS = ("year", "month", "week", "day", "hour", "minute", "second", "decade")
_RATE = re.compile(
    r"\s+(?:per|for\s+every|in\s+every)\s+(?P<base>\d[\d,]*|a\s+thousand|a\s+hundred)\s+(?P<of>[a-z]+)", re.I
)
_COMPARED = re.compile(r"\b(?:compared\s+(?:with|to)|against|up\s+from|down\s+from|from|to|versus|vs)\s+$", re.I)
_NUMBER_WORDS = frozenset(
    words(
        """two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
    eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands
    dozen dozens half third thirds quarter quarters fifth fifths tenth"""
    )
)


@dataclass(slots=True)
class Figure:
    """A figure as written: value, qualifier, unit, the words it counts, where it is."""

    start: int
    end: int
    value: float
    value_text: str
    qualifier: str
    unit: str
    measure: str
    period: str | None = None
    period_start: str | None = None
    period_end: str | None = None


def _year_range(token: str) -> tuple[int, int, bool]:
    """'2016-17' -> (2016, 2017, financial); '2016' -> (2016, 2016, False)."""
    m = re.match(r"(\d{4})(?:[-/](\d{2,4}))?$", token)
    if not m:
        raise ValueError(token)
    y = int(m.group(1))
    if m.group(2):
        e = int(m.group(2))
        e = e if e > 99 else (y // 100) * 100 + e
        return y, e, True
    return y, y, False


def period_bounds(m: re.Match[str], published: str | None) -> tuple[str | None, str | None]:
    """ISO start and end of a matched period, when the words pin them down."""
    try:
        a = m.group("a") or m.group("c")
        b = m.group("b") or m.group("d")
        if a and b:
            y0, _, fin0 = _year_range(a)
            _, y1, fin1 = _year_range(b)
            start = dt.date(y0, 4, 1) if fin0 else dt.date(y0, 1, 1)
            end = dt.date(y1, 3, 31) if fin1 else dt.date(y1, 12, 31)
            return start.isoformat(), end.isoformat()
        if m.group("y"):
            y0, y1, fin = _year_range(m.group("y"))
            if fin:
                return dt.date(y0, 4, 1).isoformat(), dt.date(y1, 3, 31).isoformat()
            return dt.date(y0, 1, 1).isoformat(), dt.date(y0, 12, 31).isoformat()
        if m.group("n") and published:
            n = _WORDS.get(m.group("n").lower()) or (int(m.group("n")) if m.group("n").isdigit() else None)
            unit = m.group("u").lower()
            if n and unit.startswith("year"):
                end_d = dt.date.fromisoformat(published)
                return end_d.replace(year=end_d.year - n).isoformat(), end_d.isoformat()
    except ValueError:
        return None, None
    return None, None


def periods(text: str) -> list[re.Match[str]]:
    return list(_PERIOD.finditer(text))


def _measure(after: str) -> str:
    """The words a figure counts: '91 complaints were made' -> 'complaints'."""
    after = re.sub(r"^\s*(?:of\s+(?:those|these|the|them|its|their|all)\s+|of\s+)", "", after)
    words = re.findall(r"[A-Za-z][\w\-’']*|[,.;:!?()\"“”]", after[:120])
    out: list[str] = []
    for w in words:
        if not re.match(r"[A-Za-z]", w):
            break
        if _STOP_MEASURE.match(w) and out:
            if w.lower() == "and" and len(out) <= 2:
                out.append(w)
                continue
            break
        if _STOP_MEASURE.match(w) and not out:
            # "34 resulted in dismissals": the clause is the measure
            if w.lower() in {"resulted", "led", "were", "was", "had", "have", "has"}:
                tail = re.match(r"[\w\s\-]{0,40}", after.strip())
                # "17 had already resigned and one had retired": the clause, up to the next one
                return re.split(r"\s+(?:and|while|but|or|whereas)\s+", tail.group(0).strip())[0] if tail else w
            break
        out.append(w)
        if len(out) >= 5:
            break
    while out and out[-1].lower() == "and":
        out.pop()
    return " ".join(out)


def find_figures(
    text: str, start: int, skip: list[tuple[int, int]], published: str | None = None, context_measure: str = ""
) -> list[Figure]:
    """Figures in one sentence (``text`` starts at article offset ``start``); spans in ``skip`` are names;
    ``context_measure`` is what the previous sentence's figures counted ("X recorded 41" after "Y recorded
    the highest number, with 112 officers accused")."""
    out: list[Figure] = []
    if not _DIGIT.search(text) and not (_NUMBER_WORDS & {t.key for t in tokens_rel(text)}):
        return out
    pers = periods(text)
    taken = [(p.start(), p.end()) for p in pers]
    for m in FIGURE.finditer(text):
        a, b = m.start(), m.end()
        if any(x <= a < y for x, y in taken):
            continue
        if any(x <= start + a < y for x, y in skip):
            continue
        num_txt = m.group("num")
        before = text[max(0, a - 25) : a]
        after = text[b : b + 120]
        if _SKIP_BEFORE.search(before) or _SKIP_AFTER.match(after) or _AFTER_MONTH.search(before):
            continue
        if re.search(
            r"(?:\b\d[\d,]*|\b(?:two|three|four|five|six|seven|eight|nine|ten))\s+of\s+(?:the\s+)?$", before, re.I
        ):
            continue  # "two of nine areas": the total, not a figure of its own
        if num_txt in _PHONE_NUMBERS and re.match(
            r"\s*(?:calls?|call-?outs?|numbers?|lines?|services?)\b", after, re.I
        ):
            continue  # "999 calls": the number dialled
        if m.group("frac"):
            value = _FRACTIONS[m.group("frac").lower()]
            unit = "proportion"
            if not re.match(r"\s+of\b", after) and not (
                m.group("qual") and re.match(r"\s+(?:were|was|are|is|had|have|has)\b", after)
            ):
                continue
        else:
            assert num_txt is not None
            low = num_txt.lower()
            if low in _VAGUE and not m.group("qual"):
                continue  # "hundreds of officers": no figure was given
            if low in _WORDS:
                value = float(_WORDS[low])
            else:
                value = float(num_txt.replace(",", "").replace(" ", ""))
                if re.fullmatch(r"(?:1[89]|20)\d\d", num_txt) and not m.group("scale"):
                    continue  # a year
                if a == 0 and re.match(r"\.\s", after):
                    continue  # a numbered heading
            scale = m.group("scale")
            if scale:
                if scale.lower() in {"m", "k", "bn"} and not m.group("cur") and not re.match(r"\s", after):
                    continue
                value *= _SCALE[scale.lower()]
            unit = "percent" if m.group("pct") else ("GBP" if m.group("cur") == "£" else "count")
        measure = _measure(after)
        hyph = m.group("hyph")
        if hyph and unit == "count":
            # "a six-month curfew", "a 93-page report": the unit is written into the figure
            unit = hyph[1:].lower().rstrip("s") + "s"
        rate = _RATE.match(after) or (_RATE.match(after[len(measure) + 1 :]) if measure else None)
        if rate and unit == "count":
            # "33 per 100 officers": a rate, its base part of the unit (and no figure of its own)
            unit = f"per {rate.group('base')} {rate.group('of')}"
            measure = measure or f"per {rate.group('base')} {rate.group('of')}"
            skip_to = b + rate.end() + (len(measure) + 1 if not _RATE.match(after) else 0)
            taken.append((b, skip_to))
        if not measure and unit in {"count", "percent"} and _COMPARED.search(before) and out:
            measure = out[-1].measure  # "862 complaints compared with 607": the same measure
        if not measure and unit == "count":
            measure = _elided_measure(text, start, a, b, out)
            if not measure and context_measure and _RECORDED.search(before):
                measure = context_measure
            if not measure:
                continue
        if re.match(rf"(?:quoting|reference|ref|of\s+(?:{_MONTHS}))\b|(?:{_MONTHS})\b", measure, re.I):
            continue  # "call 101 quoting reference 123 of 5 June"
        if re.match(r"(?:seconds?|minutes?|hours?)\b", measure, re.I) and re.search(
            r"\b(?:within|in|under)\s+$", before
        ):
            continue  # "answered within 10 seconds": a threshold, not a count
        if measure.lower().startswith(_TIME_UNITS) and unit == "count":
            unit = measure.split()[0].lower().rstrip("s") + "s"
        elif measure.lower().startswith(("view", "like", "share", "follower")) and unit == "count":
            unit = "views" if measure.lower().startswith("view") else measure.split()[0].lower()
        if unit in {"days", "weeks", "months", "years", "hours", "minutes"} and re.match(
            r"\s*\w+\s+(?:later|earlier|ago|before|after|afterwards)\b", after
        ):
            continue  # "two days later": when, not how many
        qual = _QUAL.get((m.group("qual") or "").lower(), "exact")
        fig = Figure(
            start + a,
            start + b,
            value if value != int(value) else float(int(value)),
            m.group(0).strip(),
            qual,
            unit,
            measure,
        )
        near = [p for p in pers]
        if near:
            p = min(near, key=lambda p: abs(p.start() - a))
            fig.period = p.group(0)
            fig.period_start, fig.period_end = period_bounds(p, published)
        out.append(fig)
    if out:
        out.extend(_ones(text, start, taken, skip, out, published, pers))
        out.sort(key=lambda f: f.start)
    return out


_NEXT_FIGURE = re.compile(
    r"\s*(?:and|or|to|-|–)\s+(?:\d[\d,.]*|" + "|".join(w for w in _WORDS if " " not in w) + r")\s+(?=[a-z])"
)
_RECORDED = re.compile(r"\b(?:recorded|reported|logged|received|had|made|with|totalled)\s+$", re.I)
_NUMBER_OF = re.compile(r"\b(?:the|a)\s+(?:total\s+)?number\s+of\s+", re.I)
_COPULA = re.compile(
    r"(?:^|\b(?:the|a|an|its|their)\s+)(?P<np>[a-z][\w\s\-]{2,50}?)\s+(?:was|were|is|are|stood\s+at|reached|totalled"
    r"|rose\s+to|fell\s+to)\s+(?:just\s+|some\s+|about\s+|around\s+)?$",
    re.I,
)
_ONE = re.compile(
    r"\b(?P<w>one|another)\b(?=\s+(?:was|were|had|has|is|of\s+(?!the\b|them\b|those\b|these\b|his\b|her\b|their\b|its\b|our\b|us\b|whom\b|which\b)"
    r"|[a-z]+ed\b|officers?\b|members?\b|claims?\b|complaints?\b|cases?\b))",
    re.I,
)


def _elided_measure(text: str, start: int, a: int, b: int, out: list[Figure]) -> str:
    """What a figure written without its noun counts: "seven and five uses" (the next figure's), "two
    cautioned for assault, two for criminal damage" (the list's), "the number of X ... from 725 to 1,733",
    "the highest usage was 2,110"."""
    nxt = _NEXT_FIGURE.match(text, b)
    if nxt:
        got = _measure(text[nxt.end() :])
        if got:
            return got
    if out and out[-1].measure and re.fullmatch(r"[^.!?]{0,90}", text[out[-1].end - start : a]):
        return out[-1].measure
    head = text[:a]
    nums = list(_NUMBER_OF.finditer(head))
    if nums:
        got = _measure(text[nums[-1].end() : a])
        if got:
            return got
    cop = _COPULA.search(head[-60:])
    if cop:
        return " ".join(cop.group("np").split()[-4:])
    return ""


def _ones(
    text: str,
    start: int,
    taken: list[tuple[int, int]],
    skip: list[tuple[int, int]],
    out: list[Figure],
    published: str | None,
    pers: list[re.Match[str]],
) -> list[Figure]:
    """ "one" as a figure, only in a sentence that lists figures ("12 were dismissed, 17 had resigned and
    one had retired"): elsewhere "one" is rarely a count."""
    got: list[Figure] = []
    ones = list(_ONE.finditer(text))
    if len(out) + len(ones) < 2:
        return got
    for m in ones:
        a, b = m.start("w"), m.end("w")
        if any(x <= a < y for x, y in taken) or any(x <= start + a < y for x, y in skip):
            continue
        if any(f.start <= start + a < f.end for f in out):
            continue
        measure = _measure(text[b : b + 120])
        prev = [f for f in out if f.end <= start + a]
        if not measure or measure.split()[0].lower() in {"was", "were", "had", "has", "is"}:
            measure = prev[-1].measure if prev else measure
        if not measure:
            continue
        fig = Figure(start + a, start + b, 1.0, m.group("w"), "exact", "count", measure)
        if pers:
            p = min(pers, key=lambda p: abs(p.start() - a))
            fig.period = p.group(0)
            fig.period_start, fig.period_end = period_bounds(p, published)
        got.append(fig)
    return got
