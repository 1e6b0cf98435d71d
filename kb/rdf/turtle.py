"""Streaming Turtle / TriG writer: one statement per block, grouped by subject and predicate.

Entity IRIs are written relative to ``@base <{base}/id/>`` (``<force/thames-valley>``),
vocabulary IRIs as prefixed names. TriG wraps blocks of a named graph in ``<graph> { ... }``,
keeping a graph open while consecutive blocks stay in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import BinaryIO

from kb.rdf.blocks import Block
from kb.rdf.ntriples import _TABLE as _NT_TABLE
from kb.rdf.ntriples import ENCODE_ERRORS
from kb.rdf.terms import RDF_TYPE

# A prefixed name's local part we can write without escapes.
_PN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
_CACHE_MAX = 50_000
# Turtle literals escape what N-Triples does, and "<" too: written as \u003C, a literal can
# never contain the "<{base}" the writer rewrites to relative IRIs. Whether a literal needs
# escaping is tested with str.isprintable (false for every control character) and three
# ``in`` tests, cheaper than a regex search per literal.
_TABLE = {**_NT_TABLE, ord("<"): "\\u003C"}


class TurtleWriter:
    """Writes blocks as Turtle (named graphs dropped) or TriG (``trig=True``)."""

    def __init__(
        self,
        out: BinaryIO,
        prefixes: Mapping[str, str],
        base: str | None = None,
        trig: bool = False,
        header: str = "",
        directives: bool = True,
        continued: bool = False,
    ) -> None:
        self.out = out
        self.trig = trig
        self.base = base
        self.count = 0
        # longest namespaces first, so the most specific prefix wins
        self._ns = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda t: -len(t[0]))
        self._terms: dict[str, str] = {RDF_TYPE: "a"}
        self._heads: dict[str, str] = {}  # predicate IRI -> " ;\n    {name} "
        self._suffixes: dict[str, str] = {}  # literal kind -> "@lang" or "^^{datatype}"
        self._graph = ""
        self._parts: list[str] = []
        # ``continued``: this writer serialises a later part of a document (a parallel export
        # worker), so the header and directives belong to another part
        head = [header] if header and not continued else []
        if directives and not continued:
            if base:
                head.append(f"@base <{base}> .\n")
            head.extend(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items())
            head.append("\n")
        self._head = "".join(head)  # written as is: the chunk rewrite below must not touch @base

    def iri(self, iri: str) -> str:
        """The shortest safe spelling of an IRI: prefixed name, relative to @base, or <full>."""
        t = self._terms.get(iri)
        if t is not None:
            return t
        base = self.base
        if base and iri.startswith(base):
            return f"<{iri}>"  # made relative when the chunk is flushed
        t = f"<{iri}>"
        for ns, prefix in self._ns:
            if iri.startswith(ns):
                local = iri[len(ns) :]
                if _PN_LOCAL.fullmatch(local):
                    t = f"{prefix}:{local}"
                break
        if len(self._terms) < _CACHE_MAX:
            self._terms[iri] = t
        return t

    def _pred_head(self, pred: str) -> str:
        """What starts a new predicate's line within a statement: ' ;', newline, indent, name."""
        head = self._heads[pred] = f" ;\n    {self.iri(pred)} "
        return head

    def _suffix(self, kind: str) -> str:
        suffix = self._suffixes[kind] = kind if kind[0] == "@" else "^^" + self.iri(kind)
        return suffix

    def write(self, blocks: Iterable[Block]) -> None:
        # Hot path: one f-string per triple. IRIs under the base are written in full here and
        # made relative by one str.replace per chunk (see flush); literals escape "<", so the
        # replace cannot touch them. ``lead`` is what precedes the object: the predicate's
        # line head, or ", " when the predicate repeats.
        parts = self._parts
        append = parts.append
        terms = self._terms
        heads = self._heads
        head = self._pred_head
        suffixes = self._suffixes
        suffix = self._suffix
        iri = self.iri
        table = _TABLE
        base = self.base or "\x00"
        trig = self.trig
        n = 0
        for g, s, pairs in blocks:
            if not pairs:
                continue
            if trig and g != self._graph:
                if self._graph:
                    append("}\n\n")
                if g:
                    append(f"{iri(g)} {{\n")
                self._graph = g
            prev = pairs[0][0]
            first = heads.get(prev) or head(prev)
            # the statement's first line: subject, newline, indent, first predicate
            append(f"<{s}>\n    {first[7:]}" if s.startswith(base) else f"{iri(s)}\n    {first[7:]}")
            lead = ""
            for p, o, k in pairs:
                if p != prev:
                    lead = heads.get(p) or head(p)
                    prev = p
                if k is None:
                    # entity IRIs (most objects) are never in the cache: test for them first
                    append(f"{lead}<{o}>" if o.startswith(base) else f"{lead}{terms.get(o) or iri(o)}")
                else:
                    if not o.isprintable() or '"' in o or "\\" in o or "<" in o:
                        o = o.translate(table)
                    append(f'{lead}"{o}"' if k == "" else f'{lead}"{o}"{suffixes.get(k) or suffix(k)}')
                lead = ", "
            append(" .\n\n")
            n += len(pairs)
        self.count += n
        if len(parts) >= 16384:
            self.flush()

    def flush(self) -> None:
        if self._parts or self._head:
            text = "".join(self._parts)
            if self.base:
                text = text.replace("<" + self.base, "<")
            self.out.write((self._head + text).encode("utf-8", ENCODE_ERRORS))
            self._head = ""
            self._parts.clear()

    def end_chunk(self) -> None:
        """End a chunk of the export: close any open graph block so that the next chunk, which
        may be serialised by another process, starts from a known state; then flush."""
        if self.trig and self._graph:
            self._parts.append("}\n\n")
            self._graph = ""
        self.flush()

    def close(self) -> int:
        if self.trig and self._graph:
            self._parts.append("}\n")
            self._graph = ""
        self.flush()
        return self.count
