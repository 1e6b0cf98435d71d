"""HTTP content negotiation: read an Accept header into media types by preference."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar, overload

T = TypeVar("T")


def preferences(accept: str) -> list[str]:
    """Media types of an Accept header, most preferred first.

    Higher q wins; on a tie the earlier listed wins; q=0 (or an unreadable q) excludes.
    """
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, i, media))
    return [m for _, _, m in sorted(ranked)]


@overload
def negotiate(accept: str, table: Mapping[str, T]) -> T | None: ...
@overload
def negotiate(accept: str, table: Mapping[str, T], default: T) -> T: ...
def negotiate(accept: str, table: Mapping[str, T], default: T | None = None) -> T | None:
    """What ``table`` gives for the most preferred media type of ``accept`` it has, else ``default``.

    An empty header is ``*/*``: a client that sends none takes any type (RFC 9110, 12.5.1).
    """
    return next((table[m] for m in preferences(accept.strip() or "*/*") if m in table), default)
