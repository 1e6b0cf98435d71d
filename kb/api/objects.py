"""Helpers shared by the generated GraphQL types: resolver signatures, names, value conversions,
and the base classes that turn store records into GraphQL objects."""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, ClassVar, TypeVar, cast

import strawberry

from kb.api.errors import ApiError
from kb.model import Edge, Evidence, Node, PropValue

F = TypeVar("F", bound=Callable[..., Any])


def signed(func: F, params: Sequence[tuple[str, Any, Any]], returns: Any) -> F:
    """Give ``func`` the signature ``(root, info, *params) -> returns`` for strawberry to read:
    ``params`` are ``(python name, annotation, default)``."""
    ps = [inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    ps.append(inspect.Parameter("info", inspect.Parameter.KEYWORD_ONLY, annotation=strawberry.Info))
    ps += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a, default=d) for n, a, d in params]
    func.__signature__ = inspect.Signature(ps, return_annotation=returns)  # type: ignore[attr-defined]
    func.__annotations__ = {p.name: p.annotation for p in ps[1:]} | {"return": returns}
    return func


def gql_field(description: str, name: str | None = None) -> Callable[[F], F]:
    """``@strawberry.field`` for resolver methods, typed so that mypy keeps the method's type."""

    def deco(fn: F) -> F:
        return cast(F, strawberry.field(resolver=fn, description=description, name=name))

    return deco


def arg(t: Any, description: str, **kw: Any) -> Any:
    """An argument's type, with its description."""
    return Annotated[t, strawberry.argument(description=description, **kw)]


def upper_snake(name: str) -> str:
    """'periodStart' -> 'PERIOD_START'."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def plural(word: str) -> str:
    """English plural of a field name (registry slugs and class names)."""
    if word.endswith("person"):
        return word[: -len("person")] + "people"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def sorted_evidence(evs: Sequence[Evidence]) -> list[Evidence]:
    """Each piece of evidence once, in a stable order (stores return contributions in any order)."""
    return sorted(
        dict.fromkeys(evs),
        key=lambda e: (e.source_id, -1 if e.start is None else e.start, e.locator or "", e.quote or ""),
    )


def as_string(v: PropValue | None) -> str | None:
    if v is None or isinstance(v, str):
        return v
    return "; ".join(v) if isinstance(v, list) else ("true" if v else "false") if isinstance(v, bool) else str(v)


def as_float(v: PropValue | None) -> float | ApiError | None:
    """A number as a GraphQL Float; an error value (graphql-core reports it on the field) for a
    number no Float can hold, such as a 400-digit integer from a spreadsheet cell."""
    if v is None or isinstance(v, bool | list):
        return None
    try:
        f = float(v)
    except ValueError:
        return None
    except OverflowError:
        f = math.inf
    if not math.isfinite(f):
        return ApiError("this figure is too large for a GraphQL Float; see the statistic's valueText and evidence")
    return f


def as_bool(v: PropValue | None) -> bool | None:
    if isinstance(v, str):
        return {"true": True, "false": False}.get(v.strip().lower())
    return v if isinstance(v, bool) else None


def as_strings(v: PropValue | None) -> list[str]:
    return [] if v is None else [str(x) for x in v] if isinstance(v, list) else [str(v)]


# (python attribute, property name, converter) for the properties a generated type shows
PropSpec = tuple[tuple[str, str, Callable[[PropValue | None], Any]], ...]


def _set_props(d: dict[str, Any], props: dict[str, Any], specs: PropSpec) -> None:
    for attr, name, conv in specs:
        v = props.get(name)
        # most values are already what the field shows: skip the converter call for them
        d[attr] = v if (v is None or type(v) is str) and conv is as_string else conv(v)


class NodeObj:
    """Base of every generated entity type: the store's :class:`Node`, with every scalar field
    set as a plain attribute when the object is made (strawberry's default resolver reads it)."""

    _node: Node
    _props: ClassVar[PropSpec] = ()

    @classmethod
    def of(cls, node: Node) -> Any:
        obj = cls.__new__(cls)
        obj.__dict__.update(_node=node, id=node.id, type=node.type, name=node.name, aliases=list(node.aliases))
        _set_props(obj.__dict__, node.props, cls._props)
        return obj


class EdgeObj:
    """Base of every generated relationship type: the store's :class:`Edge` and the GraphQL
    object of its far end (``node``)."""

    _edge: Edge
    _props: ClassVar[PropSpec] = ()

    @classmethod
    def of(cls, edge: Edge, node: Any = None) -> Any:
        obj = cls.__new__(cls)
        obj.__dict__.update(_edge=edge, id=edge.id, type=edge.type, source=edge.source, target=edge.target, node=node)
        _set_props(obj.__dict__, edge.props, cls._props)
        return obj
