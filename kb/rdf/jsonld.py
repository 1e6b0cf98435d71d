"""Streaming JSON-LD writer: ``{"@context": ..., "@graph": [node, node, ...]}``.

Every block becomes one node object written with ``json.dumps``; keys and values use the
published context (ontology/context.jsonld) so the document reads naturally, and anything
the context has no term for is written as a prefixed name with an explicit value object.
Named graphs are dropped (JSON-LD exports the merged default graph).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

from kb.rdf.blocks import Block
from kb.rdf.ntriples import ENCODE_ERRORS
from kb.rdf.terms import RDF_TYPE

# A string needs JSON escaping when it holds a quote, a backslash or a control character.
_JSON_NEEDS = re.compile(r'[\x00-\x1f"\\]').search


class JsonLdWriter:
    """Writes blocks as one JSON-LD document using ``context`` (a ``{"@context": {...}}`` object)."""

    def __init__(self, out: BinaryIO, context: Mapping[str, Any]) -> None:
        self.out = out
        self.count = 0
        ctx: dict[str, Any] = dict(context["@context"])
        prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
        self._ns = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda t: -len(t[0]))

        def expand(curie: str) -> str:
            p, sep, local = curie.partition(":")
            return prefixes[p] + local if sep and p in prefixes else curie

        # predicate IRI -> (key, coercion); class IRI -> term
        self._preds: dict[str, tuple[str, str | None]] = {}
        self._classes: dict[str, str] = {}
        for term, d in ctx.items():
            if term.startswith("@") or term in prefixes or d in ("@id", "@type"):
                continue
            if isinstance(d, str):
                self._classes.setdefault(expand(d), term)
            elif isinstance(d, dict) and "@id" in d:
                coerce = d.get("@type")
                if coerce is not None and not coerce.startswith("@"):
                    coerce = expand(coerce)
                self._preds.setdefault(expand(d["@id"]), (term, coerce))
        self._id_key = "id" if ctx.get("id") == "@id" else "@id"
        self._type_key = "type" if ctx.get("type") == "@type" else "@type"
        self._first = True
        # JSON spellings, cached: predicate -> (key as JSON, coercion); class IRI -> type as JSON
        self._keys: dict[str, tuple[str, str | None]] = {}
        self._class_json: dict[str, str] = {iri: json.dumps(t) for iri, t in self._classes.items()}
        self._id_json = json.dumps(self._id_key)
        self._type_json = json.dumps(self._type_key)
        head = json.dumps(dict(context), indent=1, ensure_ascii=False)
        # reopen the object to append the graph after the context
        self._parts: list[str] = [head[: head.rstrip().rfind("}")].rstrip() + ',\n "@graph": [\n']

    def _compact(self, iri: str) -> str:
        for ns, prefix in self._ns:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    def _key(self, p: str) -> tuple[str, str | None]:
        spec = self._preds.get(p)
        if spec is None:
            spec = (self._compact(p), "@fallback")
            if len(self._preds) < 10_000:
                self._preds[p] = spec
        return spec

    def write(self, blocks: Iterable[Block]) -> None:
        # Hot path: node objects are assembled as JSON text; only strings that need JSON
        # escaping go through json.dumps.
        parts = self._parts
        append = parts.append
        needs = _JSON_NEEDS
        dumps = json.dumps
        keys = self._keys
        classes = self._class_json
        id_key, type_key = self._id_json, self._type_json
        n = 0
        for _g, s, pairs in blocks:
            if not pairs:
                continue
            fields: dict[str, list[str]] = {}
            types: list[str] = []
            for p, o, k in pairs:
                if k is None:
                    if p == RDF_TYPE:
                        t = classes.get(o)
                        if t is None:
                            t = classes[o] = dumps(self._compact(o))
                        types.append(t)
                        continue
                    spec = keys.get(p) or self._key_json(p)
                    q = f'"{o}"' if needs(o) is None else dumps(o, ensure_ascii=False)
                    val = q if spec[1] == "@id" else f'{{"@id": {q}}}'
                else:
                    spec = keys.get(p) or self._key_json(p)
                    q = f'"{o}"' if needs(o) is None else dumps(o, ensure_ascii=False)
                    coerce = spec[1]
                    if k == "":
                        val = q if coerce is None or coerce == "@fallback" else f'{{"@value": {q}}}'
                    elif k[0] == "@":
                        val = f'{{"@value": {q}, "@language": "{k[1:]}"}}'
                    else:
                        val = q if coerce == k else f'{{"@value": {q}, "@type": "{k}"}}'
                vals = fields.get(spec[0])
                if vals is None:
                    fields[spec[0]] = [val]
                else:
                    vals.append(val)
            sq = f'"{s}"' if needs(s) is None else dumps(s, ensure_ascii=False)
            body = [f"{id_key}: {sq}"]
            if types:
                body.append(f"{type_key}: {types[0]}" if len(types) == 1 else f"{type_key}: [{', '.join(types)}]")
            for key, vals in fields.items():
                body.append(f"{key}: {vals[0]}" if len(vals) == 1 else f"{key}: [{', '.join(vals)}]")
            append(("  {" if self._first else ",\n  {") + ", ".join(body) + "}")
            self._first = False
            n += len(pairs)
        self.count += n
        if len(parts) >= 8192:
            self.flush()

    def _key_json(self, p: str) -> tuple[str, str | None]:
        term, coerce = self._key(p)
        spec = (json.dumps(term, ensure_ascii=False), coerce)
        if len(self._keys) < 10_000:
            self._keys[p] = spec
        return spec

    def flush(self) -> None:
        if self._parts:
            self.out.write("".join(self._parts).encode("utf-8", ENCODE_ERRORS))
            self._parts.clear()

    def close(self) -> int:
        self._parts.append("\n ]\n}\n")
        self.flush()
        return self.count
