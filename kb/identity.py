"""Stable identifiers and name resolution.

An entity id is ``{slug}/{key}``: the class's IRI slug and a key taken from an external
id where there is one (the police.uk force id), else from the normalised name. The same
name always gives the same id, so re-loading a source never duplicates anything.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

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


# -- people: when two mentions of one name may be one person ---------------------------------
# Words that make a role a police one: a civilian role ("striker", "solicitor") conflicts with
# an officer of the same name, a police one ("officer", "detective") does not.
POLICE_WORDS = frozenset(
    {"police", "officer", "officers", "constable", "pc", "pcso", "sergeant", "inspector", "superintendent"}
    | {"commissioner", "commander", "detective", "chief", "deputy", "assistant", "special", "staff"}
)
_ROLE_STOP = frozenset({"a", "an", "the", "of", "for", "and", "at", "in", "on", "to", "with"})


@dataclass(frozen=True, slots=True)
class Said:
    """One thing a source says about a person: a force, a rank or a role (``value``), with the
    rank's order (from the rank table) and the source's date where known."""

    source: str
    value: str
    date: str | None = None
    order: int | None = None


@dataclass(slots=True)
class Profile:
    """What the sources say about a person that bears on who they are."""

    id: str
    name: str
    officer: bool = False
    forces: list[Said] = field(default_factory=list)  # value: force id; label: its name
    ranks: list[Said] = field(default_factory=list)
    roles: list[Said] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # force id -> force name, for reading

    def without(self, sources: Collection[str]) -> Profile:
        """The profile as the other sources have it."""
        f, r, o = ([s for s in xs if s.source not in sources] for xs in (self.forces, self.ranks, self.roles))
        return Profile(self.id, self.name, self.officer, f, r, o, self.labels)

    @property
    def empty(self) -> bool:
        return not (self.forces or self.ranks or self.roles)


@dataclass(frozen=True, slots=True)
class Comparison:
    """The evidence for and against two person mentions being one person."""

    for_: tuple[str, ...]
    against: tuple[str, ...]

    @property
    def compatible(self) -> bool:
        return not self.against


def _role_words(role: str) -> set[str]:
    return {w for w in normalise_name(role).split() if w not in _ROLE_STOP}


def _earlier(a: str | None, b: str | None) -> bool | None:
    """Whether date ``a`` comes before ``b`` (ISO strings of any precision); None when unknown or
    overlapping ("2023" and "2023-05")."""
    if not a or not b:
        return None
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return None
    return a < b


def _cite(s: Said) -> str:
    return f"{s.source}" + (f", {s.date}" if s.date else "")


def compare(a: Profile, b: Profile) -> Comparison:
    """The evidence for and against ``a`` and ``b`` being one person (same name assumed).

    Against: they serve in different forces (and no force in common); a rank history that goes
    down (a later source gives a lower rank, or two sources of one date give different ranks);
    an officer against a person whose roles are none of them police roles; two civilians whose
    roles share no word. For: the name, a force, a rank or a role in common.
    """
    pro = [f"same name ({a.name})" if a.name == b.name else f"names {a.name!r} and {b.name!r} normalise alike"]
    con: list[str] = []
    af = {s.value for s in a.forces}
    bf = {s.value for s in b.forces}
    names = {**a.labels, **b.labels}
    if af and bf:
        shared = af & bf
        if shared:
            pro.append("both serve in " + ", ".join(sorted(names.get(f, f) for f in shared)))
        else:
            con.append(
                "serves in "
                + "; ".join(f"{names.get(s.value, s.value)} ({_cite(s)})" for s in a.forces)
                + " against "
                + "; ".join(f"{names.get(s.value, s.value)} ({_cite(s)})" for s in b.forces)
            )
    shared_ranks = {s.value for s in a.ranks} & {s.value for s in b.ranks}
    if shared_ranks:
        pro.append("same rank (" + ", ".join(sorted(shared_ranks)) + ")")
    for x in a.ranks:
        for y in b.ranks:
            if x.order is None or y.order is None or x.order == y.order:
                continue
            if x.date and x.date == y.date:
                con.append(f"ranks {x.value} ({_cite(x)}) and {y.value} ({_cite(y)}) at the same date")
            elif (before := _earlier(x.date, y.date)) is not None:
                first, later = (x, y) if before else (y, x)
                if (later.order or 0) < (first.order or 0):
                    con.append(f"rank {first.value} ({_cite(first)}) but a lower {later.value} later ({_cite(later)})")
    if a.officer != b.officer:
        civilian = b if a.officer else a
        roles = [s for s in civilian.roles if not (_role_words(s.value) & POLICE_WORDS)]
        if roles and len(roles) == len(civilian.roles):
            con.append(
                "an officer against someone described as " + "; ".join(f"{s.value!r} ({_cite(s)})" for s in roles)
            )
    elif not a.officer and a.roles and b.roles:
        aw = [_role_words(s.value) for s in a.roles]
        bw = [_role_words(s.value) for s in b.roles]
        if any(x & y for x in aw for y in bw):
            pro.append("a role in common")
        else:
            con.append(
                "described as "
                + "; ".join(f"{s.value!r} ({_cite(s)})" for s in a.roles)
                + " against "
                + "; ".join(f"{s.value!r} ({_cite(s)})" for s in b.roles)
            )
    return Comparison(tuple(pro), tuple(dict.fromkeys(con)))


def family(entity_id: str) -> str:
    """The id a person's same-name family shares: ``person/james-walker`` for itself and for
    ``person/james-walker--cumbria`` (a namesake kept apart)."""
    return entity_id.split("--", 1)[0]
