"""Render ontology/shapes.ttl: SHACL shapes for every class, relation and export structure.

Per class: each registry property with its datatype (or SKOS scheme), at most one value
unless the property is a list, at least one when the registry marks it required; every
entity but a Source must have evidence and be mentioned in a source. Per relation: the
subject must be of a domain class and the object of a range class. Evidence, assertions,
source graphs, memberships and periods have shapes of their own.
"""

from __future__ import annotations

from kb.model import METHODS
from kb.ontology import Ontology, ontology
from kb.rdf.terms import RDF, Iris, ontology_iri
from kb.rdf.ttltext import lit, prefix_lines, stmt, words

SHAPES_NS_SUFFIX = "/shapes#"


def shapes_namespace(onto: Ontology) -> str:
    return onto.base.rstrip("/") + SHAPES_NS_SUFFIX


def _prop_shape(
    name: str,
    path: str,
    *,
    datatype: str | None = None,
    cls: str | None = None,
    node: str | None = None,
    iri: bool = False,
    min_count: int = 0,
    max_count: int | None = None,
    extra: list[tuple[str, str | list[str]]] | None = None,
    description: str | None = None,
) -> str:
    pairs: list[tuple[str, str | list[str]]] = [("a", "sh:PropertyShape"), ("sh:path", path)]
    if datatype:
        pairs.append(("sh:datatype", datatype))
    if iri:
        pairs.append(("sh:nodeKind", "sh:IRI"))
    if cls:
        pairs.append(("sh:class", cls))
    if node:
        pairs.append(("sh:node", node))
    if min_count:
        pairs.append(("sh:minCount", str(min_count)))
    if max_count is not None:
        pairs.append(("sh:maxCount", str(max_count)))
    pairs.extend(extra or [])
    if description:
        pairs.append(("sh:description", lit(description)))
    return stmt(name, pairs) + "\n"


def _one_of(o: Ontology, name: str, classes: tuple[str, ...], what: str) -> str:
    """A node shape: an instance of one of ``classes`` or of their subclasses.

    Written as "at least one rdf:type in this list" (a qualified value shape with sh:in, the
    subclasses listed) rather than sh:or of sh:class shapes: the same meaning for the KB's
    classes, and one check per node instead of one per class, which keeps pySHACL fast.
    """
    members = [f"pkb:{c}" for c in o.classes if any(o.is_a(c, x) for x in classes)]
    return (
        stmt(
            name,
            [
                ("a", "sh:NodeShape"),
                ("rdfs:label", lit(f"{what} is one of {', '.join(classes)}")),
                (
                    "sh:property",
                    f"[ sh:path rdf:type ; sh:qualifiedValueShape [ sh:in ( {' '.join(members)} ) ] ; "
                    "sh:qualifiedMinCount 1 ]",
                ),
            ],
        )
        + "\n"
    )


def render_shapes(onto: Ontology | None = None) -> str:
    """ontology/shapes.ttl's text."""
    o = onto or ontology()
    iris = Iris(o.base, o)
    prefixes = {"pkbsh": shapes_namespace(o), **o.prefixes}
    prefixes.setdefault("rdf", RDF)
    out: list[str] = [
        f"# SHACL shapes of {o.title} {o.version}. GENERATED from ontology/registry.toml by\n",
        "# `policekb ontology --write`; do not edit by hand. Validate with the ontology as the\n",
        "# ontology graph, so that subclasses (Officer of Person) meet their parents' shapes.\n\n",
        prefix_lines(prefixes),
        "\n",
        stmt(
            f"<{shapes_namespace(o).rstrip('#')}>",
            [
                ("a", "owl:Ontology"),
                ("dcterms:title", lit(f"SHACL shapes of the {o.title}")),
                ("owl:versionInfo", lit(o.version, None)),
                ("rdfs:seeAlso", f"<{ontology_iri(o)}>"),
            ],
        ),
        "\n# Classes\n\n",
    ]
    mentioned = set(o.relations["MENTIONED_IN"].domain)
    for c in o.classes.values():
        props: list[str] = []
        body: list[str] = []
        for pname in c.properties:
            p = o.properties[pname]
            name = f"pkbsh:{c.name}-{pname}"
            props.append(name)
            scheme = c.schemes.get(pname)
            extra: list[tuple[str, str | list[str]]] = [("sh:name", lit(pname, None))]
            if pname == "wikidataId":
                extra.append(("sh:pattern", lit("^Q[1-9][0-9]*$", None)))
            body.append(
                _prop_shape(
                    name,
                    p.iri,
                    datatype=None if scheme else p.datatype,
                    iri=scheme is not None,
                    node=f"pkbsh:Concept-{scheme}" if scheme else None,
                    min_count=1 if pname in c.required else 0,
                    max_count=None if p.many else 1,
                    extra=extra,
                    description=p.description,
                )
            )
        if c.name in mentioned:
            for local, desc in (
                ("evidence", "Every entity has evidence: the source, quote and method behind it."),
                ("mentionedIn", "Every entity is mentioned in at least one source."),
            ):
                name = f"pkbsh:{c.name}-{local}"
                props.append(name)
                body.append(
                    _prop_shape(
                        name,
                        f"pkb:{local}",
                        iri=True,
                        min_count=1,
                        cls="pkb:Source" if local == "mentionedIn" else None,
                        description=desc,
                    )
                )
        if c.name == "Statistic":
            props += [f"pkbsh:{c.name}-dataSet", f"pkbsh:{c.name}-refPeriod"]
            body.append(
                _prop_shape(
                    f"pkbsh:{c.name}-dataSet",
                    "qb:dataSet",
                    iri=True,
                    cls="qb:DataSet",
                    min_count=1,
                    max_count=1,
                    description="A statistic is an observation of the statistics data set.",
                )
            )
            body.append(
                _prop_shape(
                    f"pkbsh:{c.name}-refPeriod",
                    "pkb:refPeriod",
                    iri=True,
                    cls="time:Interval",
                    max_count=1,
                    description="The period the statistic covers, as an OWL-Time interval.",
                )
            )
        out.append(
            stmt(
                f"pkbsh:{c.name}",
                [
                    ("a", "sh:NodeShape"),
                    ("sh:targetClass", c.iri),
                    ("rdfs:label", lit(c.label)),
                    ("sh:property", props),
                ],
            )
            + "\n"
        )
        out.extend(body)

    out.append("# Concept schemes: a category must be a concept of the right scheme\n\n")
    for sch in o.schemes.values():
        out.append(
            stmt(
                f"pkbsh:Concept-{sch.key}",
                [
                    ("a", "sh:NodeShape"),
                    ("rdfs:label", lit(f"a concept of the {sch.label.lower()} scheme")),
                    ("sh:class", "skos:Concept"),
                    ("sh:property", f"pkbsh:Concept-{sch.key}-scheme"),
                ],
            )
            + "\n"
        )
        out.append(
            _prop_shape(
                f"pkbsh:Concept-{sch.key}-scheme",
                "skos:inScheme",
                extra=[("sh:hasValue", f"<{iris.scheme(sch.key)}>")],
            )
        )

    out.append("# Relations: domain and range\n\n")
    for r in o.relations.values():
        range_ = [f"pkb:{x}" for x in r.range]
        domain = [f"pkb:{x}" for x in r.domain]
        pairs: list[tuple[str, str | list[str]]] = [
            ("a", "sh:NodeShape"),
            ("rdfs:label", lit(f"{words(r.name)}: subjects in the domain, objects in the range")),
            ("sh:targetSubjectsOf", r.iri),
        ]
        if len(domain) == 1:
            pairs.append(("sh:class", domain[0]))
        else:
            pairs.append(("sh:node", f"pkbsh:{r.name}-domain"))
        pairs.append(("sh:property", f"pkbsh:{r.name}-range"))
        out.append(stmt(f"pkbsh:{r.name}", pairs) + "\n")
        rp: list[tuple[str, str | list[str]]] = [
            ("a", "sh:PropertyShape"),
            ("sh:path", r.iri),
            ("sh:nodeKind", "sh:IRI"),
        ]
        if len(range_) == 1:
            rp.append(("sh:class", range_[0]))
        else:
            rp.append(("sh:node", f"pkbsh:{r.name}-range-types"))
        rp.append(("sh:description", lit(r.description)))
        out.append(stmt(f"pkbsh:{r.name}-range", rp) + "\n")
        for suffix, classes, what in (("domain", r.domain, "subject"), ("range-types", r.range, "object")):
            if len(classes) > 1:
                out.append(_one_of(o, f"pkbsh:{r.name}-{suffix}", classes, f"{words(r.name)}: the {what}"))

    out.append("# Evidence, assertions, source graphs, memberships, periods\n\n")
    methods = "( " + " ".join(lit(m, None) for m in METHODS) + " )"
    ev_props = [
        ("source", "prov:wasDerivedFrom", {"iri": True, "cls": "pkb:Source", "min_count": 1, "max_count": 1}),
        ("method", "pkb:method", {"datatype": "xsd:string", "min_count": 1, "max_count": 1}),
        ("confidence", "pkb:confidence", {"datatype": "xsd:decimal", "min_count": 1, "max_count": 1}),
        ("quote", "pkb:quote", {"datatype": "xsd:string", "max_count": 1}),
        ("start", "pkb:start", {"datatype": "xsd:integer", "max_count": 1}),
        ("end", "pkb:end", {"datatype": "xsd:integer", "max_count": 1}),
        ("locator", "pkb:locator", {"datatype": "xsd:string", "max_count": 1}),
    ]
    out.append(
        stmt(
            "pkbsh:Evidence",
            [
                ("a", "sh:NodeShape"),
                ("rdfs:label", lit("evidence")),
                ("sh:targetObjectsOf", "pkb:evidence"),
                ("sh:targetClass", "pkb:Evidence"),
                ("sh:property", [f"pkbsh:Evidence-{n}" for n, _, _ in ev_props]),
            ],
        )
        + "\n"
    )
    for n, path, kw in ev_props:
        more: list[tuple[str, str | list[str]]] = []
        if n == "method":
            more.append(("sh:in", methods))
        elif n == "confidence":
            more += [("sh:minInclusive", "0"), ("sh:maxInclusive", "1")]
        elif n in ("start", "end"):
            more.append(("sh:minInclusive", "0"))
        out.append(_prop_shape(f"pkbsh:Evidence-{n}", path, extra=more, **kw))  # type: ignore[arg-type]

    rel_iris = " ".join(r.iri for r in o.relations.values())
    a_props = [
        _prop_shape("pkbsh:Assertion-subject", "rdf:subject", iri=True, min_count=1, max_count=1),
        _prop_shape(
            "pkbsh:Assertion-predicate",
            "rdf:predicate",
            iri=True,
            min_count=1,
            max_count=1,
            extra=[("sh:in", f"( {rel_iris} )")],
        ),
        _prop_shape("pkbsh:Assertion-object", "rdf:object", iri=True, min_count=1, max_count=1),
        _prop_shape(
            "pkbsh:Assertion-evidence",
            "pkb:evidence",
            iri=True,
            min_count=1,
            description="Every relation has evidence: nothing is invented.",
        ),
    ]
    names = [
        "pkbsh:Assertion-subject",
        "pkbsh:Assertion-predicate",
        "pkbsh:Assertion-object",
        "pkbsh:Assertion-evidence",
    ]
    for p in o.relation_props.values():
        if p.iri.startswith("pkb:"):
            names.append(f"pkbsh:Assertion-{p.name}")
            a_props.append(
                _prop_shape(
                    f"pkbsh:Assertion-{p.name}", p.iri, datatype=p.datatype, max_count=1, description=p.description
                )
            )
    out.append(
        stmt(
            "pkbsh:Assertion",
            [
                ("a", "sh:NodeShape"),
                ("rdfs:label", lit("assertion")),
                ("sh:targetClass", "pkb:Assertion"),
                ("sh:property", names),
            ],
        )
        + "\n"
    )
    out.extend(a_props)

    sg = [
        _prop_shape(
            "pkbsh:SourceGraph-source", "prov:wasDerivedFrom", iri=True, cls="pkb:Source", min_count=1, max_count=1
        ),
        _prop_shape(
            "pkbsh:SourceGraph-activity", "prov:wasGeneratedBy", iri=True, cls="prov:Activity", min_count=1, max_count=1
        ),
        _prop_shape("pkbsh:SourceGraph-title", "dcterms:title", datatype="xsd:string", min_count=1, max_count=1),
        _prop_shape("pkbsh:SourceGraph-issued", "dcterms:issued", datatype="xsd:date", max_count=1),
        _prop_shape("pkbsh:SourceGraph-url", "schema:url", datatype="xsd:anyURI", max_count=1),
    ]
    out.append(
        stmt(
            "pkbsh:SourceGraph",
            [
                ("a", "sh:NodeShape"),
                ("rdfs:label", lit("source graph")),
                ("sh:targetClass", "pkb:SourceGraph"),
                ("sh:property", [f"pkbsh:SourceGraph-{n}" for n in ("source", "activity", "title", "issued", "url")]),
            ],
        )
        + "\n"
    )
    out.extend(sg)

    out.append(
        stmt(
            "pkbsh:Membership",
            [
                ("a", "sh:NodeShape"),
                ("rdfs:label", lit("membership")),
                ("sh:targetClass", "org:Membership"),
                (
                    "sh:property",
                    ["pkbsh:Membership-member", "pkbsh:Membership-organization", "pkbsh:Membership-during"],
                ),
            ],
        )
        + "\n"
    )
    out.append(_prop_shape("pkbsh:Membership-member", "org:member", iri=True, min_count=1, max_count=1))
    out.append(_prop_shape("pkbsh:Membership-organization", "org:organization", iri=True, min_count=1, max_count=1))
    out.append(_prop_shape("pkbsh:Membership-during", "org:memberDuring", iri=True, cls="time:Interval", max_count=1))

    out.append(
        stmt(
            "pkbsh:Interval",
            [
                ("a", "sh:NodeShape"),
                ("rdfs:label", lit("time interval")),
                ("sh:targetClass", "time:Interval"),
                ("sh:property", ["pkbsh:Interval-beginning", "pkbsh:Interval-end"]),
            ],
        )
        + "\n"
    )
    out.append(_prop_shape("pkbsh:Interval-beginning", "time:hasBeginning", iri=True, cls="time:Instant", max_count=1))
    out.append(_prop_shape("pkbsh:Interval-end", "time:hasEnd", iri=True, cls="time:Instant", max_count=1))
    return "".join(out)
