"""HTTP content negotiation: read an Accept header into media types by preference."""

from __future__ import annotations


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
