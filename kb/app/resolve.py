"""Who a person mention is: an existing person only when the evidence agrees, else a new one.

Loaders give a named person the id of their name (``person/james-walker``). Before a load is
written, every such mention is compared with the people of the same name already in the KB
(the *family*: ``person/james-walker`` and its namesakes ``person/james-walker--...``) and
with those earlier in the same load, as the other sources describe them
(:func:`kb.identity.compare`: forces, rank history, roles):

* exactly one compatible namesake: the mention is that person;
* several, or none: the mention is a new person, with a new id (the plain one when free,
  else qualified by its force, else by its source), and ``policekb duplicates`` lists it with
  its namesakes and the evidence for and against: nothing is merged on a guess.

A source is compared without its own earlier contributions (it is being replaced), and keeps
the id it had when that is still compatible, or when a merge judgement put it there (the human
said the namesakes are one, whatever their forces), so loading an unchanged file changes
nothing. Judgements (kb.app.judgements) are applied after; a split mention never resolves back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from kb.app.judgements import Judgements, rename
from kb.identity import Profile, Said, compare, family, normalise_name, slugify
from kb.model import Facts, Props
from kb.reference import reference
from kb.store.base import Store
from kb.store.merge import merged_type

PERSON_TYPES = frozenset({"Person", "Officer"})
_FORCE_RELATIONS = ("SERVES_IN", "HOLDS_POST")


@dataclass
class Part:
    """What one source says about one person."""

    name: str
    officer: bool
    date: str | None
    forces: list[str] = field(default_factory=list)
    ranks: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)


def _rank_orders() -> dict[str, int]:
    ref = reference()
    orders: dict[str, int] = {}
    for r in ref.ranks:
        orders[normalise_name(r.rank)] = r.order
        if r.detective_form:
            orders[normalise_name(r.detective_form)] = r.order
    for written, rank in ref.rank_lookup().items():
        orders.setdefault(written, orders.get(normalise_name(rank), 0))
    return orders


def _part(name: str, t: str, props: Props, date: str | None) -> Part:
    rank = props.get("rankNormalised") or props.get("rank")
    role = props.get("role")
    return Part(
        name,
        t == "Officer",
        date,
        ranks=[rank] if isinstance(rank, str) and rank else [],
        roles=[role] if isinstance(role, str) and role and role != rank else [],
    )


def profile(member: str, parts: dict[str, Part], orders: dict[str, int], labels: dict[str, str]) -> Profile:
    """The person ``member`` as the sources in ``parts`` describe them."""
    p = Profile(member, next(iter(parts.values())).name if parts else member, labels=labels)
    for sid, part in parts.items():
        p.officer = p.officer or part.officer
        p.forces.extend(Said(sid, f, part.date) for f in part.forces)
        p.ranks.extend(Said(sid, r, part.date, orders.get(normalise_name(r))) for r in part.ranks)
        p.roles.extend(Said(sid, r, part.date) for r in part.roles)
    return p


class People:
    """The people of some families as the store holds them, by member id and source."""

    def __init__(self, store: Store, roots: Iterable[str], judgements: Judgements) -> None:
        self.store = store
        self.judgements = judgements
        self.orders = _rank_orders()
        self.labels = {f.entity_id: f.name for f in reference().forces}
        self.redirected = set(store.redirects())
        self.members: dict[str, set[str]] = {}
        self.parts: dict[str, dict[str, Part]] = defaultdict(dict)
        roots = sorted(set(roots))
        by_prefix = store.ids_with_prefix([r + "--" for r in roots]) if roots else {}
        wanted: set[str] = set()
        for r in roots:
            ids = {r, *by_prefix.get(r + "--", ())}
            merged_into = judgements.canonical(r)
            if merged_into != r:
                ids.add(merged_into)  # a namesake merged into someone else is that someone
            self.members[r] = ids
            wanted |= ids
        self._load(sorted(wanted))

    def _load(self, ids: Sequence[str]) -> None:
        nodes = self.store.node_parts(ids)
        keys = [
            (e.source, e.target, e.key)
            for e in self.store.edges(list(nodes), list(_FORCE_RELATIONS), "out")
            if e.target.startswith("force/")
        ]
        edges = self.store.edge_parts(keys)
        sources = {sid for parts in nodes.values() for sid, _ in parts}
        dates = {i: n.props.get("published") for i, n in self.store.get_many(sorted(sources)).items()}
        for nid, parts in nodes.items():
            for sid, c in parts:
                if c[0] in PERSON_TYPES:
                    d = dates.get(sid)
                    self.parts[nid][sid] = _part(c[1], c[0], c[3], d if isinstance(d, str) else None)
        for (u, v, _), eparts in edges.items():
            for sid, _ in eparts:
                part = self.parts[u].get(sid)
                if part is None:  # a relation from a source that does not describe the person
                    d = dates.get(sid)
                    part = self.parts[u][sid] = Part(u, False, d if isinstance(d, str) else None)
                if v not in part.forces:
                    part.forces.append(v)

    def contributions(self) -> dict[str, set[str]]:
        """Source id -> the people it describes now (in the store)."""
        out: dict[str, set[str]] = defaultdict(set)
        for member, parts in self.parts.items():
            for sid in parts:
                out[sid].add(member)
        return out

    def forget(self, sources: Collection[str]) -> None:
        """Drop what ``sources`` said (they are being replaced or removed)."""
        for parts in self.parts.values():
            for sid in [s for s in parts if s in sources]:
                del parts[sid]

    def others(self, member: str, sid: str) -> dict[str, Part]:
        """What the sources but ``sid`` say about ``member``."""
        return {s: p for s, p in self.parts.get(member, {}).items() if s != sid}

    def live(self, member: str, sid: str = "") -> bool:
        """Whether a source other than ``sid`` describes ``member``."""
        return any(s != sid for s in self.parts.get(member, ()))

    def candidates(self, root: str, sid: str) -> list[str]:
        """The namesakes a mention in ``sid`` may be: described by other sources, not split from it."""
        return sorted(
            m for m in self.members.get(root, ()) if self.live(m, sid) and self.judgements.split_of(m, sid) is None
        )

    def add(self, root: str, member: str, sid: str, part: Part) -> None:
        self.members.setdefault(root, set()).add(member)
        self.parts[member][sid] = part

    def taken(self, entity_id: str, sid: str) -> bool:
        return self.live(entity_id, sid) or entity_id in self.redirected


def _mention_parts(facts: Facts) -> dict[str, Part]:
    """The person mentions of a source, by the id the loader gave them."""
    date = facts.source.props.get("published")
    d = date if isinstance(date, str) else None
    out: dict[str, Part] = {}
    types: dict[str, list[str]] = defaultdict(list)
    for e in facts.entities:
        if e.type not in PERSON_TYPES or e.props.get("anonymised"):
            continue
        types[e.id].append(e.type)
        new = _part(e.name, e.type, e.props, d)
        old = out.get(e.id)
        if old is None:
            out[e.id] = new
        else:
            old.ranks.extend(x for x in new.ranks if x not in old.ranks)
            old.roles.extend(x for x in new.roles if x not in old.roles)
    for eid, ts in types.items():
        out[eid].officer = merged_type(ts) == "Officer"
    for r in facts.relations:
        part = out.get(r.source) if r.type in _FORCE_RELATIONS and r.target.startswith("force/") else None
        if part is not None and r.target not in part.forces:
            part.forces.append(r.target)
    return out


def resolve_people(
    store: Store, batch: Sequence[Facts], judgements: Judgements, removing: Collection[str] = ()
) -> list[Facts]:
    """``batch`` with every named person mention given the id of the person it is (see above)."""
    mentions = [_mention_parts(f) for f in batch]
    roots = {family(i) for m in mentions for i in m}
    if not roots:
        return list(batch)
    people = People(store, roots, judgements)
    before = people.contributions()
    people.forget(set(removing))
    merged = set(judgements.redirects().values())  # people a human made one of several
    out: list[Facts] = []
    for facts, found in zip(batch, mentions, strict=True):
        sid = facts.source_id
        renamed: dict[str, str] = {}
        chosen: list[tuple[str, str, Part]] = []
        for mid, part in found.items():
            root = family(mid)
            me = profile(mid, {sid: part}, people.orders, people.labels)
            candidates = people.candidates(root, sid)
            fits = [
                c
                for c in candidates
                if compare(me, profile(c, people.others(c, sid), people.orders, people.labels)).compatible
            ]
            mine = sorted(before.get(sid, set()) & people.members.get(root, set()))
            # the source's earlier id, while no other source describes it, or the evidence or a merge
            # judgement still puts the mention there
            sticky = [
                m
                for m in mine
                if people.judgements.split_of(m, sid) is None
                and (not people.live(m, sid) or (m in candidates and (m in fits or m in merged)))
            ]
            if sticky:
                pick = sticky[0]
            elif len(fits) == 1:
                pick = fits[0]
            else:
                pick = _new_id(root, mine, part, sid, people)
            chosen.append((root, pick, part))
            if pick != mid:
                renamed[mid] = pick
        people.forget({sid})  # later sources of the batch see what this one says now
        for root, pick, part in chosen:
            people.add(root, pick, sid, part)
        out.append(rename(facts, renamed))
    return out


def _new_id(root: str, mine: Sequence[str], part: Part, sid: str, people: People) -> str:
    """An id for a person no namesake fits: the source's earlier one, the plain one, one
    qualified by the person's force, or by the source."""
    options = [*mine, root]
    options += [f"{root}--{f.partition('/')[2]}" for f in sorted(part.forces)]
    src = f"{root}--{slugify(sid.partition('/')[2] or sid, max_len=60)}"
    options.append(src)
    for option in options:
        if not people.taken(option, sid) and people.judgements.canonical(option) == option:
            return option
    n = 2
    while people.taken(f"{src}-{n}", sid):
        n += 1
    return f"{src}-{n}"
