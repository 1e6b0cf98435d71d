"""Relationship fields resolved without strawberry's per-call wrapper.

A nested answer resolves one relationship field per entity shown (21 for a force's first 20
officers and their allegations). For each call strawberry builds an ``Info`` object, converts
the arguments and runs its extension chain: about 15% of such a request's CPU time. The
relationship resolvers (kb.api.types) need none of that: they read ``info.context`` (the same
attribute on graphql-core's resolve info) and plain scalar arguments, which graphql-core has
already coerced. :func:`install` hands graphql-core the resolver itself for the fields whose
resolver is marked with :func:`direct`; every other field keeps strawberry's path, and the
schema (types, arguments, descriptions) is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "_kb_direct_args"
_INSTALLED = "_kb_direct"
_MANY = "_kb_many"


def direct(func: F, renames: dict[str, str] | None = None, many: Callable[..., Any] | None = None) -> F:
    """Mark a resolver as callable straight from graphql-core; ``renames`` maps GraphQL
    argument names to the resolver's parameter names (``from`` -> ``from_``).

    ``many``, when given, is the same resolver for a list of parents at once, on records:
    ``many(records, info, **arguments)`` takes the parents' store records (what their objects
    were made from) and returns, for each, the records of the objects ``func`` would return
    (never an awaitable), or raises. kb.api.executor calls it for the parents of a level
    together, so that their reads are one batch, and answers from the records.
    """
    setattr(func, _MARK, dict(renames or {}))
    if many is not None:
        setattr(func, _MANY, many)
    return func


def many_of(resolve: Any) -> Callable[..., Any] | None:
    """The batch form of a resolver :func:`install` gave graphql-core, if it has one (its
    arguments take GraphQL names, as graphql-core passes them)."""
    found = getattr(resolve, _MANY, None)
    return found if callable(found) else None


def is_direct(resolve: Any) -> bool:
    """True for a resolver :func:`install` gave graphql-core: it reads only ``info.context``
    and its (already coerced) arguments (kb.api.executor relies on this)."""
    return getattr(resolve, _INSTALLED, False) is True


def _adapter(func: Callable[..., Any], renames: dict[str, str]) -> Callable[..., Any]:
    if not renames:
        return func

    def resolve(source: Any, info: Any, **kwargs: Any) -> Any:
        for graphql_name, python_name in renames.items():
            if graphql_name in kwargs:
                kwargs[python_name] = kwargs.pop(graphql_name)
        return func(source, info, **kwargs)

    setattr(resolve, _INSTALLED, True)
    return resolve


def install(schema: strawberry.Schema) -> int:
    """Point graphql-core at the marked resolvers of ``schema``; returns how many fields."""
    core = getattr(schema, "_schema", None)  # strawberry's graphql-core schema
    if core is None:  # a strawberry without it: every field keeps strawberry's path
        return 0
    n = 0
    for name, gtype in core.type_map.items():
        fields = getattr(gtype, "fields", None)
        if name.startswith("__") or not fields:
            continue
        for field in fields.values():
            definition = (field.extensions or {}).get("strawberry-definition")
            resolver = getattr(definition, "base_resolver", None)
            func = getattr(resolver, "wrapped_func", None)
            renames = getattr(func, _MARK, None)
            if func is not None and renames is not None and not getattr(definition, "extensions", None):
                if not renames:
                    setattr(func, _INSTALLED, True)
                field.resolve = _adapter(func, renames)
                many = getattr(func, _MANY, None)
                if many is not None:
                    setattr(field.resolve, _MANY, _adapter(many, renames))
                n += 1
    return n
