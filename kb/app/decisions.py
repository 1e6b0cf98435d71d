"""What ``policekb merge``, ``split`` and ``remove`` do to a KB.

A judgement is recorded in the judgements file first (the file is the record; a store that
misses a change catches up on the next load), then applied at once: every source that says
something about the entities concerned is rewritten from what the store holds for it
(Store.source_facts) and written back, with the redirects, in one change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.app.judgements import (
    JUDGEMENTS_KEY,
    Judgement,
    Judgements,
    append_judgement,
    read_judgements,
    split_entity_id,
)
from kb.identity import split_id
from kb.model import UpsertResult
from kb.store.base import FILES, REDIRECTS, Store, StoreError


@dataclass(frozen=True)
class Decision:
    """What a merge or split recorded and changed."""

    judgement: Judgement
    results: list[UpsertResult]
    new_id: str  # the id the decision leaves: A for a merge, the split-off id for a split


def current_judgements(store: Store, path: Path) -> Judgements:
    """The judgements file's decisions; when there is no file, the copy the KB keeps."""
    if path.exists():
        return read_judgements(path)
    return Judgements.from_json(store.meta(JUDGEMENTS_KEY))


def _record(store: Store, path: Path, judgements: Judgements, j: Judgement, note: str | None) -> None:
    if not path.exists():  # start the file from the KB's copy, so no decision is lost
        for old in judgements.items:
            append_judgement(path, old, "from the KB's copy")
    judgements.add(j)
    append_judgement(path, j, note)


def _exists(store: Store, entity_id: str) -> bool:
    return entity_id in store.node_parts([entity_id])


def sources_about(store: Store, ids: Iterable[str]) -> list[str]:
    """The sources that say something about any of ``ids``: the entity or a relation on it."""
    ids = list(ids)
    found = {sid for parts in store.node_parts(ids).values() for sid, _ in parts}
    keys = [(e.source, e.target, e.key) for e in store.edges(ids)]
    found |= {sid for parts in store.edge_parts(keys).values() for sid, _ in parts}
    return sorted(s for s in found if s not in ids)


def reapply(store: Store, judgements: Judgements, sources: Sequence[str]) -> list[UpsertResult]:
    """Rewrite ``sources`` with the judgements and write them back (with the redirects)."""
    batch = []
    for sid in sources:
        facts = store.source_facts(sid)
        if facts is not None:
            batch.append(judgements.rewrite(facts))
    meta = {REDIRECTS: judgements.redirects() or None, JUDGEMENTS_KEY: judgements.to_json() or None}
    return store.write(batch, (), meta)


def merge(store: Store, path: Path, a: str, b: str, note: str | None = None) -> Decision:
    """Record that ``b`` is the same entity as ``a``, and make the KB say so."""
    judgements = current_judgements(store, path)
    for x in (a, b):
        try:
            slug, _ = split_id(x)
        except ValueError:
            raise StoreError(f"{x!r} is not an entity id (ids look like person/jane-roe)") from None
        if slug == "source":
            raise StoreError(f"{x} is a source: sources are documents, they are not merged")
    if split_id(a)[0] != split_id(b)[0]:
        raise StoreError(f"cannot merge {a} and {b}: they are different kinds of entity")
    if judgements.canonical(a) == judgements.canonical(b):
        raise StoreError(f"{a} and {b} are one entity already")
    for x in (a, b):
        if not _exists(store, x):
            raise StoreError(f"no entity {x} in the KB (see `policekb duplicates` for the ids)")
    j = Judgement("merge", a, b)
    touched = sources_about(store, [b])
    _record(store, path, judgements, j, note)
    return Decision(j, reapply(store, judgements, touched), judgements.canonical(a))


def split(store: Store, path: Path, a: str, source: str, note: str | None = None) -> Decision:
    """Record that what ``source`` says about ``a`` is about someone else, and make the KB say so."""
    judgements = current_judgements(store, path)
    if not _exists(store, a):
        raise StoreError(f"no entity {a} in the KB")
    if source not in sources_about(store, [a]):
        raise StoreError(f"{source} says nothing about {a}: nothing to split")
    if judgements.split_of(a, source) is not None:
        raise StoreError(f"{a} is split from {source} already")
    j = Judgement("split", a, source)
    _record(store, path, judgements, j, note)
    return Decision(j, reapply(store, judgements, [source]), split_entity_id(a, source))


def remove(store: Store, targets: Sequence[str]) -> list[UpsertResult]:
    """Remove sources, named by id or by the file (or folder of files) they were loaded from."""
    files = store.meta(FILES)
    files = {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    chosen: list[str] = []
    for t in targets:
        if t.startswith("source/"):
            if t not in files and not _exists(store, t):
                raise StoreError(f"no source {t} in the KB")
            chosen.append(t)
            continue
        p = Path(t).resolve()
        hits = [sid for sid, where in files.items() if Path(where) == p or Path(where).is_relative_to(p)]
        if not hits:
            raise StoreError(f"no source in the KB was loaded from {t}")
        chosen.extend(sorted(hits))
    chosen = list(dict.fromkeys(chosen))
    left = {k: v for k, v in files.items() if k not in chosen}
    return store.write((), chosen, {FILES: left or None})
