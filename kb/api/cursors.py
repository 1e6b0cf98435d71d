"""Connection cursors: the keyset cursor a store's page was read after, plus a position in it
(stores give one cursor per page; resuming reads at most one page further than needed). Everything
in a client's cursor is checked before a store sees it: a forged one is an "invalid cursor"."""

from __future__ import annotations

import base64
import hashlib
import json

from kb.api.errors import MAX_PAGE, ApiError
from kb.store.base import StoreError, decode_cursor


def query_key(*parts: object) -> str:
    """A short digest of what a listing is (class, filter, order), stored in its cursors."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def encode(after: str | None, skip: int, key: str) -> str:
    raw = json.dumps({"a": after, "s": skip, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _store_cursor_ok(cursor: str, by_id: bool) -> bool:
    """Whether a store cursor has the shape stores make: (sort value, id), the sort value being
    (0, id) for id order, else (0, number), (1, text) or (2, "") for a missing value."""
    try:
        (rank, value), nid = decode_cursor(cursor)
    except (StoreError, ValueError, TypeError):
        return False
    if not isinstance(nid, str) or type(rank) is not int:
        return False
    if by_id:
        return rank == 0 and value == nid
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return (rank == 0 and number) or (rank == 1 and isinstance(value, str)) or (rank, value) == (2, "")


def decode(cursor: str, key: str, by_id: bool) -> tuple[str | None, int]:
    """(store cursor or None, entities to skip after it); ApiError on anything else."""
    bad = ApiError(f"invalid cursor {cursor[:40]!r}")
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after, skip, ckey = doc["a"], doc["s"], doc["k"]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise bad from exc
    if type(skip) is not int or not 0 <= skip <= MAX_PAGE:
        raise bad
    if ckey != key:
        raise ApiError("this cursor belongs to a different listing (another type, filter or order)")
    if after is not None and not (isinstance(after, str) and _store_cursor_ok(after, by_id)):
        raise bad
    return after, skip
