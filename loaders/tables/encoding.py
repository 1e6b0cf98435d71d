"""Which text encoding a CSV file is in: the mapping's, or found from its bytes.

Every byte is checked before the first row is read (a streamed decode, 1 MB at a time, holding
nothing), so a file that turns out not to be UTF-8 half way through is read as what it is from
the start, and a bad byte is reported with its offset and line before anything is loaded.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from loaders.base import LoadError, looks_binary

CHUNK = 1 << 20


def first_error(path: Path, codec: str) -> tuple[int, int] | None:
    """(byte offset, line) of the first byte ``codec`` cannot decode, or None."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = newlines = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's held-back bytes of an unfinished sequence, then chunk
                held = len(exc.object) - len(chunk)
                bad = offset - held + exc.start
                before = chunk[: max(0, bad - offset)].count(b"\n")
                return bad, newlines + before + 1
            if not chunk:
                return None
            offset += len(chunk)
            newlines += chunk.count(b"\n")


def detect_encoding(path: Path, given: str | None = None) -> str:
    """The codec to read ``path`` with; a LoadError naming the byte and line when none fits."""
    if given:
        try:
            codecs.lookup(given)
        except LookupError:
            raise LoadError(path, f"unknown encoding {given!r} in the mapping file") from None
        err = first_error(path, given)
        if err is not None:
            raise LoadError(path, f"not valid {given} (byte {err[0]})", line=err[1])
        return given
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig" if first_error(path, "utf-8-sig") is None else _bad_encoding(path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if first_error(path, "utf-16") is not None:
            raise LoadError(path, "starts with a UTF-16 byte order mark but is not valid UTF-16")
        return "utf-16"
    if looks_binary(head):
        raise LoadError(path, "binary data, not a text table (is it a spreadsheet with the wrong extension?)")
    if first_error(path, "utf-8") is None:
        return "utf-8"
    # Windows-1252 is what Excel on Windows writes for "CSV"; it leaves five bytes undefined, so
    # a file using them is something else.
    if first_error(path, "cp1252") is None:
        return "cp1252"
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        best = from_bytes(fh.read(CHUNK)).best()
    if best is not None and best.encoding:
        try:
            if first_error(path, best.encoding) is None:
                return best.encoding
        except LookupError:
            pass
    return _bad_encoding(path)


def _bad_encoding(path: Path) -> str:
    err = first_error(path, "utf-8")
    if err is not None:
        raise LoadError(
            path,
            f"cannot tell the text encoding (invalid UTF-8 at byte {err[0]}); set `encoding` in a mapping file",
            line=err[1],
        )
    raise LoadError(path, "cannot tell the text encoding; set `encoding` in a mapping file")


@dataclass(frozen=True, slots=True)
class TextShape:
    """What a byte scan says about a text file's lines."""

    long_lines: bool  # a line longer than the cap (in bytes, so at least as many characters)
    open_quotes: bool  # a line with an odd number of '"': a quoted cell runs on to the next line
    padded: bool  # a space or tab beside a delimiter, quote or line end: some cell needs stripping


def _edge_table(delimiter: str) -> bytes:
    """bytes.translate table: cell edges (the delimiter, quote, line ends) -> "d", the ASCII
    characters str.strip() removes -> "s", everything else -> "x"."""
    table = bytearray(b"x" * 256)
    for ch in b'\r\n"' + delimiter.encode("ascii", "replace"):
        table[ch] = ord("d")
    for ch in b" \t\x0b\x0c\x1c\x1d\x1e\x1f":
        if chr(ch) != delimiter:
            table[ch] = ord("s")
    return bytes(table)


# A line holding an odd number of quote characters.
_ODD_QUOTES = re.compile(rb'^[^"\n]*(?:"[^"\n]*"[^"\n]*)*"[^"\n]*$', re.M)


def text_shape(path: Path, cap: int, delimiter: str = ",") -> TextShape:
    """Whether any line is longer than ``cap`` bytes, whether a quoted cell may hold a line
    break, and whether any cell has blanks at its edges (one streamed pass over whole lines,
    holding a chunk and the line it ends in)."""
    long_lines = open_quotes = padded = False
    edges = _edge_table(delimiter)
    prev = b"d"  # the last byte of the chunks so far, as translated
    last_newline = -1  # absolute offset of the last newline seen
    offset = 0
    carry = b""  # the unfinished last line of the chunks so far (for the quote check)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            first = chunk.find(b"\n")
            if not padded:
                # a blank beside a cell edge, or anything not ASCII (Unicode spaces strip too)
                marks = prev + chunk.translate(edges)
                padded = not chunk.isascii() or b"sd" in marks or b"ds" in marks
                prev = marks[-1:]
            if first < 0:
                long_lines = long_lines or offset + len(chunk) - last_newline - 1 > cap
                carry = (carry + chunk)[-cap:]
                offset += len(chunk)
                continue
            long_lines = long_lines or offset + first - last_newline - 1 > cap
            # lines inside the chunk are shorter than the chunk: only the first can be long
            if cap < CHUNK and not long_lines:
                long_lines = max(map(len, chunk.split(b"\n"))) > cap
            last = chunk.rfind(b"\n")
            if not open_quotes and (b'"' in chunk or b'"' in carry):
                open_quotes = _ODD_QUOTES.search(carry + chunk[: last + 1]) is not None
            carry = chunk[last + 1 :]
            last_newline = offset + last
            offset += len(chunk)
    long_lines = long_lines or offset - last_newline - 1 > cap
    open_quotes = open_quotes or (b'"' in carry and _ODD_QUOTES.search(carry) is not None)
    padded = padded or prev == b"s"  # a blank at the very end
    return TextShape(long_lines, open_quotes, padded)
