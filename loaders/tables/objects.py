"""The three model objects of every figure (Evidence, Statistic entity, ABOUT relation), made
without their dataclass ``__init__``, and sharing what they can.

Per figure the generated ``__init__`` of the frozen, validated Evidence costs more than the
digest of the statistic's id; Entity's and Relation's keyword-default ``__init__`` cost half
as much again. A table builds millions, all with the same source, method and confidence (valid
by construction), so these makers set the slots directly. The objects are the model's own
classes, equal to ones built the ordinary way; the field names are checked against the model
at import, so a field added to it fails here rather than leaving a slot unset.

A statistic and its ABOUT relation cite the same cell: they share one evidence list, and the
statistics of a table share one empty alias list and their relations one empty property dict
(a sixth of a figure's memory). Nothing changes Facts after a loader returns them: the stores
and the pipeline copy what they keep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from kb.model import Entity, Evidence, Props, Relation

_EVIDENCE = ("source_id", "quote", "start", "end", "method", "confidence", "locator")
_ENTITY = ("id", "type", "name", "aliases", "props", "evidence")
_RELATION = ("type", "source", "target", "props", "evidence")
for _cls, _names in ((Evidence, _EVIDENCE), (Entity, _ENTITY), (Relation, _RELATION)):
    if tuple(f.name for f in fields(_cls)) != _names:  # pragma: no cover - a change of kb.model
        raise ImportError(f"loaders.tables.objects: kb.model.{_cls.__name__} changed; update the makers")

_new = object.__new__
# Evidence is frozen: its slots are set through their descriptors, as its __init__ does.
_slot: dict[str, Callable[[Any, Any], None]] = {n: getattr(Evidence, n).__set__ for n in _EVIDENCE}


def table_evidence(source_id: str) -> Callable[[str, str], Evidence]:
    """A maker of ``Evidence(source_id, quote, method="table", locator=locator)``."""
    if not source_id:
        raise ValueError("evidence needs a source id")
    s_source, s_quote, s_start, s_end = _slot["source_id"], _slot["quote"], _slot["start"], _slot["end"]
    s_method, s_confidence, s_locator = _slot["method"], _slot["confidence"], _slot["locator"]

    def make(quote: str, locator: str) -> Evidence:
        ev: Evidence = _new(Evidence)
        s_source(ev, source_id)
        s_quote(ev, quote)
        s_start(ev, None)
        s_end(ev, None)
        s_method(ev, "table")
        s_confidence(ev, 1.0)
        s_locator(ev, locator)
        return ev

    return make


def statistic(sid: str, name: str, props: Props, evidence: list[Evidence], aliases: list[str]) -> Entity:
    """``Entity(sid, "Statistic", name, aliases, props, evidence)``."""
    e: Entity = _new(Entity)
    e.id = sid
    e.type = "Statistic"
    e.name = name
    e.aliases = aliases
    e.props = props
    e.evidence = evidence
    return e


def about(sid: str, subject_id: str, evidence: list[Evidence], props: Props) -> Relation:
    """``Relation("ABOUT", sid, subject_id, props, evidence)``."""
    r: Relation = _new(Relation)
    r.type = "ABOUT"
    r.source = sid
    r.target = subject_id
    r.props = props
    r.evidence = evidence
    return r
