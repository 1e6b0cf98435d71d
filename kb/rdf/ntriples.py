"""Streaming N-Triples / N-Quads writer with fast, exact term escaping.

Lines are formatted straight from blocks and written in chunks; no rdflib objects are built.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from typing import BinaryIO

from kb.rdf.blocks import Block


def _replace_surrogates(exc: UnicodeError) -> tuple[bytes, int]:
    # the UTF-8 encoder only takes ASCII str replacements: give it U+FFFD's bytes
    if isinstance(exc, UnicodeEncodeError):
        return "\ufffd".encode() * (exc.end - exc.start), exc.end
    raise exc


# Lone surrogates cannot be written as UTF-8; every RDF writer replaces them with U+FFFD.
ENCODE_ERRORS = "pkb-rdf-replace"
codecs.register_error(ENCODE_ERRORS, _replace_surrogates)

_TABLE: dict[int, str] = {i: f"\\u{i:04X}" for i in range(0x20)}
_TABLE[0x7F] = "\\u007F"
_TABLE.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
_NEEDS = re.compile(r'[\x00-\x1f\x7f"\\]').search


def escape(value: str) -> str:
    """Escape a string for a quoted N-Triples / Turtle literal (ECHAR and UCHAR)."""
    if _NEEDS(value) is None:
        return value
    return value.translate(_TABLE)


def literal(value: str, kind: str) -> str:
    """A literal term: kind "" (plain), "@lang" or a datatype IRI."""
    if kind == "":
        return f'"{escape(value)}"'
    if kind[0] == "@":
        return f'"{escape(value)}"{kind}'
    return f'"{escape(value)}"^^<{kind}>'


class NTriplesWriter:
    """Writes blocks as N-Triples, or as N-Quads (named graphs kept) with ``quads``."""

    def __init__(self, out: BinaryIO, quads: bool = False, chunk: int = 4096) -> None:
        self.out = out
        self.quads = quads
        self.count = 0
        self._buf: list[str] = []
        self._chunk = chunk

    def write(self, blocks: Iterable[Block]) -> None:
        buf = self._buf
        append = buf.append
        needs = _NEEDS
        table = _TABLE
        quads = self.quads
        n = 0
        for g, s, pairs in blocks:
            head = f"<{s}> "
            tail = f" <{g}> .\n" if quads and g else " .\n"
            for p, o, k in pairs:
                if k is None:
                    append(f"{head}<{p}> <{o}>{tail}")
                    continue
                if needs(o) is not None:
                    o = o.translate(table)
                if k == "":
                    append(f'{head}<{p}> "{o}"{tail}')
                elif k[0] == "@":
                    append(f'{head}<{p}> "{o}"{k}{tail}')
                else:
                    append(f'{head}<{p}> "{o}"^^<{k}>{tail}')
            n += len(pairs)
        self.count += n
        if len(buf) >= self._chunk:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            self.out.write("".join(self._buf).encode("utf-8", ENCODE_ERRORS))
            self._buf.clear()

    def end_chunk(self) -> None:
        self.flush()

    def close(self) -> int:
        self.flush()
        return self.count
