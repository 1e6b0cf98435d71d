"""Paragraphs and sentences with character offsets into the article text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.articles.lexicon import REPORTING_VERBS

# Abbreviations whose full stop does not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "sgt", "insp", "supt", "det", "con", "pc", "dc", "ds", "di", "no", "nos",
    "vs", "v", "etc", "e.g", "i.e", "co", "ltd", "inc", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "gen", "col", "capt", "lt", "prof", "rev", "hon", "cllr", "ch", "approx",
}  # fmt: skip
_BOUNDARY = re.compile(r"([.!?…]+[\"”’']*)(\s+)(?=[\"“‘'(\[]?[A-Z0-9£])")
# '"Why?" Jane Smith asked': a question or exclamation closing a quotation, then its speaker and verb,
# is one sentence
_QUOTE_END = re.compile(r"[?!]+[\"”’']+")
_SPEAKER_NEXT = re.compile(rf"(?:[A-Z][\w'’\-]*\s+){{1,4}}(?:{REPORTING_VERBS})\b")


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the article: its text and where it sits."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Sentence(Span):
    """A sentence, with the index of its paragraph."""

    para: int = 0


def paragraphs(text: str) -> list[Span]:
    """Non-empty lines (news scrapes put one paragraph per line)."""
    out: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + (len(line) - len(line.lstrip()))
            out.append(Span(start, start + len(stripped), stripped))
        pos += len(line) + 1
    return out


def split_sentences(para: Span, index: int) -> list[Sentence]:
    """Sentences of one paragraph (rule-based: punctuation, then a capital)."""
    out: list[Sentence] = []
    text = para.text
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end(1)
        # the word before the full stop, read from a bounded window (a long run of skipped "A." must
        # not make each look-back longer: that was quadratic)
        before = text[max(start, m.start(1) - 40) : m.start(1)]
        last = re.split(r"[\s(]", before)[-1].lower().rstrip(".") if before else ""
        if m.group(1) == "." and (last in _ABBREV or (len(last) == 1 and last.isalpha())):
            continue
        if _QUOTE_END.fullmatch(m.group(1)) and _SPEAKER_NEXT.match(text, m.end()):
            continue
        seg = text[start:end]
        if seg.strip():
            out.append(Sentence(para.start + start, para.start + end, seg, index))
        start = m.end()
    seg = text[start:]
    if seg.strip():
        out.append(Sentence(para.start + start, para.start + len(text), seg, index))
    return out


MAX_SENTENCE = 1200  # characters; longer runs (lists without punctuation, junk) are cut at spaces


def _cut(s: Sentence) -> list[Sentence]:
    """A sentence longer than MAX_SENTENCE in pieces, so per-sentence work stays bounded."""
    if len(s.text) <= MAX_SENTENCE:
        return [s]
    out: list[Sentence] = []
    a = 0
    while a < len(s.text):
        b = min(len(s.text), a + MAX_SENTENCE)
        if b < len(s.text):
            sp = s.text.rfind(" ", a + MAX_SENTENCE // 2, b)
            b = sp + 1 if sp > 0 else b
        out.append(Sentence(s.start + a, s.start + b, s.text[a:b], s.para))
        a = b
    return out


def sentences(text: str) -> list[Sentence]:
    """All sentences of the article, in order."""
    out: list[Sentence] = []
    for i, p in enumerate(paragraphs(text)):
        for s in split_sentences(p, i):
            out.extend(_cut(s))
    return out
