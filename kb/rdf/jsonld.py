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

    def __init__(self, out: BinaryIO, context: Mapping[str, Any], continued: bool = False) -> None:
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
        # ``continued``: a later part of the document (a parallel export worker): no head, and
        # its first node object follows another one
        self._first = not continued
        # JSON spellings, cached: predicate -> kind -> template (see _template); class IRI -> type
        self._templates: dict[str, dict[str | None, tuple[str, str, str, str]]] = {}
        self._class_json: dict[str, str] = {iri: json.dumps(t) for iri, t in self._classes.items()}
        self._id_json = json.dumps(self._id_key)
        self._type_json = json.dumps(self._type_key)
        head = json.dumps(dict(context), indent=1, ensure_ascii=False)
        # reopen the object to append the graph after the context
        self._parts: list[str] = [] if continued else [head[: head.rstrip().rfind("}")].rstrip() + ',\n "@graph": [\n']

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

    def _template(self, p: str, k: str | None) -> tuple[str, str, str, str]:
        """(key as JSON, text before and after the quoted value, key and text before) of a
        predicate and a kind of object."""
        term, coerce = self._key(p)
        key = json.dumps(term, ensure_ascii=False)
        if k is None:
            pre, post = ("", "") if coerce == "@id" else ('{"@id": ', "}")
        elif k == "":
            pre, post = ("", "") if coerce is None or coerce == "@fallback" else ('{"@value": ', "}")
        elif k[0] == "@":
            pre, post = '{"@value": ', f', "@language": "{k[1:]}"}}'
        else:
            pre, post = ("", "") if coerce == k else ('{"@value": ', f', "@type": "{k}"}}')
        t = (key, pre, post, f"{key}: {pre}")
        if len(self._templates) < 10_000:
            self._templates.setdefault(p, {})[k] = t
        return t

    def write(self, blocks: Iterable[Block]) -> None:
        # Hot path: node objects are assembled as JSON text from per-(predicate, kind)
        # templates; only strings that need JSON escaping go through json.dumps.
        parts = self._parts
        append = parts.append
        needs = _JSON_NEEDS
        dumps = json.dumps
        templates = self._templates
        template = self._template
        classes = self._class_json
        id_key, type_key = self._id_json, self._type_json
        empty: dict[str | None, tuple[str, str, str, str]] = {}
        first = self._first
        n = 0
        for _g, s, pairs in blocks:
            if not pairs:
                continue
            sq = f'"{s}"' if needs(s) is None else dumps(s, ensure_ascii=False)
            # the node object's members as text, in order; a key is written with its first
            # value at once, and rewritten as an array in the rare case that it repeats
            body = [f"{id_key}: {sq}"]
            index: dict[str, int] = {}  # key -> its member's position in body
            repeated: dict[str, list[str]] | None = None
            types: list[str] = []
            for p, o, k in pairs:
                if k is None and p == RDF_TYPE:
                    t = classes.get(o)
                    if t is None:
                        t = classes[o] = dumps(self._compact(o))
                    types.append(t)
                    continue
                key, pre, post, member = templates.get(p, empty).get(k) or template(p, k)
                i = index.get(key)
                if i is None:
                    index[key] = len(body)
                    if needs(o) is None:
                        body.append(f'{member}"{o}"{post}')
                    else:
                        body.append(member + dumps(o, ensure_ascii=False) + post)
                    continue
                val = f'{pre}"{o}"{post}' if needs(o) is None else pre + dumps(o, ensure_ascii=False) + post
                if repeated is None:
                    repeated = {}
                vals = repeated.get(key)
                if vals is None:
                    repeated[key] = [body[i][len(key) + 2 :], val]  # the member is f"{key}: {value}"
                else:
                    vals.append(val)
            if repeated:
                for key, vals in repeated.items():
                    body[index[key]] = f"{key}: [{', '.join(vals)}]"
            if types:
                body.insert(1, f"{type_key}: {types[0]}" if len(types) == 1 else f"{type_key}: [{', '.join(types)}]")
            append(("  {" if first else ",\n  {") + ", ".join(body) + "}")
            first = False
            n += len(pairs)
        self._first = first
        self.count += n
        if len(parts) >= 8192:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self.out.write("".join(self._parts).encode("utf-8", ENCODE_ERRORS))
            self._parts.clear()

    def end_chunk(self) -> None:
        self.flush()

    def close(self) -> int:
        self._parts.append("\n ]\n}\n")
        self.flush()
        return self.count
