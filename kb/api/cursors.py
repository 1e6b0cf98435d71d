"""Connection cursors: the store's keyset cursor plus a small offset into its page.

Stores hand back one keyset cursor per page (after its last entity). For a cursor on every
Relay edge, the API pairs the cursor the page was read after with the position in that
page; resuming from such a cursor reads at most one page size (100) further than needed.
"""

from __future__ import annotations

import base64
import hashlib
import json

from kb.api.errors import MAX_PAGE, ApiError


def query_key(*parts: object) -> str:
    """A short digest of what a listing is (class, filter, order), stored in its cursors."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def encode(after: str | None, skip: int, key: str) -> str:
    raw = json.dumps({"a": after, "s": skip, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, key: str) -> tuple[str | None, int]:
    """(store cursor or None, entities to skip after it); ApiError on anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = json.loads(raw)
        after, skip, ckey = doc["a"], doc["s"], doc["k"]
    except (ValueError, TypeError, KeyError) as exc:
        raise ApiError(f"invalid cursor {cursor[:40]!r}") from exc
    if (after is not None and not isinstance(after, str)) or not isinstance(skip, int) or not 0 <= skip <= MAX_PAGE:
        raise ApiError(f"invalid cursor {cursor[:40]!r}")
    if ckey != key:
        raise ApiError("this cursor belongs to a different listing (another type, filter or order)")
    return after, skip
