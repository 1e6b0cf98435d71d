"""What a source contributes, how contributions merge, and what replacing or removing a
source leaves: the one set of rules both stores apply.

A store keeps, for every entity and relation, each source's *contribution* under that source's
id: for an entity a :data:`NodeContrib` (type, name, aliases, properties, evidence), for a
relation an :data:`EdgeContrib` (properties, evidence) under its :data:`EdgeKey` (source id,
target id, relation key). Contributions are kept in the order the sources first said something
about the thing, and what readers see is their merge:

* type: the most specific any source gives (Officer over Person);
* name: the reference data's, else the first source's; every other name becomes an alias;
* properties: the first source to give one wins, except that reference data overrides;
* evidence: every source's, in order.

:func:`contributions` turns a source's Facts into its contributions (validated, repeated
mentions folded); :func:`apply` makes a store hold exactly those for the source, on any store
that offers the few operations of :class:`ContribGraph` (the memory store on its graph, the Neo4j
store on the working set it loads inside a transaction); :func:`source_facts` turns what a store
holds for one source back into Facts (to re-apply a judgement without the source file).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol

from kb.model import Edge, Entity, Evidence, Facts, Node, Props, Relation, UpsertResult
from kb.ontology import ontology
from kb.reference import REFERENCE_SOURCE_ID
from kb.store.validate import InvalidFacts, validate

# (type, name, aliases, props, evidence)
NodeContrib = tuple[str, str, tuple[str, ...], Props, tuple[Evidence, ...]]
# (type, name, aliases, props): a contribution without its evidence (what a merged view needs)
NodeView = tuple[str, str, tuple[str, ...], Props]
# (props, evidence)
EdgeContrib = tuple[Props, tuple[Evidence, ...]]
EdgeKey = tuple[str, str, str]  # (source id, target id, relation key)
# A source's new relations: key -> (relation type, contribution)
NewEdges = dict[EdgeKey, tuple[str, EdgeContrib]]

# Contributions without properties share this one dict: stored properties are never mutated.
NO_PROPS: Props = {}


def rel_type(key: str) -> str:
    """The relation type of a relation key ("HOLDS_POST|chief constable" -> "HOLDS_POST")."""
    return key.partition("|")[0]


# -- what a source contributes ---------------------------------------------------------------
def contributions(
    facts: Facts,
    known_type: Callable[[str], str | None],
    before: Collection[str],
    contributors: Callable[[str], Collection[str] | None],
) -> tuple[dict[str, NodeContrib], NewEdges]:
    """The contributions of ``facts``: its entities by id and its relations by key.

    ``known_type`` gives the type of an id the store holds; ``before`` is the set of entities the
    source contributed to until now and ``contributors(id)`` the sources an entity has. A
    relation whose end only this source vouched for, and which the source no longer names, is
    refused: replacing the source would leave the relation hanging.
    """
    entities = validate(facts, known_type)
    sid = facts.source_id
    for r in facts.relations:
        for end in (r.source, r.target):
            if end in before and end not in entities:
                who = contributors(end)
                if who is not None and set(who) <= {sid}:
                    raise InvalidFacts(
                        f"relation {r.type} refers to {end!r}, which no source vouches for once {sid} is replaced"
                    )
    nodes: dict[str, NodeContrib] = {
        e.id: (e.type, e.name, tuple(e.aliases), dict(e.props) or NO_PROPS, tuple(e.evidence))
        for e in entities.values()
    }
    edges: NewEdges = {}
    for r in facts.relations:
        k: EdgeKey = (r.source, r.target, r.key)
        evs = tuple(r.evidence)
        seen = edges.get(k)
        if seen is None:
            edges[k] = (r.type, (dict(r.props) or NO_PROPS, evs))
        else:  # the same relation said twice: the first mention's properties win
            props, ev = seen[1]
            edges[k] = (r.type, ({**r.props, **props}, ev + tuple(x for x in evs if x not in ev)))
    return nodes, edges


# -- merging ---------------------------------------------------------------------------------
def merged_type(types: Iterable[str]) -> str:
    """The most specific of the types sources give (Officer over Person)."""
    it = iter(types)
    best = next(it, None)
    if best is None:
        raise ValueError("no contributions")
    onto = ontology()
    for t in it:
        if t != best and onto.is_a(t, best):
            best = t
    return best


def merged_view(parts: Sequence[tuple[str, Sequence[Any]]]) -> NodeView:
    """(type, name, aliases, props) of an entity from its ``(source id, contribution)`` pairs in
    order; a contribution needs only its first four fields."""
    if len(parts) == 1:  # one source's view is taken as it is
        only = parts[0][1]
        return only[0], only[1], tuple(only[2]), dict(only[3])
    ref = next((c for sid, c in parts if sid == REFERENCE_SOURCE_ID), None)
    name: str = ref[1] if ref is not None else parts[0][1][1]
    aliases: dict[str, None] = {}
    props: Props = {}
    for _, c in parts:
        if c[1] != name:
            aliases[c[1]] = None
        for a in c[2]:
            if a != name:
                aliases[a] = None
        for k, v in c[3].items():
            props.setdefault(k, v)
    if ref is not None:
        props.update(ref[3])
    return merged_type(c[0] for _, c in parts), name, tuple(aliases), props


def merged_node(node_id: str, parts: Mapping[str, NodeContrib]) -> Node:
    """The entity as readers see it, from its contributions by source (in order)."""
    if len(parts) == 1:  # the common case, several times faster than the general one
        t, name, aliases, props, evidence = next(iter(parts.values()))
        return Node(node_id, t, name, aliases, dict(props), evidence)
    view = merged_view(list(parts.items()))
    evidence = tuple(ev for c in parts.values() for ev in c[4])
    return Node(node_id, view[0], view[1], view[2], view[3], evidence)


def merged_edge_props(parts: Iterable[EdgeContrib]) -> Props:
    """A relation's properties: the first source to give one wins."""
    props: Props = {}
    for cprops, _ in parts:
        for k, v in cprops.items():
            props.setdefault(k, v)
    return props


def merged_edge(u: str, v: str, key: str, parts: Iterable[EdgeContrib]) -> Edge:
    """The relation as readers see it, from its contributions in order."""
    props: Props = {}
    evidence: list[Evidence] = []
    for cprops, cev in parts:  # as merged_edge_props, in the same pass (reads run this per edge)
        if props:
            for k, val in cprops.items():
                props.setdefault(k, val)
        else:
            props.update(cprops)
        evidence.extend(cev)
    return Edge(key.partition("|")[0], u, v, key, props, tuple(evidence))


# -- replacing what a source said ------------------------------------------------------------
class ContribGraph(Protocol):
    """The operations :func:`apply` needs from a store's graph of contributions.

    "Live" means present now, as the store will hold it once the changes so far are written.
    """

    def source_index(self, sid: str) -> tuple[Collection[str], Collection[EdgeKey]]:
        """The entities and relations ``sid`` contributes to."""
        ...

    def set_source_index(self, sid: str, nodes: Sequence[str], edges: Sequence[EdgeKey]) -> None:
        """Record what ``sid`` contributes to now (nothing: forget the source)."""
        ...

    def node_part(self, node_id: str, sid: str) -> NodeContrib | None:
        """What ``sid`` says about a live entity, if anything."""
        ...

    def edge_part(self, key: EdgeKey, sid: str) -> EdgeContrib | None:
        """What ``sid`` says about a live relation, if anything."""
        ...

    def put_node(self, node_id: str, sid: str, c: NodeContrib) -> bool:
        """Set ``sid``'s contribution to an entity; True when the entity is new."""
        ...

    def put_edge(self, key: EdgeKey, rtype: str, sid: str, c: EdgeContrib) -> bool:
        """Set ``sid``'s contribution to a relation (both ends live); True when it is new."""
        ...

    def withdraw_node(self, node_id: str, sid: str) -> int | None:
        """Drop ``sid``'s contribution to an entity. An entity left with none is removed with
        every relation on it: the number of those relations (a self-loop counts twice), else None."""
        ...

    def withdraw_edge(self, key: EdgeKey, sid: str) -> bool:
        """Drop ``sid``'s contribution to a relation; True when the relation is removed."""
        ...


def unchanged(g: ContribGraph, sid: str, nodes: Mapping[str, NodeContrib], edges: NewEdges) -> bool:
    """Whether the store already holds exactly these contributions for ``sid``."""
    old_nodes, old_edges = g.source_index(sid)
    if len(nodes) != len(old_nodes) or len(edges) != len(old_edges):
        return False
    if set(nodes) != set(old_nodes) or set(edges) != set(old_edges):
        return False
    return all(g.node_part(n, sid) == c for n, c in nodes.items()) and all(
        g.edge_part(k, sid) == c for k, (_, c) in edges.items()
    )


def apply(g: ContribGraph, sid: str, nodes: Mapping[str, NodeContrib], edges: NewEdges) -> UpsertResult:
    """Make ``g`` hold exactly ``nodes`` and ``edges`` for source ``sid`` (nothing: delete it).

    What the source no longer says is withdrawn first, and any entity or relation left with no
    contribution goes (with the relations on such an entity); then what it says now is set.
    """
    if unchanged(g, sid, nodes, edges):
        return UpsertResult(sid, 0, 0, 0, 0, 0, True)
    old_nodes, old_edges = g.source_index(sid)
    added = updated = rel_added = rel_removed = removed = 0
    for k in [k for k in old_edges if k not in edges]:
        if g.withdraw_edge(k, sid):
            rel_removed += 1
    for n in [n for n in old_nodes if n not in nodes]:
        dropped = g.withdraw_node(n, sid)
        if dropped is not None:
            removed += 1
            rel_removed += dropped
    for n, c in nodes.items():
        if g.put_node(n, sid, c):
            added += 1
        else:
            updated += 1
    for k, (t, ec) in edges.items():
        if g.put_edge(k, t, sid, ec):
            rel_added += 1
    g.set_source_index(sid, tuple(nodes), tuple(edges))
    return UpsertResult(sid, added, updated, rel_added, rel_removed, removed, False)


# -- a source's facts, back from its contributions -------------------------------------------
def source_facts(
    sid: str, nodes: Iterable[tuple[str, NodeContrib]], edges: Iterable[tuple[EdgeKey, EdgeContrib]]
) -> Facts | None:
    """The Facts whose contributions are ``nodes`` and ``edges`` (one source's), or None when
    the source itself is not among the nodes. Upserting them changes nothing."""
    source: Entity | None = None
    entities: list[Entity] = []
    for nid, (t, name, aliases, props, evidence) in nodes:
        e = Entity(nid, t, name, list(aliases), dict(props), list(evidence))
        if nid == sid:
            source = e
        else:
            entities.append(e)
    if source is None:
        return None
    relations = [Relation(rel_type(key), u, v, dict(props), list(evidence)) for (u, v, key), (props, evidence) in edges]
    return Facts(source, entities, relations)
