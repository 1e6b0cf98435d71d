"""Human judgements about identity, kept in a plain-text file beside the KB.

One decision a line, in the order they were made; ``#`` starts a comment::

    merge person/james-walker person/james-walker--kent   # 2024-05-02 same warrant number
    split person/james-walker source/articles-2024-05-kent-hearing-md   # 2024-05-03

``merge A B``: B is the same entity as A. Every load writes B's facts on A, and a lookup of B
answers with A (the store's redirects; RDF ``B owl:sameAs A``). Merges chain: after
``merge A B`` and ``merge C A``, A and B answer for C.

``split A S``: what source S says about A is about someone else. Every load gives S's mention
of A its own entity, ``A--<S's key>``, and the resolver never puts that mention back on A.

The file is read on every load and applied to what is loaded; ``policekb merge`` and
``policekb split`` append a line and re-apply the sources concerned at once. Being plain text,
it can be reviewed, diffed and kept in git with the project.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb.identity import slugify, split_id
from kb.model import Entity, Facts, Relation

JUDGEMENTS_HEADER = (
    "# policing-kb judgements: one decision a line, applied on every load (see README, 'Identity').\n"
    "#   merge A B    B is the same entity as A\n"
    "#   split A S    what source S says about A is about someone else\n"
)


JUDGEMENTS_KEY = "judgements"  # the KB metadata key that keeps a copy of the decisions


class JudgementError(ValueError):
    """A judgements file that cannot be read; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Judgement:
    kind: str  # "merge" | "split"
    a: str
    b: str  # the merged id, or the source id of a split
    line: int = 0


def split_entity_id(entity_id: str, source_id: str) -> str:
    """The id a split gives source ``source_id``'s mention of ``entity_id``."""
    return f"{entity_id}--{slugify(source_id.partition('/')[2] or source_id, max_len=60)}"


@dataclass
class Judgements:
    """The decisions of one judgements file, ready to apply to Facts."""

    items: list[Judgement] = field(default_factory=list)
    _parent: dict[str, str] = field(default_factory=dict)
    _splits: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for j in self.items:
            self._add(j)

    def _add(self, j: Judgement) -> None:
        if j.kind == "merge":
            a, b = self.canonical(j.a), self.canonical(j.b)
            if a != b:
                self._parent[b] = a
        else:
            self._splits[(j.a, j.b)] = split_entity_id(j.a, j.b)

    def add(self, j: Judgement) -> None:
        self.items.append(j)
        self._add(j)

    def canonical(self, entity_id: str) -> str:
        """The id ``entity_id`` answers for after every merge."""
        seen = 0
        while entity_id in self._parent and seen < len(self._parent):
            entity_id = self._parent[entity_id]
            seen += 1
        return entity_id

    def redirects(self) -> dict[str, str]:
        """Every merged id -> the id it answers for (what the store keeps, see Store.redirects)."""
        return {b: self.canonical(b) for b in sorted(self._parent)}

    def split_of(self, entity_id: str, source_id: str) -> str | None:
        """The id a split gives ``source_id``'s mention of ``entity_id``, if one was judged."""
        return self._splits.get((entity_id, source_id))

    def distinct(self, a: str, b: str) -> Judgement | None:
        """The split that keeps ``a`` and ``b`` apart, if any (for listing duplicates)."""
        for j in self.items:
            if j.kind == "split" and {a, b} == {j.a, split_entity_id(j.a, j.b)}:
                return j
        return None

    def affects(self, entity_id: str) -> bool:
        return entity_id in self._parent or any(k[0] == entity_id for k in self._splits)

    def __bool__(self) -> bool:
        return bool(self.items)

    def to_json(self) -> list[list[str]]:
        """The decisions as the KB keeps a copy of them (used when the file is not at hand)."""
        return [[j.kind, j.a, j.b] for j in self.items]

    @classmethod
    def from_json(cls, value: object) -> Judgements:
        """What :meth:`to_json` gave (anything else: no judgements)."""
        items = []
        if isinstance(value, list):
            for n, x in enumerate(value, 1):
                if isinstance(x, list) and len(x) == 3 and x[0] in ("merge", "split"):
                    items.append(Judgement(str(x[0]), str(x[1]), str(x[2]), n))
        return cls(items)

    def rewrite(self, facts: Facts) -> Facts:
        """``facts`` with every judgement applied: merged ids replaced by the id they answer for,
        and the source's split mentions given their own ids."""
        if not self.items:
            return facts
        sid = facts.source_id

        def new_id(entity_id: str) -> str:
            c = self.canonical(entity_id)
            split = self._splits.get((entity_id, sid)) or self._splits.get((c, sid))
            return self.canonical(split) if split is not None else c

        ids = {e.id for e in facts.entities} | {x for r in facts.relations for x in (r.source, r.target)}
        return rename(facts, {i: n for i in ids if (n := new_id(i)) != i})


def rename(facts: Facts, renamed: dict[str, str]) -> Facts:
    """``facts`` with the entity ids in ``renamed`` replaced, in entities and relation ends."""
    if not renamed:
        return facts
    entities: list[Entity] = [replace(e, id=renamed.get(e.id, e.id)) for e in facts.entities]
    relations: list[Relation] = [
        replace(r, source=renamed.get(r.source, r.source), target=renamed.get(r.target, r.target))
        for r in facts.relations
    ]
    return Facts(facts.source, entities, relations, list(facts.warnings))


def read_judgements(path: Path) -> Judgements:
    """The judgements in ``path`` (none when it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Judgements()
    except (OSError, UnicodeDecodeError) as exc:
        raise JudgementError(f"{path}: cannot read: {exc}") from None
    items: list[Judgement] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if len(words) != 3 or words[0] not in ("merge", "split"):
            raise JudgementError(f"{path}:{n}: expected 'merge ID ID' or 'split ID SOURCE', got {line!r}")
        kind, a, b = words
        for x in (a, b):
            try:
                split_id(x)
            except ValueError:
                raise JudgementError(f"{path}:{n}: {x!r} is not an entity id") from None
        if kind == "merge" and split_id(a)[0] != split_id(b)[0]:
            raise JudgementError(f"{path}:{n}: cannot merge {a} and {b}: they are different kinds of entity")
        if kind == "split" and split_id(b)[0] != "source":
            raise JudgementError(f"{path}:{n}: split takes an entity and a source id, not {b!r}")
        items.append(Judgement(kind, a, b, n))
    return Judgements(items)


def append_judgement(path: Path, j: Judgement, note: str | None = None) -> None:
    """Add a decision to the file (creating it with a header), flushed to disk."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
    comment = f"  # {stamp}" + (f" {' '.join(note.split())}" if note else "")
    fresh = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        if fresh:
            fh.write(JUDGEMENTS_HEADER)
        fh.write(f"{j.kind} {j.a} {j.b}{comment}\n")
        fh.flush()
        os.fsync(fh.fileno())
