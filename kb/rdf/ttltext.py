"""Helpers to write hand-structured Turtle (the ontology and the shapes) deterministically."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from kb.rdf.ntriples import escape

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def lit(text: str, lang: str | None = "en") -> str:
    """A quoted literal, language-tagged unless ``lang`` is None."""
    return f'"{escape(text)}"' + (f"@{lang}" if lang else "")


def typed(text: str, datatype: str) -> str:
    return f'"{escape(text)}"^^{datatype}'


def words(name: str) -> str:
    """'rankNormalised' -> 'rank normalised'; 'SERVES_IN' -> 'serves in'."""
    if "_" in name or name.isupper():
        return name.replace("_", " ").lower()
    return _CAMEL.sub(" ", name).lower()


def one_or_union(classes: Sequence[str], kind: str = "owl") -> str:
    """A single class CURIE, or an anonymous union (OWL) / sh:or list (SHACL) of several."""
    if len(classes) == 1:
        return classes[0]
    if kind == "owl":
        return f"[ a owl:Class ; owl:unionOf ( {' '.join(classes)} ) ]"
    return "( " + " ".join(f"[ sh:class {c} ]" for c in classes) + " )"


def stmt(subject: str, pairs: Iterable[tuple[str, str | Sequence[str]]]) -> str:
    """One Turtle statement; a pair whose object is a sequence lists several objects."""
    lines = []
    for pred, obj in pairs:
        objs = [obj] if isinstance(obj, str) else list(obj)
        if objs:
            lines.append(f"    {pred} {', '.join(objs)}")
    return subject + "\n" + " ;\n".join(lines) + " .\n"


def prefix_lines(prefixes: Mapping[str, str]) -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items())
