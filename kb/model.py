"""The KB's data model: entities, relations and the evidence behind each.

Loaders produce a :class:`Facts` bundle per source; stores keep, for every entity and
relation, what each source contributed, so that a source can be replaced or removed
exactly. Property values are JSON scalars (str, int, float, bool) or lists of str.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Scalar: TypeAlias = str | int | float | bool
PropValue: TypeAlias = Scalar | list[str]
Props: TypeAlias = dict[str, PropValue]
Method: TypeAlias = Literal["rule", "table", "reference", "model", "manual"]
Direction: TypeAlias = Literal["out", "in", "both"]

METHODS: tuple[str, ...] = ("rule", "table", "reference", "model", "manual")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Provenance of one mention or assertion: which source, where, how, how sure."""

    source_id: str
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    method: str = "rule"
    confidence: float = 1.0
    # Table loaders cite cells: "sheet!row:col" style locators, human readable.
    locator: str | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown evidence method {self.method!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be within 0..1, got {self.confidence}")


@dataclass(slots=True)
class Entity:
    """A thing in the KB. ``id`` is ``{slug}/{key}``, e.g. ``force/thames-valley``."""

    id: str
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)
    props: Props = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True)
class Relation:
    """A typed, directed relation between two entity ids, with its own properties."""

    type: str
    source: str
    target: str
    props: Props = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Identity of the relation between its two ends: the type plus a post title or role.

        Two HOLDS_POST relations with different titles are different posts; everything else
        between the same two entities with the same type is one relation.
        """
        qual = self.props.get("title") or self.props.get("role") or ""
        return f"{self.type}|{str(qual).strip().lower()}" if qual else self.type


@dataclass(slots=True)
class Facts:
    """Everything one source asserts. ``source`` is an entity of type Source."""

    source: Entity
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def source_id(self) -> str:
        return self.source.id


@dataclass(frozen=True, slots=True)
class Node:
    """An entity as a store returns it: merged over all the sources that mention it."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    props: Props
    evidence: tuple[Evidence, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.source_id for e in self.evidence))


@dataclass(frozen=True, slots=True)
class Edge:
    """A relation as a store returns it: merged over all the sources that assert it."""

    type: str
    source: str
    target: str
    key: str
    props: Props
    evidence: tuple[Evidence, ...]

    @property
    def id(self) -> str:
        """A stable id for the edge, usable as a cursor or in URLs."""
        return f"{self.source}|{self.key}|{self.target}"


@dataclass(frozen=True, slots=True)
class Stats:
    """What a store holds."""

    entities: dict[str, int]
    relations: dict[str, int]
    sources: int

    @property
    def total_entities(self) -> int:
        return sum(self.entities.values())

    @property
    def total_relations(self) -> int:
        return sum(self.relations.values())


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What one upsert changed."""

    source_id: str
    entities_added: int
    entities_updated: int
    relations_added: int
    relations_removed: int
    entities_removed: int
    unchanged: bool
