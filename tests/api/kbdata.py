"""A small, precisely known KB for API tests (invented people and events, written for the tests).

Two sources: an article and an FOI table. The reference data (forces, bodies) is loaded too.
Cases are chains, as the loaders write them: Outcome <-RESULTED_IN- Investigation -CONCERNS->
Allegation -AGAINST-> Officer -SERVES_IN-> force. :func:`appeal_facts` adds an appeal that
reverses an outcome.
"""

from __future__ import annotations

from kb.model import Entity, Evidence, Facts, Relation
from kb.reference import reference_facts
from kb.store.base import Store

ARTICLE = "source/api-test-article"
FOI = "source/api-test-foi"
TVP = "force/thames-valley"
KENT = "force/kent"
ALEX = "person/alex-example"
JAMIE = "person/jamie-sample"
CHRIS = "person/chris-witness"


def _ev(quote: str, start: int = 0, method: str = "rule", confidence: float = 0.9) -> list[Evidence]:
    return [Evidence(ARTICLE, quote=quote, start=start, end=start + len(quote), method=method, confidence=confidence)]


def _cell(locator: str) -> list[Evidence]:
    return [Evidence(FOI, locator=locator, method="table", confidence=1.0)]


def article_facts() -> Facts:
    src = Entity(
        ARTICLE,
        "Source",
        "Test article",
        props={
            "title": "Officer dismissed after inquiry (test article)",
            "url": "https://example.org/news/test-article",
            "publisher": "Example News",
            "published": "2021-06-01",
            "sha256": "0" * 64,
            "sourceKind": "article",
        },
    )
    ents = [
        Entity(TVP, "PoliceForce", "Thames Valley Police", evidence=_ev("Thames Valley Police", 10)),
        Entity(KENT, "PoliceForce", "Kent Police", evidence=_ev("Kent Police", 20)),
        Entity(
            ALEX,
            "Officer",
            "PC Alex Example",
            aliases=["Alex Example"],
            props={"rank": "PC", "rankNormalised": "Police Constable"},
            evidence=_ev("PC Alex Example", 30),
        ),
        Entity(
            JAMIE,
            "Officer",
            "Sgt Jamie Sample",
            props={"rank": "Sgt", "rankNormalised": "Sergeant"},
            evidence=_ev("Sgt Jamie Sample", 40),
        ),
        Entity(CHRIS, "Person", "Chris Witness", props={"role": "witness"}, evidence=_ev("Chris Witness", 50)),
        Entity(
            "allegation/a1",
            "Allegation",
            "Excessive force allegation against PC Alex Example",
            props={
                "category": "excessive-force",
                "categoryLabel": "used excessive force",
                "date": "2020-03-02",
                "datePrecision": "day",
            },
            evidence=_ev("accused of using excessive force", 60),
        ),
        Entity(
            "allegation/a2",
            "Allegation",
            "Dishonesty allegation against Sgt Jamie Sample",
            props={
                "category": "dishonesty",
                "categoryLabel": "lied in a statement",
                "date": "2021-01-15",
                "datePrecision": "day",
            },
            evidence=_ev("lied in a statement", 70),
        ),
        Entity(
            "investigation/i1",
            "Investigation",
            "IOPC investigation into the excessive force allegation",
            props={"status": "concluded", "date": "2020-05", "datePrecision": "month"},
            evidence=_ev("the IOPC investigated", 80),
        ),
        Entity(
            "investigation/i2",
            "Investigation",
            "Misconduct hearing into Sgt Jamie Sample",
            props={"status": "concluded", "date": "2021-09", "datePrecision": "month"},
            evidence=_ev("a misconduct hearing held by Kent Police", 95),
        ),
        Entity(
            "outcome/o1",
            "Outcome",
            "PC Alex Example dismissed without notice",
            props={
                "category": "dismissed-without-notice",
                "categoryLabel": "dismissed without notice",
                "date": "2021-04-10",
                "datePrecision": "day",
            },
            evidence=_ev("was dismissed without notice", 90),
        ),
        Entity(
            "outcome/o2",
            "Outcome",
            "Final written warning for Sgt Jamie Sample",
            props={"category": "final-written-warning", "date": "2021-09-01", "datePrecision": "day"},
            evidence=_ev("given a final written warning", 100),
        ),
        Entity("body/iopc", "OversightBody", "IOPC", evidence=_ev("IOPC", 110)),
        Entity("place/reading", "Place", "Reading", evidence=_ev("Reading", 120)),
        Entity(
            "incident/x1",
            "Incident",
            "Arrest in Reading",
            props={"date": "2020-02-28"},
            evidence=_ev("an arrest in Reading", 130),
        ),
        Entity(
            "programme/test-scheme",
            "Programme",
            "Test Graduate Scheme",
            aliases=["TGS"],
            evidence=_ev("Test Graduate Scheme", 140),
        ),
        Entity(
            "quote/q1",
            "Quote",
            "Chris Witness on the arrest",
            props={"text": "It was over in seconds."},
            evidence=_ev("It was over in seconds.", 150),
        ),
    ]
    rels = [
        Relation(
            "SERVES_IN",
            ALEX,
            TVP,
            {"role": "response officer", "from": "2018"},
            _ev("PC Alex Example of Thames Valley Police", 30),
        ),
        Relation("SERVES_IN", JAMIE, KENT, {}, _ev("Sgt Jamie Sample of Kent Police", 40)),
        Relation("AGAINST", "allegation/a1", ALEX, {}, _ev("PC Alex Example was accused", 60)),
        Relation("AGAINST", "allegation/a2", JAMIE, {}, _ev("Sgt Jamie Sample was accused", 70)),
        Relation("CONCERNS", "investigation/i1", "allegation/a1", {}, _ev("investigated the allegation", 80)),
        Relation("INVESTIGATED_BY", "investigation/i1", "body/iopc", {}, _ev("the IOPC investigated", 80)),
        Relation(
            "RESULTED_IN",
            "investigation/i1",
            "outcome/o1",
            {"date": "2021-04-10"},
            _ev("the investigation led to dismissal", 90),
        ),
        Relation("CONCERNS", "investigation/i2", "allegation/a2", {}, _ev("a hearing into the allegation", 95)),
        Relation("INVESTIGATED_BY", "investigation/i2", KENT, {}, _ev("a misconduct hearing held by Kent Police", 95)),
        Relation("RESULTED_IN", "investigation/i2", "outcome/o2", {}, _ev("the hearing gave a final warning", 100)),
        Relation("OCCURRED_IN", "incident/x1", "place/reading", {}, _ev("an arrest in Reading", 130)),
        Relation("HANDLED_BY", "incident/x1", TVP, {}, _ev("Thames Valley Police made an arrest", 130)),
        Relation("INVOLVES", "incident/x1", ALEX, {"role": "arresting officer"}, _ev("PC Alex Example arrested", 130)),
        Relation("INVOLVES", "incident/x1", CHRIS, {"role": "witness"}, _ev("Chris Witness saw", 50)),
        Relation("CONCERNS", "allegation/a1", "incident/x1", {}, _ev("the allegation relates to the arrest", 60)),
        Relation(
            "PARTNERS_WITH", "programme/test-scheme", KENT, {"from": "2019"}, _ev("Kent Police joined the scheme", 140)
        ),
        Relation("RECRUITED_VIA", ALEX, "programme/test-scheme", {}, _ev("joined through the scheme", 140)),
        Relation("SAID", CHRIS, "quote/q1", {}, _ev("Chris Witness said", 150)),
        Relation(
            "HOLDS_POST", CHRIS, "body/iopc", {"title": "Volunteer adviser"}, _ev("an IOPC volunteer adviser", 50)
        ),
    ]
    return Facts(src, ents, rels)


def foi_facts() -> Facts:
    src = Entity(
        FOI,
        "Source",
        "Test FOI table",
        props={
            "title": "Dismissals by force (test FOI response)",
            "publisher": "Example FOI unit",
            "published": "2022-07-01",
            "sha256": "1" * 64,
            "sourceKind": "foi-table",
        },
    )
    ents = [
        Entity(TVP, "PoliceForce", "Thames Valley Police", evidence=_cell("Sheet1!A2")),
        Entity(KENT, "PoliceForce", "Kent Police", evidence=_cell("Sheet1!A3")),
        Entity(ALEX, "Officer", "PC Alex Example", evidence=_cell("Sheet2!A2")),
        Entity(
            "statistic/tvp-dismissals-2021",
            "Statistic",
            "Thames Valley Police officers dismissed 2021-22",
            props={
                "measure": "officers dismissed",
                "measureConcept": "dismissals",
                "value": 12.0,
                "unit": "count",
                "period": "2021-22",
                "periodStart": "2021-04-01",
                "periodEnd": "2022-03-31",
                "status": "reported",
            },
            evidence=_cell("Sheet1!B2"),
        ),
        Entity(
            "statistic/kent-dismissals-2020",
            "Statistic",
            "Kent Police officers dismissed 2020-21",
            props={
                "measure": "officers dismissed",
                "measureConcept": "dismissals",
                "value": 7.0,
                "unit": "count",
                "period": "2020-21",
                "periodStart": "2020-04-01",
                "periodEnd": "2021-03-31",
                "status": "reported",
            },
            evidence=_cell("Sheet1!B3"),
        ),
        Entity(
            "statistic/tvp-complaints-2021",
            "Statistic",
            "Thames Valley Police complaints 2021-22",
            props={
                "measure": "complaints recorded",
                "measureConcept": "complaints",
                "valueText": "[c]",
                "status": "suppressed",
                "periodStart": "2021-04-01",
                "periodEnd": "2022-03-31",
            },
            evidence=_cell("Sheet1!C2"),
        ),
    ]
    rels = [
        Relation("ABOUT", "statistic/tvp-dismissals-2021", TVP, {}, _cell("Sheet1!B2")),
        Relation("ABOUT", "statistic/kent-dismissals-2020", KENT, {}, _cell("Sheet1!B3")),
        Relation("ABOUT", "statistic/tvp-complaints-2021", TVP, {}, _cell("Sheet1!C2")),
        Relation("SERVES_IN", ALEX, TVP, {"role": "response officer"}, _cell("Sheet2!B2")),
    ]
    return Facts(src, ents, rels)


def load_test_kb(store: Store) -> Store:
    """Reference data plus the two test sources."""
    store.upsert_many([reference_facts(), article_facts(), foi_facts()])
    return store


APPEAL = "source/api-test-appeal"


def appeal_facts(overturned: bool = False) -> Facts:
    """An appeal that reinstates PC Alex Example (it REVERSES the dismissal); ``overturned``: a
    later ruling reverses the reinstatement in turn, so that the dismissal stands again."""
    src = Entity(APPEAL, "Source", "Test appeal report", props={"title": "Appeal ruling (test)", "sha256": "3" * 64})

    def ev(quote: str) -> list[Evidence]:
        return [Evidence(APPEAL, quote=quote, start=0, end=len(quote), method="rule", confidence=0.9)]

    ents = [
        Entity(ALEX, "Officer", "PC Alex Example", evidence=ev("PC Alex Example")),
        Entity(
            "allegation/a1",
            "Allegation",
            "Excessive force allegation against PC Alex Example",
            evidence=ev("the allegation"),
        ),
        Entity(
            "investigation/i3",
            "Investigation",
            "Police appeals tribunal hearing into PC Alex Example",
            props={"date": "2021-11", "datePrecision": "month"},
            evidence=ev("a tribunal heard the appeal"),
        ),
        Entity("outcome/o1", "Outcome", "PC Alex Example dismissed without notice", evidence=ev("the dismissal")),
        Entity(
            "outcome/o3",
            "Outcome",
            "PC Alex Example reinstated on appeal",
            props={
                "category": "reinstated",
                "categoryLabel": "reinstated on appeal",
                "date": "2021-11-20",
                "datePrecision": "day",
            },
            evidence=ev("was reinstated"),
        ),
    ]
    rels = [
        Relation("CONCERNS", "investigation/i3", "allegation/a1", {}, ev("appealed against the finding")),
        Relation("RESULTED_IN", "investigation/i3", "outcome/o3", {}, ev("the tribunal reinstated him")),
        Relation("REVERSES", "outcome/o3", "outcome/o1", {"date": "2021-11-20"}, ev("overturning the dismissal")),
    ]
    if overturned:
        ents.append(
            Entity(
                "outcome/o4",
                "Outcome",
                "Reinstatement of PC Alex Example quashed",
                props={"category": "dismissed-without-notice", "date": "2022-03-01", "datePrecision": "day"},
                evidence=ev("the reinstatement was quashed"),
            )
        )
        rels.append(Relation("REVERSES", "outcome/o4", "outcome/o3", {}, ev("quashing the reinstatement")))
    return Facts(src, ents, rels)


def crowd_facts(n: int, force: str = KENT, tag: str = "crowd") -> Facts:
    """``n`` officers in one force, each with an allegation that resulted in an outcome."""
    sid = f"source/api-test-{tag}"
    src = Entity(
        sid, "Source", f"Test {tag}", props={"title": f"{tag} table", "sha256": "2" * 64, "sourceKind": "dataset"}
    )

    def ev(i: int) -> list[Evidence]:
        return [Evidence(sid, locator=f"row {i}", method="table")]

    ents: list[Entity] = []
    rels: list[Relation] = []
    for i in range(n):
        o, a, out = f"person/{tag}-officer-{i}", f"allegation/{tag}-{i}", f"outcome/{tag}-{i}"
        ents += [
            Entity(o, "Officer", f"Officer {tag} {i}", evidence=ev(i)),
            Entity(
                a, "Allegation", f"Allegation {tag} {i}", props={"category": "other", "date": "2022"}, evidence=ev(i)
            ),
            Entity(
                out,
                "Outcome",
                f"Outcome {tag} {i}",
                props={"category": "no-case-to-answer", "date": "2022"},
                evidence=ev(i),
            ),
        ]
        rels += [
            Relation("SERVES_IN", o, force, {}, ev(i)),
            Relation("AGAINST", a, o, {}, ev(i)),
            Relation("RESULTED_IN", a, out, {}, ev(i)),
        ]
    return Facts(src, ents, rels)


HUGE = "statistic/huge-figure"


def huge_figure_facts() -> Facts:
    """A statistic whose figure is a 401-digit integer (as a spreadsheet cell can hold): no GraphQL
    Float can show it."""
    sid = "source/api-test-huge"
    src = Entity(sid, "Source", "Test huge figure", props={"title": "Huge figure table (test)", "sha256": "4" * 64})
    ev = [Evidence(sid, locator="Sheet1!B2", method="table", confidence=1.0)]
    stat = Entity(
        HUGE, "Statistic", "A figure too large for a float", props={"value": 10**400, "unit": "count"}, evidence=ev
    )
    return Facts(
        src, [Entity(KENT, "PoliceForce", "Kent Police", evidence=ev), stat], [Relation("ABOUT", HUGE, KENT, {}, ev)]
    )
