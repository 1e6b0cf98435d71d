"""Helpers shared by the generated GraphQL types: wrapping store records, resolver signatures.

Strawberry reads a resolver's arguments and return type from its signature; the generated
types build those signatures from the ontology registry, so this module provides the few
tools that make that readable.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from operator import attrgetter, itemgetter
from typing import Any, ClassVar, TypeVar, cast

from kb.model import Edge, Evidence, Node, PropValue

F = TypeVar("F", bound=Callable[..., Any])


def signed(func: F, params: Sequence[tuple[str, Any, Any]], returns: Any, *, info: bool = True) -> F:
    """Give ``func`` the signature ``(root, [info,] *params) -> returns`` for strawberry to read.

    ``params`` are ``(python name, annotation, default)``; a default of ``inspect.Parameter.empty``
    makes the argument required.
    """
    ps = [inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if info:
        ps.append(inspect.Parameter("info", inspect.Parameter.KEYWORD_ONLY, annotation=_info_type()))
    for name, ann, default in params:
        ps.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=ann, default=default))
    func.__signature__ = inspect.Signature(ps, return_annotation=returns)  # type: ignore[attr-defined]
    anns = {p.name: p.annotation for p in ps if p.annotation is not inspect.Parameter.empty}
    anns["return"] = returns
    func.__annotations__ = anns
    return func


def _info_type() -> Any:
    import strawberry

    return strawberry.Info


_CAMEL = re.compile(r"_([a-z])")


def pascal(name: str) -> str:
    """'SERVES_IN' -> 'ServesIn'."""
    return "".join(part.capitalize() for part in name.lower().split("_"))


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def upper_snake(name: str) -> str:
    """'periodStart' -> 'PERIOD_START'."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def plural(word: str) -> str:
    """English plural of a field name (registry slugs and class names)."""
    if word.endswith("person"):
        return word[: -len("person")] + "people"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def evidence_key(ev: Evidence) -> tuple[str, int, str, str]:
    """Deterministic evidence order (stores may return contributions in any order)."""
    return (ev.source_id, ev.start if ev.start is not None else -1, ev.locator or "", ev.quote or "")


def sorted_evidence(evs: Sequence[Evidence]) -> list[Evidence]:
    return sorted(dict.fromkeys(evs), key=evidence_key)


def source_ids(evs: Sequence[Evidence]) -> list[str]:
    return sorted({e.source_id for e in evs})


def as_string(v: PropValue | None) -> str | None:
    if v is None:
        return None
    if isinstance(v, list):
        return "; ".join(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def as_float(v: PropValue | None) -> float | None:
    if v is None or isinstance(v, bool | list):
        return None
    try:
        return float(v)
    except ValueError:
        return None


def as_bool(v: PropValue | None) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        return {"true": True, "false": False}.get(v.strip().lower())
    return None


def as_strings(v: PropValue | None) -> list[str]:
    if v is None:
        return []
    if isinstance(v, list):
        return [str(x) for x in v]
    return [str(v)]


def year_of(date: PropValue | None) -> int | None:
    """Year of an ISO date string ('2021', '2021-05', '2021-05-03'), else None."""
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None


Converter = Callable[[PropValue | None], Any]


class NodeObj:
    """Base of every generated entity type: holds the store's :class:`Node`.

    Scalar fields are set as plain attributes when the object is made, so that strawberry
    resolves them on its fast path (no resolver call, no Info object): a nested answer
    resolves hundreds of such fields.
    """

    _node: Node
    # (python attribute, property name, converter) for the class's ontology properties
    _props: ClassVar[tuple[tuple[str, str, Converter], ...]] = ()
    # The generated class of an entity record, the one EdgeObj._wrap makes (set by kb.api.types).
    class_of: ClassVar[Callable[[Node], type]]

    @classmethod
    def of(cls, node: Node) -> Any:
        obj = cls.__new__(cls)
        d = obj.__dict__
        d["_node"] = node
        d["id"] = node.id
        d["type"] = node.type
        d["name"] = node.name
        d["aliases"] = list(node.aliases)
        props = node.props
        for attr, name, conv in cls._props:
            v = props.get(name)
            # most values are already what the field shows: skip the converter call for them
            d[attr] = v if (v is None or type(v) is str) and conv is as_string else conv(v)
        return obj

    @classmethod
    def readers(cls) -> dict[str, Callable[[Node], Any]]:
        """For each attribute :meth:`of` sets, how to read its value from the record itself
        (kb.api.executor answers from records, without making objects)."""
        found = cls.__dict__.get("_readers")
        if found is None:
            found = {
                "id": attrgetter("id"),
                "type": attrgetter("type"),
                "name": attrgetter("name"),
                "aliases": _aliases,
                **{attr: _prop_reader(name, conv) for attr, name, conv in cls._props},
            }
            cls._readers = found  # type: ignore[attr-defined]
        return found


def _aliases(node: Node) -> list[str]:
    return list(node.aliases)


def _prop_reader(name: str, conv: Converter) -> Callable[[Node], Any]:
    """Reads property ``name`` of an entity record as :meth:`NodeObj.of` sets it."""

    def read(node: Node) -> Any:
        v = node.props.get(name)
        return v if (v is None or type(v) is str) and conv is as_string else conv(v)

    return read


# An edge record: (relationship, the entity at the far end). See EdgeObj.readers.
EdgeRecord = tuple[Edge, Node]


class EdgeObj:
    """Base of every generated relationship type: the store's :class:`Edge` and its far end."""

    _edge: Edge
    _other: Node | None
    _direction: str
    _props: ClassVar[tuple[tuple[str, str, Converter], ...]] = ()
    # Makes the GraphQL object for the far end (set by kb.api.types).
    _wrap: ClassVar[Callable[[Node], Any]]

    @classmethod
    def of(cls, edge: Edge, other: Node | None, direction: str = "out") -> Any:
        obj = cls.__new__(cls)
        d = obj.__dict__
        d["_edge"] = edge
        d["_other"] = other
        d["_direction"] = direction
        d["id"] = edge.id
        d["type"] = edge.type
        d["source"] = edge.source
        d["target"] = edge.target
        d["node"] = EdgeObj._wrap(other) if other is not None else None
        props = edge.props
        for attr, name, conv in cls._props:
            v = props.get(name)
            d[attr] = v if (v is None or type(v) is str) and conv is as_string else conv(v)
        return obj

    @classmethod
    def readers(cls) -> dict[str, Callable[[EdgeRecord], Any]]:
        """For each attribute :meth:`of` sets, how to read its value from an edge record
        ``(edge, far end)``; ``node`` gives the far end's record, not an object."""
        found = cls.__dict__.get("_readers")
        if found is None:
            found = {
                "id": _edge_attr("id"),
                "type": _edge_attr("type"),
                "source": _edge_attr("source"),
                "target": _edge_attr("target"),
                "node": itemgetter(1),
                **{attr: _edge_prop_reader(name, conv) for attr, name, conv in cls._props},
            }
            cls._readers = found  # type: ignore[attr-defined]
        return found


def _edge_attr(name: str) -> Callable[[EdgeRecord], Any]:
    get = attrgetter(name)
    return lambda record: get(record[0])


def _edge_prop_reader(name: str, conv: Converter) -> Callable[[EdgeRecord], Any]:
    def read(record: EdgeRecord) -> Any:
        v = record[0].props.get(name)
        return v if (v is None or type(v) is str) and conv is as_string else conv(v)

    return read


def gql_field(description: str, name: str | None = None) -> Callable[[F], F]:
    """``@strawberry.field`` for resolver methods, typed so that mypy keeps the method's type."""
    import strawberry

    def deco(fn: F) -> F:
        return cast(F, strawberry.field(resolver=fn, description=description, name=name))

    return deco


def list_of(t: Any) -> Any:
    """``list[t]`` for a type only known at run time (a generated GraphQL type)."""
    return list.__class_getitem__(t)
