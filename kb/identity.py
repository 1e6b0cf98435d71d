"""Stable identifiers and name resolution.

An entity id is ``{slug}/{key}``: the class's IRI slug and a key taken from an external
id where there is one (the police.uk force id), else from the normalised name. The same
name always gives the same id, so re-loading a source never duplicates anything.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from kb.ontology import ontology

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOS = re.compile(r"[’'`]")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, for comparisons."""
    if text.isascii():  # nothing to decompose (the common case; several times faster)
        return _SPACE.sub(" ", text).strip().casefold()
    s = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("–", "-").replace("—", "-")
    return _SPACE.sub(" ", s).strip().casefold()


def normalise_name(text: str) -> str:
    """Normalised form used by the alias index: folded, '&' read as 'and', punctuation dropped.

    A leading "the" is dropped, so "the Met" and "Met" are the same key.
    """
    s = fold(text)
    s = _APOS.sub("", s)
    s = s.replace("&", " and ")
    s = _NON_ALNUM.sub(" ", s)
    s = _SPACE.sub(" ", s).strip()
    if s.startswith("the "):
        s = s[4:]
    return s


def slugify(text: str, max_len: int = 80) -> str:
    """URL-safe key from a name: 'Devon & Cornwall Police' -> 'devon-and-cornwall-police'."""
    s = normalise_name(text).replace(" ", "-")
    if not s:
        return "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    if len(s) > max_len:
        digest = hashlib.sha256(s.encode("utf-8")).hexdigest()[:8]
        s = s[: max_len - 9].rstrip("-") + "-" + digest
    return s


def make_id(entity_type: str, name: str, key: str | None = None) -> str:
    """The id of an entity of ``entity_type`` called ``name`` (or with external ``key``)."""
    slug = ontology().slug(entity_type)
    return f"{slug}/{slugify(key) if key else slugify(name)}"


def hashed_id(entity_type: str, *parts: object) -> str:
    """Id for entities identified by content (statistics, quotes): a digest of the parts."""
    slug = ontology().slug(entity_type)
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return f"{slug}/{hashlib.sha256(text.encode('utf-8')).hexdigest()[:20]}"


def split_id(entity_id: str) -> tuple[str, str]:
    """'force/thames-valley' -> ('force', 'thames-valley')."""
    slug, sep, key = entity_id.partition("/")
    if not sep or not slug or not key:
        raise ValueError(f"not an entity id: {entity_id!r}")
    return slug, key


class AliasIndex:
    """Maps every known name of an entity to its id ("the Met", "MPS" -> force/metropolitan).

    Names are compared after :func:`normalise_name`. A name claimed by two different
    entities is ambiguous and resolves to nothing rather than to a guess.
    """

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._types: dict[str, str] = {}
        self._ambiguous: set[str] = set()
        self._names: dict[str, str] = {}

    def add(self, entity_id: str, entity_type: str, names: Iterable[str]) -> None:
        self._types[entity_id] = entity_type
        for name in names:
            key = normalise_name(name)
            if not key:
                continue
            existing = self._ids.get(key)
            if existing is not None and existing != entity_id:
                self._ambiguous.add(key)
                continue
            self._ids[key] = entity_id
            self._names.setdefault(entity_id, name)

    def resolve(self, name: str) -> str | None:
        """The id of the entity called ``name``, or None when unknown or ambiguous."""
        key = normalise_name(name)
        if key in self._ambiguous:
            return None
        return self._ids.get(key)

    def type_of(self, entity_id: str) -> str | None:
        return self._types.get(entity_id)

    def names(self) -> Iterable[tuple[str, str]]:
        """(normalised name, id) pairs, unambiguous ones only."""
        return ((k, v) for k, v in self._ids.items() if k not in self._ambiguous)

    def __contains__(self, name: str) -> bool:
        return self.resolve(name) is not None

    def __len__(self) -> int:
        return len(self._ids)
