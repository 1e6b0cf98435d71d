"""Quotations and who said them.

Quote marks are paired within a paragraph; a quotation left open at the end of a paragraph
continues when the next paragraph opens with a quote mark (the newspaper convention for
quotes that run over several paragraphs). The speaker comes from the reporting verb next
to the quote ("X said:", "said X", "according to X"), else the sentence's subject, else the
line introducing the paragraph ("X said:" on the line before), else the previous speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.articles import lexicon as lx
from loaders.articles.text import Sentence, Span

_DOUBLE = '"“”„«»'
MAX_MARKS = 60
_DOUBLE_RX = re.compile("[" + _DOUBLE + "]")
_SINGLE_OPEN = re.compile(r"(?:(?<=^)|(?<=[\s(\[—–\-:]))['‘](?=[A-Za-z0-9£])")
_SINGLE_CLOSE = re.compile(r"(?<=[A-Za-z0-9.,!?%…])['’](?=$|[\s.,;:!?)\]—–\-])")


@dataclass(slots=True)
class QuoteSpan:
    """A quotation: where its words are (without the marks) and the paragraph it opens in."""

    start: int
    end: int
    text: str
    para: int
    opens_paragraph: bool  # the paragraph starts with this quote
    continued: bool = False  # runs on from the previous paragraph's open quotation


def _clean(text: str) -> str:
    text = re.sub(r"\n\s*[" + _DOUBLE + r"‘']", "\n", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" " + _DOUBLE)


def find_quotes(text: str, paras: list[Span]) -> list[QuoteSpan]:
    """All quotations in the article, multi-paragraph ones merged."""
    out: list[QuoteSpan] = []
    open_q: QuoteSpan | None = None  # a quotation still open at the end of the previous paragraph
    for pi, p in enumerate(paras):
        # a real paragraph has a handful of quote marks; a flood of them is not prose (and would cost O(n^2))
        marks = [p.start + m.start() for m in _DOUBLE_RX.finditer(p.text)][:MAX_MARKS]
        spans: list[tuple[int, int, bool]] = []  # (start, end, closed)
        k = 0
        if open_q is not None and marks and marks[0] == p.start:
            # continuation of the previous paragraph's quotation
            if len(marks) >= 2:
                open_q.end = marks[1]
                open_q.text = _clean(text[open_q.start : open_q.end])
                open_q = None
                k = 2
            else:
                open_q.end = p.end
                open_q.text = _clean(text[open_q.start : open_q.end])
                continue
        else:
            open_q = None
        while k < len(marks):
            a = marks[k]
            if k + 1 < len(marks):
                spans.append((a + 1, marks[k + 1], True))
                k += 2
            else:
                spans.append((a + 1, p.end, False))
                k += 1
        for a, b, closed in spans:
            body = text[a:b]
            if not body.strip():
                continue
            q = QuoteSpan(a, b, _clean(body), pi, opens_paragraph=(a - 1 == p.start))
            out.append(q)
            if not closed:
                open_q = q
        # single quotes outside double-quoted spans
        if "'" not in p.text and "‘" not in p.text and "’" not in p.text:
            continue
        inside = [(q.start, q.end) for q in out if q.para == pi]
        opens = [m.start() for m in _SINGLE_OPEN.finditer(p.text)][:MAX_MARKS]
        closes = [m.start() for m in _SINGLE_CLOSE.finditer(p.text)][: MAX_MARKS * 2]
        ci = 0
        for o in opens:
            while ci < len(closes) and closes[ci] <= o:
                ci += 1
            if ci >= len(closes):
                break
            c = closes[ci]
            a, b = p.start + o + 1, p.start + c
            if b - a > 300 or any(x <= a < y for x, y in inside):
                continue
            out.append(QuoteSpan(a, b, _clean(text[a:b]), pi, opens_paragraph=(o == 0)))
            ci += 1
    out.sort(key=lambda q: q.start)
    return [q for q in out if re.search(r"[A-Za-z]", q.text)]


_VERB = re.compile(
    rf"\b(?:{lx.REPORTING_VERBS}|shows|show|showed|rates|rated|graded|judged|according to|in a statement)\b", re.I
)


_PREP_BEFORE = re.compile(
    r"\b(?:by|to|with|from|for|against|about|on|in|at|of|via|as|into|like|than|including|told|asked|urged|thanked"
    r"|telling|asking)\s+(?:the\s+|a\s+|an\s+)?$",
    re.I,
)
_INVERTED = re.compile(r"[\s,:;\-–—]*|,[^.;:!?]{0,60}[,:]\s*")
_RELATIVE = re.compile(r",\s+(?:which|who|whose|where)\b[^,]*,", re.I)


@dataclass(slots=True)
class Candidate:
    """Someone who could have said a quote: an entity key, where it is mentioned, whether a person."""

    key: str
    start: int
    end: int
    person: bool


def outside(sent: Sentence, quotes: list[QuoteSpan]) -> str:
    """The sentence with quoted words blanked out (offsets kept)."""
    chars = list(sent.text)
    for q in quotes:
        a, b = max(q.start - 1, sent.start), min(q.end + 1, sent.end)
        for k in range(a - sent.start, b - sent.start):
            if 0 <= k < len(chars):
                chars[k] = " "
    return "".join(chars)


def pick_speaker(
    sent: Sentence,
    quote: QuoteSpan,
    cands: list[Candidate],
    quotes_in_sentence: list[QuoteSpan],
) -> Candidate | None:
    """The speaker of ``quote`` among the candidates of its sentence (None when there is no cue)."""
    free = outside(sent, quotes_in_sentence)
    verbs = [(sent.start + m.start(), sent.start + m.end(), m.group(0).lower()) for m in _VERB.finditer(free)]
    cs = [c for c in cands if not any(q.start <= c.start < q.end for q in quotes_in_sentence)]
    # objects of prepositions ("seen by X", "groups such as X") and relative clauses are not subjects
    rel = [(sent.start + m.start(), sent.start + m.end()) for m in _RELATIVE.finditer(free)]
    subj = [
        c
        for c in cs
        if not _PREP_BEFORE.search(sent.text[max(0, c.start - sent.start - 12) : c.start - sent.start])
        and not any(a <= c.start < b for a, b in rel)
    ]
    if subj:
        cs_all, cs = cs, subj
    else:
        cs_all = cs
    if not cs:
        return None
    # "'...,' said Jane Smith" / "'...' Jane Smith said": a verb after the quote
    for va, vb, word in verbs:
        if va >= quote.end:
            between = [c for c in cs if quote.end <= c.start < va]
            if between:
                return next((c for c in between if c.person), between[0])
            after = [c for c in cs_all if vb <= c.start <= vb + 40]
            if after and word != "according to":
                return after[0]
            break
    # "Jane Smith said: '...'" / "according to Jane Smith": the last verb before the quote
    before = [v for v in verbs if v[1] <= quote.start]
    if before:
        va, vb, word = before[-1]
        if word == "according to":
            after = [c for c in cs_all if vb <= c.start <= vb + 40]
            if after:
                return after[0]
        prev_q_end = max((q.end for q in quotes_in_sentence if q.end <= va), default=sent.start)
        window = [c for c in cs if prev_q_end <= c.start < va]
        if window:
            # the person nearest the verb ("..., Lady Casey said"), else the clause's subject
            return next((c for c in reversed(window) if c.person), window[0])
        # "said Chief Constable Jane Smith: '...'": the subject written after the verb, right before the
        # quote ("said the force's approach was 'flawed'" names the force inside the reported clause)
        after = [
            c
            for c in cs_all
            if vb <= c.start <= vb + 40
            and c.end <= quote.start
            and _INVERTED.fullmatch(
                sent.text, c.end - sent.start, max(c.end - sent.start, quote.start - 1 - sent.start)
            )
        ]
        if after:
            return after[0]
    # otherwise the sentence's subject: its first candidate before the quote (a person first); a candidate
    # after a reporting verb is inside the reported clause ("said Mr A had been 'dishonest'"), not its subject
    pre = [c for c in cs if c.start < quote.start and not any(vb <= c.start for _va, vb, _w in verbs)]
    # with no reporting verb, only a colon introduces speech ("X, at one point heard saying: '...'"); a phrase
    # quoted in a plain statement ("an officer who 'broke the rules' was dismissed") has no speaker
    introduced = bool(verbs) or sent.text[: quote.start - 1 - sent.start].rstrip().endswith(":")
    if pre and introduced:
        return next((c for c in pre if c.person), pre[0])
    return None
