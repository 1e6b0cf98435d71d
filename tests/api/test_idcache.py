"""kb.api.idcache: entries found by their objects' identity, never by an equal object, bounded."""

from __future__ import annotations

from kb.api.idcache import IdentityCache


def test_found_by_identity_and_extra_only() -> None:
    cache: IdentityCache[str] = IdentityCache(4)
    a, a_twin = ["doc"], ["doc"]
    assert cache.put((a,), 1, "first") == "first"
    assert cache.get((a,), 1) == "first"
    assert cache.get((a_twin,), 1) is None  # equal, not the same object
    assert cache.get((a,), 2) is None
    assert cache.get((a, a), 1) is None


def test_the_oldest_entry_goes_when_full() -> None:
    cache: IdentityCache[int] = IdentityCache(3)
    keys = [object() for _ in range(5)]
    for i, k in enumerate(keys):
        cache.put((k,), None, i)
    assert len(cache) == 3
    assert [cache.get((k,)) for k in keys] == [None, None, 2, 3, 4]
    assert [value for _, _, value in cache.items()] == [2, 3, 4]
