"""Checks every store applies before writing a source's facts, so both stores accept and
reject exactly the same input."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import cache

from kb.identity import split_id
from kb.model import Entity, Evidence, Facts, Props, PropValue
from kb.ontology import ontology


class InvalidFacts(ValueError):
    """The facts break the ontology (unknown type, bad id, relation outside its domain)."""


@cache
def _allowed_props(entity_type: str) -> frozenset[str]:
    return frozenset(ontology().classes[entity_type].properties)


@cache
def _allowed_relation_props(rel_type: str) -> frozenset[str]:
    return frozenset(ontology().relations[rel_type].props)


@cache
def _allows(rel_type: str, subject_type: str, object_type: str) -> bool:
    return ontology().allows(rel_type, subject_type, object_type)


def _check_value(owner: str, name: str, value: PropValue) -> None:
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidFacts(f"{owner}: property {name!r} is not a finite number")
    if isinstance(value, list) and not all(isinstance(v, str) for v in value):
        raise InvalidFacts(f"{owner}: property {name!r} must be a list of strings")
    if not isinstance(value, str | int | float | bool | list):
        raise InvalidFacts(f"{owner}: property {name!r} has unsupported type {type(value).__name__}")


def _check_props(owner: str, props: Props, allowed: frozenset[str], where: str = "") -> None:
    for k, v in props.items():
        if k not in allowed:
            raise InvalidFacts(f"{owner}: property {k!r} is not defined{where}")
        _check_value(owner, k, v)


def _check_evidence(owner: str, evidence: Iterable[Evidence], source_id: str) -> None:
    for ev in evidence:
        if ev.source_id != source_id:
            raise InvalidFacts(f"{owner}: evidence cites {ev.source_id!r}, not this source")


def merge_entities(facts: Facts) -> dict[str, Entity]:
    """The source's entities by id, with repeated mentions of one id merged."""
    out: dict[str, Entity] = {}
    for e in [facts.source, *facts.entities]:
        prev = out.get(e.id)
        if prev is None:
            out[e.id] = Entity(e.id, e.type, e.name, list(e.aliases), dict(e.props), list(e.evidence))
            continue
        onto = ontology()
        # keep the most specific type (Officer over Person)
        if onto.is_a(e.type, prev.type):
            prev.type = e.type
        for a in e.aliases:
            if a not in prev.aliases and a != prev.name:
                prev.aliases.append(a)
        if e.name != prev.name and e.name not in prev.aliases:
            prev.aliases.append(e.name)
        for k, v in e.props.items():
            prev.props.setdefault(k, v)
        prev.evidence.extend(x for x in e.evidence if x not in prev.evidence)
    return out


def validate(facts: Facts, known_type: Callable[[str], str | None]) -> dict[str, Entity]:
    """Validate ``facts``; ``known_type`` gives the type of an id already in the store.

    Returns the merged entities by id. Raises :class:`InvalidFacts` naming the problem.
    """
    onto = ontology()
    if facts.source.type != "Source":
        raise InvalidFacts(f"facts source {facts.source.id!r} must have type Source")
    entities = merge_entities(facts)
    for e in entities.values():
        if e.type not in onto.classes:
            raise InvalidFacts(f"entity {e.id!r}: unknown type {e.type!r}")
        try:
            slug, _ = split_id(e.id)
        except ValueError as exc:
            raise InvalidFacts(str(exc)) from None
        if slug != onto.slug(e.type):
            raise InvalidFacts(f"entity {e.id!r}: id prefix does not match type {e.type}")
        if not e.name.strip():
            raise InvalidFacts(f"entity {e.id!r}: empty name")
        _check_props(f"entity {e.id!r}", e.props, _allowed_props(e.type), f" for {e.type}")
        _check_evidence(f"entity {e.id!r}", e.evidence, facts.source_id)
    for r in facts.relations:
        if r.type not in onto.relations or r.type == "MENTIONED_IN":
            raise InvalidFacts(f"relation {r.type!r} is not a storable relation type")
        types = []
        for end in (r.source, r.target):
            t = entities[end].type if end in entities else known_type(end)
            if t is None:
                raise InvalidFacts(f"relation {r.type} refers to unknown entity {end!r}")
            types.append(t)
        if not _allows(r.type, types[0], types[1]):
            raise InvalidFacts(f"relation {r.type} does not allow {types[0]} -> {types[1]} ({r.source} -> {r.target})")
        _check_props(f"relation {r.type}", r.props, _allowed_relation_props(r.type))
        _check_evidence(f"relation {r.type}", r.evidence, facts.source_id)
    return entities
