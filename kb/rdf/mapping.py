"""Map store records (nodes and edges) to RDF blocks.

One node or edge becomes a few blocks: the entity with its properties, its evidence nodes,
and for relations the plain triple plus a reified :term:`pkb:Assertion` carrying the
relation's properties and evidence. In quad mode every source's contribution goes into that
source's named graph; in merged mode the same triples are emitted once, without graphs.

Shape of the RDF (all IRIs under ``{base}/id/``; fragments hang off the subject's IRI so a
dereferenced entity document contains them):

- ``<e> a pkb:Class; schema:name ...; pkb:mentionedIn <source>; pkb:evidence <e#ev-h>``
- ``<e#ev-h> prov:wasDerivedFrom <source>; pkb:quote ...; pkb:method ...; pkb:confidence ...``
- ``<s> pkb:rel <o>`` and ``<s#rel-h> a pkb:Assertion; rdf:subject <s>; rdf:predicate pkb:rel;
  rdf:object <o>; pkb:role ...; pkb:evidence <s#ev-h>``; memberships are also org:Membership
  (org:member, org:organization, org:memberDuring a time:Interval); HOLDS_POST adds an org:Post.
- statistics are qb:Observation in the statistics qb:DataSet with a time:Interval period.
- ``{base}/graph/{key}`` is a pkb:SourceGraph (prov:Entity) derived from the source by a load
  activity associated with the policekb software agent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from hashlib import blake2b

from kb.model import Edge, Evidence, Node, PropValue
from kb.rdf.blocks import Block, Pair
from kb.rdf.terms import (
    DCT,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDF_TYPE,
    SCHEMA,
    SKOS,
    TIME,
    WD,
    XSD,
    XSD_BOOLEAN,
    XSD_DATE,
    XSD_DATETIME,
    XSD_DECIMAL,
    XSD_GYEAR,
    XSD_GYEARMONTH,
    XSD_INTEGER,
    XSD_STRING,
    Iris,
)
from kb.reference import REFERENCE_SOURCE_ID

_RDF_SUBJECT = RDF + "subject"
_RDF_PREDICATE = RDF + "predicate"
_RDF_OBJECT = RDF + "object"
_WIKIDATA = re.compile(r"Q[1-9][0-9]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR_MONTH = re.compile(r"\d{4}-\d{2}")
_YEAR = re.compile(r"\d{4}")
SOURCE_TYPE = "Source"
_NODE_FIELD = ("", "", None)  # a property spec meaning "a Node field, not a property"
STATISTIC_TYPE = "Statistic"


def decimal_lex(v: float | int) -> str:
    """xsd:decimal lexical form; ints stay ints ("12"), floats keep a point ("12.0")."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    r = repr(v)
    if "e" in r or "E" in r:
        r = format(Decimal(r), "f")
        if "." not in r:
            r += ".0"
    return r


def lexical(v: PropValue, dt: str) -> str:
    """The lexical form of a property value for datatype ``dt`` ("" = xsd:string)."""
    if dt == XSD_DECIMAL and isinstance(v, int | float):
        return decimal_lex(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if dt == XSD_BOOLEAN and isinstance(v, str):
        return v.strip().lower()
    return str(v)


def instant(value: str) -> tuple[str, str] | None:
    """(OWL-Time property, datatype) for an ISO date, year-month or year; None otherwise."""
    if _DATE.fullmatch(value):
        return TIME + "inXSDDate", XSD_DATE
    if _YEAR_MONTH.fullmatch(value):
        return TIME + "inXSDgYearMonth", XSD_GYEARMONTH
    if _YEAR.fullmatch(value):
        return TIME + "inXSDgYear", XSD_GYEAR
    return None


@dataclass(frozen=True, slots=True)
class Restated:
    """An edge whose plain triple ``<s> p <o>`` earlier edges already stated in the graphs
    ``stated`` (source ids; "" is the default graph), so it must not be stated there again."""

    edge: Edge
    stated: frozenset[str]


class PlainTriples:
    """Marks the edges of a stream whose plain triple an earlier edge stated: edges between the
    same two entities with the same type and different keys (two posts with different titles,
    memberships in two roles) have one plain triple and an assertion each.

    Relies on a stream that gives a subject's outgoing edges together (both stores' iter_edges
    do), so it only remembers the current subject's edges."""

    def __init__(self, quads: bool) -> None:
        self.quads = quads

    def mark(self, edges: Iterable[Edge]) -> Iterator[Edge | Restated]:
        subject = None
        seen: dict[tuple[str, str], set[str]] = {}
        default = frozenset({""})
        quads = self.quads
        for e in edges:
            if e.source != subject:
                subject = e.source
                seen.clear()
            graphs = {ev.source_id for ev in e.evidence} if quads and e.evidence else default
            k = (e.type, e.target)
            prev = seen.get(k)
            if prev is None:
                seen[k] = set(graphs)
                yield e
                continue
            stated = prev.intersection(graphs)
            prev.update(graphs)
            yield Restated(e, frozenset(stated)) if stated else e


def _primary_first(source_ids: Iterable[str]) -> list[str]:
    """Sources in a store-independent order: the reference data first, then by id. The first
    one's graph holds the entity's (or relation's) description in quad mode."""
    return sorted(set(source_ids), key=lambda sid: (sid != REFERENCE_SOURCE_ID, sid))


class Mapper:
    """Turns nodes and edges into blocks for one export (one base IRI, quads or merged)."""

    def __init__(self, iris: Iris, quads: bool) -> None:
        self.iris = iris
        self.quads = quads
        onto = iris.onto
        ns = iris.ns

        def dt_of(curie: str) -> str:
            full = onto.expand(curie)
            return "" if full == XSD_STRING else full

        # prop name -> (predicate IRI, datatype kind)
        self.props = {n: (onto.expand(p.iri), dt_of(p.datatype)) for n, p in onto.properties.items()}
        self.rel_props = {n: (onto.expand(p.iri), dt_of(p.datatype)) for n, p in onto.relation_props.items()}
        self.rels = {n: onto.expand(r.iri) for n, r in onto.relations.items()}
        self.memberships = frozenset(n for n, r in onto.relations.items() if r.membership)
        self.posts = frozenset(n for n, r in onto.relations.items() if r.org == "post")
        self.classes = {n: ns + n for n in onto.classes}
        self.schemes = {(c.name, p): s for c in onto.classes.values() for p, s in c.schemes.items()}
        self.name_p = self.props["name"][0]
        self.alias_p = self.props["aliases"][0]
        self.mentioned = self.rels["MENTIONED_IN"]
        self.evidence_p = ns + "evidence"
        self.quote_p = ns + "quote"
        self.start_p = ns + "start"
        self.end_p = ns + "end"
        self.method_p = ns + "method"
        self.conf_p = ns + "confidence"
        self.locator_p = ns + "locator"
        self.refperiod_p = ns + "refPeriod"
        self.assertion_c = ns + "Assertion"
        self.sourcegraph_c = ns + "SourceGraph"
        self.derived = PROV + "wasDerivedFrom"
        self._graphs: dict[str, str] = {}
        # Hot-path caches. Pairs are immutable tuples, so one can be shared by every block
        # that states it (the writers never change them).
        self._conf: dict[float, tuple[str, Pair]] = {}  # confidence -> (hash key text, pair)
        self._derived_pairs: dict[str, Pair] = {}  # source id -> prov:wasDerivedFrom pair
        self._mention_pairs: dict[str, Pair] = {}  # source id -> pkb:mentionedIn pair
        self._method_pairs: dict[str, Pair] = {}
        self._class_specs: dict[str, dict[str, tuple[str, str, str | None]]] = {}
        self._type_pairs: dict[str, list[Pair]] = {}

    # -- helpers -----------------------------------------------------------------------
    def graph(self, source_id: str) -> str:
        g = self._graphs.get(source_id)
        if g is None:
            g = self.iris.graph(source_id)
            if len(self._graphs) < 100_000:
                self._graphs[source_id] = g
        return g

    def _evidence(self, owner: str, tag: str, ev: Evidence) -> tuple[str, list[Pair]]:
        # hot path: one call per piece of evidence of the whole KB
        quote, start, end, locator, conf = ev.quote, ev.start, ev.end, ev.locator, ev.confidence
        sid, method = ev.source_id, ev.method
        if type(conf) is float:  # the cache is keyed by value: 1 and 1.0 spell differently
            cached = self._conf.get(conf)
            if cached is None:
                cached = self._conf[conf] = (str(conf), (self.conf_p, decimal_lex(conf), XSD_DECIMAL))
            conf_key, conf_pair = cached
        else:
            conf_key, conf_pair = str(conf), (self.conf_p, decimal_lex(float(conf)), XSD_DECIMAL)
        key = f"{tag}\x1f{sid}\x1f{quote}\x1f{start}\x1f{end}\x1f{method}\x1f{conf_key}\x1f{locator}"
        # a content hash: the same evidence has the same IRI in every export, from either store
        h = blake2b(key.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
        derived = self._derived_pairs.get(sid)
        if derived is None:
            derived = (self.derived, self.iris.entity(sid), None)
            if len(self._derived_pairs) < 100_000:
                self._derived_pairs[sid] = derived
        method_pair = self._method_pairs.get(method)
        if method_pair is None:
            method_pair = self._method_pairs[method] = (self.method_p, method, "")
        pairs: list[Pair] = [derived, method_pair, conf_pair]
        if quote is not None:
            pairs.append((self.quote_p, quote, ""))
        if start is not None:
            pairs.append((self.start_p, str(start), XSD_INTEGER))
        if end is not None:
            pairs.append((self.end_p, str(end), XSD_INTEGER))
        if locator is not None:
            pairs.append((self.locator_p, locator, ""))
        return f"{owner}#ev-{h}", pairs

    def _mention(self, sid: str) -> Pair:
        pair = self._mention_pairs.get(sid)
        if pair is None:
            pair = (self.mentioned, self.iris.entity(sid), None)
            if len(self._mention_pairs) < 100_000:
                self._mention_pairs[sid] = pair
        return pair

    def _interval(self, g: str, iri: str, start: str | None, end: str | None, out: list[Block]) -> bool:
        """Blocks of an OWL-Time interval; False (nothing emitted) when neither end is a date."""
        ends = [(TIME + "hasBeginning", "-begin", start), (TIME + "hasEnd", "-end", end)]
        pairs: list[Pair] = [(RDF_TYPE, TIME + "Interval", None)]
        extra: list[Block] = []
        for pred, suffix, value in ends:
            kind = instant(value) if value else None
            if kind is None or value is None:
                continue
            inst = iri + suffix
            pairs.append((pred, inst, None))
            extra.append((g, inst, [(RDF_TYPE, TIME + "Instant", None), (kind[0], value, kind[1])]))
        if not extra:
            return False
        out.append((g, iri, pairs))
        out.extend(extra)
        return True

    def _attach_evidence(
        self,
        subject: str,
        owner: str,
        tag: str,
        evidence: Sequence[Evidence],
        primary: str,
        main: list[Pair],
        type_pairs: list[Pair],
        mention: bool,
        out: list[Block],
    ) -> None:
        """Evidence nodes (and mentions) per source, each in that source's graph in quad mode."""
        if len(evidence) == 1:  # the common case, the fast path: one piece of evidence
            ev = evidence[0]
            g = self.graph(ev.source_id) if self.quads else ""
            if g == primary:
                if mention:
                    main.append(self._mention(ev.source_id))
                ev_iri, ev_pairs = self._evidence(owner, tag, ev)
                main.append((self.evidence_p, ev_iri, None))
                out.append((g, ev_iri, ev_pairs))
                return
        first = evidence[0].source_id if evidence else ""
        if all(ev.source_id == first for ev in evidence):  # the common case: one source
            groups: Iterable[tuple[str, Sequence[Evidence]]] = ((first, evidence),) if evidence else ()
        else:
            by_source: dict[str, list[Evidence]] = {}
            for ev in evidence:
                by_source.setdefault(ev.source_id, []).append(ev)
            groups = by_source.items()
        seen: set[str] = set()
        ev_p = self.evidence_p
        for sid, evs in groups:
            g = self.graph(sid) if self.quads else ""
            if g == primary:
                target = main
            else:
                target = list(type_pairs)
                out.append((g, subject, target))
            if mention:
                target.append(self._mention(sid))
            for ev in evs:
                ev_iri, ev_pairs = self._evidence(owner, tag, ev)
                if ev_iri in seen:
                    continue
                seen.add(ev_iri)
                target.append((ev_p, ev_iri, None))
                out.append((g, ev_iri, ev_pairs))

    # -- nodes -------------------------------------------------------------------------
    def _specs(self, cls: str) -> dict[str, tuple[str, str, str | None]]:
        """Property name -> (predicate IRI, datatype kind, SKOS scheme or None) for a class."""
        specs = self._class_specs.get(cls)
        if specs is None:
            schemes = self.schemes
            specs = {k: (pred, dt, schemes.get((cls, k))) for k, (pred, dt) in self.props.items()}
            specs["name"] = specs["aliases"] = _NODE_FIELD
            self._class_specs[cls] = specs
        return specs

    def _types(self, cls: str) -> list[Pair]:
        pairs = self._type_pairs.get(cls)
        if pairs is None:
            pairs = [(RDF_TYPE, self.classes.get(cls, self.iris.term(cls)), None)]
            if cls == STATISTIC_TYPE:
                pairs.append((RDF_TYPE, QB + "Observation", None))
            self._type_pairs[cls] = pairs
        return pairs

    def node(self, n: Node) -> list[Block]:
        iris = self.iris
        s = iris.entity(n.id)
        cls = n.type
        is_source = cls == SOURCE_TYPE
        evidence = n.evidence
        if is_source or not self.quads or not evidence:
            primary = ""
        elif len(evidence) == 1:
            primary = self.graph(evidence[0].source_id)
        else:
            primary = self.graph(_primary_first(n.sources)[0])
        type_pairs = self._types(cls)
        pairs: list[Pair] = [*type_pairs, (self.name_p, n.name, "")]
        if n.aliases:
            for a in dict.fromkeys(n.aliases):
                pairs.append((self.alias_p, a, ""))
        out: list[Block] = [(primary, s, pairs)]
        props = n.props
        specs = self._specs(cls)
        for k, v in props.items():
            spec = specs.get(k)
            if spec is None:  # not in the registry: stores reject these, keep the value anyway
                spec = (iris.term(k), "", self.schemes.get((cls, k)))
            elif spec is _NODE_FIELD:
                continue  # the node's name and aliases, written above (a loader may repeat them in props)
            pred, dt, scheme = spec
            if dt == "" and scheme is None and type(v) is str:
                pairs.append((pred, v, ""))  # the common case: a plain string
                if k == "wikidataId" and _WIKIDATA.fullmatch(v):
                    pairs.append((OWL + "sameAs", WD + v, None))
                continue
            values = dict.fromkeys(v) if isinstance(v, list) else (v,)
            for item in values:
                if scheme is not None:
                    pairs.append((pred, iris.concept(scheme, str(item)), None))
                else:
                    pairs.append((pred, lexical(item, dt), dt))
        if cls == STATISTIC_TYPE:
            pairs.append((QB + "dataSet", iris.dataset, None))
            start, end = props.get("periodStart"), props.get("periodEnd")
            if (start or end) and self._interval(
                primary, s + "#period", str(start) if start else None, str(end) if end else None, out
            ):
                pairs.append((self.refperiod_p, s + "#period", None))
        if is_source:
            self._source_graph(n, s, out)
        self._attach_evidence(s, s, "e", evidence, primary, pairs, type_pairs, not is_source, out)
        return out

    def _source_graph(self, n: Node, s: str, out: list[Block]) -> None:
        g = self.iris.graph(n.id)
        act = g + "#load"
        gp: list[Pair] = [
            (RDF_TYPE, self.sourcegraph_c, None),
            (RDF_TYPE, PROV + "Entity", None),
            (self.derived, s, None),
            (DCT + "source", s, None),
            (PROV + "wasGeneratedBy", act, None),
        ]
        p = n.props
        gp.append((DCT + "title", str(p.get("title") or n.name), ""))
        if p.get("url"):
            gp.append((SCHEMA + "url", str(p["url"]), XSD + "anyURI"))
        if p.get("publisher"):
            gp.append((DCT + "publisher", str(p["publisher"]), ""))
        if p.get("published"):
            gp.append((DCT + "issued", str(p["published"]), XSD_DATE))
        ap: list[Pair] = [
            (RDF_TYPE, PROV + "Activity", None),
            (PROV + "used", s, None),
            (PROV + "wasAssociatedWith", self.iris.tool, None),
        ]
        if p.get("loadedAt"):
            ap.append((PROV + "endedAtTime", str(p["loadedAt"]), XSD_DATETIME))
        out.append(("", g, gp))
        out.append(("", act, ap))

    # -- edges -------------------------------------------------------------------------
    def edge(self, e: Edge, stated: frozenset[str] = frozenset()) -> list[Block]:
        """The edge's blocks; ``stated``: graphs (source ids, "" the default graph) whose plain
        triple an earlier edge between the same two entities stated (see PlainTriples)."""
        iris = self.iris
        s = iris.entity(e.source)
        o = iris.entity(e.target)
        p = self.rels.get(e.type) or iris.term(e.type)
        quads = self.quads
        evidence = e.evidence
        if not quads or not evidence:
            sources: list[str] = []
        elif len(evidence) == 1:
            sources = [evidence[0].source_id]
        else:
            sources = _primary_first({ev.source_id for ev in evidence})
        primary = self.graph(sources[0]) if sources else ""
        h = blake2b(f"{e.key}\x1f{e.target}".encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
        stmt = f"{s}#rel-{h}"
        main: list[Pair] = [] if stated and (sources[0] if sources else "") in stated else [(p, o, None)]
        st: list[Pair] = [
            (RDF_TYPE, self.assertion_c, None),
            (_RDF_SUBJECT, s, None),
            (_RDF_PREDICATE, p, None),
            (_RDF_OBJECT, o, None),
        ]
        out: list[Block] = [(primary, s, main), (primary, stmt, st)]
        props = e.props
        if props:
            for k, v in props.items():
                if k == "title":
                    continue  # the post's role, below
                spec = self.rel_props.get(k) or (iris.term(k), "")
                st.append((spec[0], lexical(v, spec[1]), spec[1]))
        if e.type in self.memberships:
            st.insert(1, (RDF_TYPE, ORG + "Membership", None))
            st.append((ORG + "member", s, None))
            st.append((ORG + "organization", o, None))
            start, end = props.get("from"), props.get("to")
            if (start or end) and self._interval(
                primary, stmt + "-during", str(start) if start else None, str(end) if end else None, out
            ):
                st.append((ORG + "memberDuring", stmt + "-during", None))
        if e.type in self.posts:
            post = f"{s}#post-{h}"
            main.append((ORG + "holds", post, None))
            pp: list[Pair] = [(RDF_TYPE, ORG + "Post", None), (ORG + "postIn", o, None), (ORG + "heldBy", s, None)]
            title = props.get("title")
            if title:
                role = f"{s}#role-{h}"
                pp.append((ORG + "role", role, None))
                st.append((ORG + "role", role, None))
                out.append((primary, role, [(RDF_TYPE, ORG + "Role", None), (SKOS + "prefLabel", str(title), "")]))
            out.append((primary, post, pp))
        self._attach_evidence(stmt, s, f"r{h}", evidence, primary, st, [], False, out)
        if quads:
            # every other source asserting the relation states the plain triple in its own graph
            for sid in sources[1:]:
                g = self.graph(sid)
                if g != primary and sid not in stated:
                    out.append((g, s, [(p, o, None)]))
        return out
