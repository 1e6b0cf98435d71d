"""A small hand-written KB for the RDF tests: every class, every relation, two sources that
agree on some facts, statistics with periods, memberships with dates, and hostile literals.

All people, places and events are fictional.
"""

from __future__ import annotations

from kb.model import Entity, Evidence, Facts, Relation

A = "source/rdf-test-article"
B = "source/rdf-test-table"

# Strings an escaper gets wrong: quotes, backslashes, newlines, tabs, control characters,
# Turtle / N-Triples syntax, JSON syntax, non-BMP Unicode, right-to-left text.
HOSTILE = (
    "He said \"stop\" \\ then 'left'\nnext line\r\n\ttabbed \x00\x01\x1f\x7f end"
    ' """triple""" <https://w3id.org/policing-kb/id/force/kent> . ^^xsd:string @en'
    ' {"json": [1, 2]} é ü ß 😀 𝔘 שלום \u2028 \u00a0'
)


def _ev(src: str, quote: str | None = None, **kw: object) -> list[Evidence]:
    return [Evidence(src, quote=quote, **kw)]  # type: ignore[arg-type]


def article_facts() -> Facts:
    src = Entity(
        A,
        "Source",
        "A test article",
        props={
            "title": "Officer dismissed after " + HOSTILE[:40],
            "url": "https://example.org/news/officer-dismissed?id=1&x=y",
            "publisher": "Example News",
            "published": "2024-03-05",
            "sha256": "a" * 64,
            "sourceKind": "article",
            "format": "text/markdown",
            "file": "articles/test.md",
            "loadedAt": "2024-03-06T10:00:00+00:00",
        },
    )
    ev = lambda q, s=0: _ev(A, q, start=s, end=s + len(q), method="rule", confidence=0.9)  # noqa: E731
    officer = Entity(
        "person/alex-example",
        "Officer",
        "Alex Example",
        aliases=["PC Example", "PC A. Example"],
        props={"rank": "PC", "rankNormalised": "Police Constable", "role": "response officer"},
        evidence=ev("PC Alex Example", 10) + ev("PC Example", 200),
    )
    witness = Entity(
        "person/officer-z",
        "Person",
        "Officer Z",
        props={"anonymised": True, "description": HOSTILE},
        evidence=ev("a witness known as Officer Z", 300),
    )
    chief = Entity(
        "person/jordan-sample",
        "Person",
        "Jordan Sample",
        props={"wikidataId": "Q4115189"},
        evidence=ev("Chief Constable Jordan Sample", 400),
    )
    place = Entity("place/testbury", "Place", "Testbury", props={"country": "England"}, evidence=ev("Testbury", 50))
    odd_place = Entity("place/odd key é<>", "Place", 'Odd <Place> "quoted"', evidence=ev("an odd place", 60))
    incident = Entity(
        "incident/testbury-arrest-2023",
        "Incident",
        "Arrest in Testbury, 2023",
        props={"date": "2023-06-01", "status": "concluded"},
        evidence=ev("an arrest in Testbury", 80),
    )
    allegation = Entity(
        "allegation/excessive-force-testbury",
        "Allegation",
        "Excessive force during the Testbury arrest",
        props={"category": "excessive-force", "categoryLabel": "used excessive force", "date": "2023"},
        evidence=ev("used excessive force", 120),
    )
    investigation = Entity(
        "investigation/iopc-testbury",
        "Investigation",
        "IOPC investigation of the Testbury arrest",
        props={"status": "concluded", "date": "2023-07"},
        evidence=ev("the IOPC investigated", 150),
    )
    outcome = Entity(
        "outcome/alex-example-dismissed",
        "Outcome",
        "Alex Example dismissed",
        props={"category": "dismissal", "categoryLabel": "was dismissed", "date": "2024-03-01"},
        evidence=ev("was dismissed", 170),
    )
    org = Entity(
        "org/testbury-advocacy-trust",
        "Organisation",
        "Testbury Advocacy Trust",
        props={"kind": "charity"},
        evidence=ev("Testbury Advocacy Trust", 500),
    )
    quote = Entity(
        "quote/q1",
        "Quote",
        "Quote by the IOPC",
        props={"text": HOSTILE},
        evidence=ev("“This conduct was unacceptable”", 600),
    )
    stat = Entity(
        "statistic/s1",
        "Statistic",
        "Complaints against Thames Valley Police, 2022-23",
        props={
            "measure": "complaints recorded",
            "measureConcept": "complaints",
            "value": 1234,
            "valueText": "1,234",
            "unit": "count",
            "period": "2022-23",
            "periodStart": "2022-04-01",
            "periodEnd": "2023-03-31",
            "status": "reported",
            "qualifier": "exact",
        },
        evidence=ev("1,234 complaints", 700),
    )
    rel = lambda t, s, o, q, **p: Relation(t, s, o, dict(p), ev(q))  # noqa: E731
    relations = [
        rel(
            "SERVES_IN",
            officer.id,
            "force/thames-valley",
            "PC Alex Example of Thames Valley Police",
            role="response officer",
            **{"from": "2015"},
        ),
        rel(
            "HOLDS_POST",
            chief.id,
            "force/thames-valley",
            "Chief Constable Jordan Sample",
            title="Chief Constable",
            **{"from": "2019-04", "to": "2024-03-31"},
        ),
        rel("HOLDS_POST", chief.id, org.id, "trustee of the trust", title="Trustee"),
        rel("MEMBER_OF", witness.id, org.id, "a volunteer with the trust", role="volunteer"),
        rel("PARTNERS_WITH", "programme/police-now", "force/thames-valley", "Police Now works with the force"),
        rel("RECRUITED_VIA", officer.id, "programme/police-now", "joined through Police Now"),
        rel("COVERS", "force/thames-valley", place.id, "Thames Valley Police covers Testbury"),
        rel("COVERS", "force/thames-valley", odd_place.id, "and the odd place"),
        rel("OCCURRED_IN", incident.id, place.id, "in Testbury"),
        rel("INVOLVES", incident.id, officer.id, "the arresting officer", role="subject"),
        rel("INVOLVES", incident.id, witness.id, "a witness", role="witness"),
        rel("HANDLED_BY", incident.id, "force/thames-valley", "dealt with by Thames Valley Police"),
        rel("AGAINST", allegation.id, officer.id, "alleged the officer"),
        rel("CONCERNS", allegation.id, incident.id, "about the arrest"),
        rel("CONCERNS", investigation.id, allegation.id, "into the allegation"),
        rel("INVESTIGATED_BY", allegation.id, "body/iopc", "the IOPC investigated"),
        rel("RESULTED_IN", investigation.id, outcome.id, "led to dismissal", date="2024-03-01"),
        rel("OVERSEES", "body/hmicfrs", "force/thames-valley", "inspected by HMICFRS"),
        rel("REFERRED_TO", "force/thames-valley", "body/iopc", "the force referred itself", date="2023-06-02"),
        rel("SAID", "body/iopc", quote.id, "the IOPC said"),
        rel("ABOUT", stat.id, "force/thames-valley", "Thames Valley Police recorded 1,234 complaints"),
    ]
    return Facts(
        source=src,
        entities=[
            officer,
            witness,
            chief,
            place,
            odd_place,
            incident,
            allegation,
            investigation,
            outcome,
            org,
            quote,
            stat,
        ],
        relations=relations,
    )


def table_facts() -> Facts:
    """A second source: repeats an entity and a relation, adds a suppressed statistic."""
    src = Entity(
        B,
        "Source",
        "A test FOI table",
        props={"sha256": "b" * 64, "sourceKind": "foi-table", "foiReference": "FOI/2024/001", "sheet": "Table 1"},
    )
    ev = lambda loc: _ev(B, None, method="table", confidence=1.0, locator=loc)  # noqa: E731
    officer = Entity("person/alex-example", "Officer", "Alex Example", evidence=ev("Table 1!B3"))
    suppressed = Entity(
        "statistic/s2",
        "Statistic",
        "Dismissals in Thames Valley Police, 2022",
        props={
            "measure": "dismissals",
            "measureConcept": "dismissals",
            "valueText": "[c]",
            "status": "suppressed",
            "periodStart": "2022-01-01",
            "periodEnd": "2022-12-31",
            "unit": "count",
        },
        evidence=ev("Table 1!C4"),
    )
    share = Entity(
        "statistic/s3",
        "Statistic",
        "Share of complaints upheld",
        props={"measure": "share upheld", "value": 0.125, "unit": "proportion", "status": "reported", "period": "2023"},
        evidence=ev("Table 1!D5"),
    )
    return Facts(
        source=src,
        entities=[officer, suppressed, share],
        relations=[
            Relation(
                "SERVES_IN",
                "person/alex-example",
                "force/thames-valley",
                {"from": "2015", "role": "response officer"},
                ev("Table 1!A3"),
            ),
            Relation("ABOUT", "statistic/s2", "force/thames-valley", {}, ev("Table 1!A4")),
            Relation("ABOUT", "statistic/s3", "force/thames-valley", {}, ev("Table 1!A5")),
        ],
    )


def all_facts() -> list[Facts]:
    from kb.reference import reference_facts

    return [reference_facts(), article_facts(), table_facts()]


C = "source/rdf-test-restated"


def restated_facts() -> Facts:
    """A source that restates what the article said in other words: a second post (another
    title) and a second membership (another role) between the same two entities, the same
    membership again, and a source node whose props repeat its name. An export must state
    each plain triple (``<officer> pkb:servesIn <force>``) once, however many relations share it."""
    src = Entity(
        C,
        "Source",
        "A restating article",
        props={"name": "A restating article", "sha256": "c" * 64, "sourceKind": "article", "title": "Restated"},
    )
    ev = lambda q: _ev(C, q, method="rule", confidence=0.8)  # noqa: E731
    return Facts(
        source=src,
        entities=[
            Entity("person/alex-example", "Officer", "Alex Example", evidence=ev("Alex Example")),
            Entity("person/jordan-sample", "Person", "Jordan Sample", evidence=ev("Jordan Sample")),
        ],
        relations=[
            Relation("SERVES_IN", "person/alex-example", "force/thames-valley", {"role": "tutor constable"}, ev("a")),
            Relation("SERVES_IN", "person/alex-example", "force/thames-valley", {"role": "response officer"}, ev("b")),
            Relation("HOLDS_POST", "person/jordan-sample", "force/thames-valley", {"title": "Deputy"}, ev("c")),
        ],
    )
