"""A synthetic KB of realistic shape, for benchmarks.

The 48 reference forces and the reference bodies are the fixed layer; on top of them each
synthetic source (an "article" of about 100 entities) names officers of one force, other
people, places, incidents, allegations against officers, investigations by oversight bodies
with their outcomes, statistics about the force and quotes. Some officers reappear in later
sources of their force, as real people do, so entities carry evidence from several sources.

Everything is a pure function of ``(n_entities, seed)``; names and attributes of an officer
are derived from its index, so a re-mention repeats exactly what the first mention said.
Generation avoids the identity helpers' Unicode normalisation: every synthetic name is
plain ASCII, so a slug is a lower-case, hyphenated copy of it.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from functools import cache

from kb.model import Entity, Evidence, Facts, Props, Relation
from kb.ontology import ontology
from kb.reference import ForceRecord, reference, reference_facts

# Per-source counts of *new* entities (plus the Source itself: 100 in all).
_NEW_PER_SOURCE: dict[str, int] = {
    "Officer": 16,
    "Person": 9,
    "Place": 2,
    "Incident": 11,
    "Allegation": 16,
    "Investigation": 9,
    "Outcome": 11,
    "Statistic": 15,
    "Quote": 10,
}
ENTITIES_PER_SOURCE = 1 + sum(_NEW_PER_SOURCE.values())
# Officers already named by an earlier source of the same force, mentioned again.
_REMENTIONS = 3
_CONFIDENCES = (0.7, 0.8, 0.85, 0.9, 0.95, 1.0)

_FIRST = [
    "James",
    "Oliver",
    "Harry",
    "Jack",
    "George",
    "Noah",
    "Charlie",
    "Jacob",
    "Alfie",
    "Freddie",
    "Thomas",
    "William",
    "Daniel",
    "Samuel",
    "Joseph",
    "Mohammed",
    "Adam",
    "Ryan",
    "Liam",
    "Connor",
    "Aisha",
    "Amelia",
    "Olivia",
    "Isla",
    "Emily",
    "Ava",
    "Jessica",
    "Sophie",
    "Grace",
    "Ruby",
    "Chloe",
    "Ella",
    "Lily",
    "Mia",
    "Hannah",
    "Zara",
    "Priya",
    "Sarah",
    "Rebecca",
    "Laura",
    "Rachel",
    "Claire",
    "Helen",
    "Karen",
    "Nadia",
    "Fatima",
    "Kemi",
    "Tunde",
    "Marcus",
    "Dylan",
    "Rhys",
    "Ewan",
    "Callum",
    "Siobhan",
    "Niamh",
    "Ciaran",
    "Gareth",
    "Bethan",
    "Owen",
]
_SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Morgan",
    "Hughes",
    "Edwards",
    "Hill",
    "Moore",
    "Clark",
    "Harrison",
    "Scott",
    "Young",
    "Morris",
    "Ward",
    "Turner",
    "Carter",
    "Ahmed",
    "Begum",
    "Hussain",
    "Ali",
    "Okafor",
    "Mensah",
    "Campbell",
    "Stewart",
    "Murray",
    "Kelly",
    "Reid",
    "Fraser",
    "Murphy",
    "Byrne",
    "Doyle",
    "Quinn",
    "Baker",
    "Price",
    "Bennett",
    "Shaw",
    "Lloyd",
    "Owen",
    "Powell",
    "Fletcher",
    "Bailey",
]
_INITIALS = "ABCDEFGHJKLMNPRSTW"
# Rank as written, the normalised rank, and a weight (constables dominate real forces).
_RANKS: tuple[tuple[str, str, int], ...] = (
    ("PC", "Police Constable", 40),
    ("DC", "Detective Constable", 10),
    ("Sgt", "Sergeant", 12),
    ("DS", "Detective Sergeant", 5),
    ("Insp", "Inspector", 6),
    ("DI", "Detective Inspector", 3),
    ("Ch Insp", "Chief Inspector", 2),
    ("Supt", "Superintendent", 2),
    ("Ch Supt", "Chief Superintendent", 1),
    ("PCSO", "Police Community Support Officer", 4),
    ("Special Constable", "Special Constable", 2),
)
_RANK_TABLE: tuple[int, ...] = tuple(i for i, r in enumerate(_RANKS) for _ in range(r[2]))
_OFFICER_ROLES = (
    "response officer",
    "neighbourhood officer",
    "custody sergeant",
    "firearms officer",
    "traffic officer",
    "detective",
    "public order officer",
)
_POSTS = ("Chief Constable", "Deputy Chief Constable", "head of professional standards", "borough commander")
_PERSON_ROLES = ("complainant", "victim", "witness", "solicitor", "campaigner", "family member", "councillor")
_INVOLVED_ROLES = ("complainant", "victim", "witness")
_PLACE_STEMS = [
    "Ash",
    "Brook",
    "Chester",
    "Dun",
    "Elm",
    "Fair",
    "Green",
    "High",
    "Kings",
    "Lang",
    "Mill",
    "North",
    "Oak",
    "Rich",
    "Stan",
    "Thorn",
    "Wal",
    "West",
    "Whit",
    "Wood",
]
_PLACE_ENDS = ["ford", "ton", "bury", "field", "ley", "wick", "ham", "worth", "stead", "bridge", "moor", "dale"]
_INCIDENT_KINDS = (
    "arrest",
    "stop and search",
    "death in custody",
    "vehicle pursuit",
    "strip search",
    "use of Taser",
    "leaked messages",
    "domestic call-out",
)
_INVESTIGATION_STATUS = ("ongoing", "concluded", "concluded", "concluded")
_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("complaints recorded", "complaints", "count"),
    ("allegations recorded", "allegations", "count"),
    ("officers dismissed", "dismissals", "count"),
    ("officers suspended", "suspensions", "count"),
    ("misconduct cases", "misconduct-cases", "count"),
    ("stop and searches", "stop-and-search", "count"),
    ("officer headcount", "officer-headcount", "count"),
    ("share of complaints upheld", "", "percent"),
)
_SAYINGS = (
    "We expect the highest standards from every officer and will act where they are not met.",
    "The family deserve answers and we will keep pressing for them.",
    "This behaviour has no place in policing.",
    "We are cooperating fully with the independent investigation.",
    "Lessons must be learned so that this does not happen again.",
    "Public confidence depends on officers being held to account.",
    "We accept the findings and have already changed our procedures.",
    "It has taken far too long to reach this point.",
)


@cache
def _categories() -> tuple[tuple[str, ...], tuple[str, ...]]:
    schemes = ontology().schemes
    return tuple(schemes["allegation-category"].concepts), tuple(schemes["outcome-category"].concepts)


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-").replace("'", "")


def _mix(i: int, salt: int) -> int:
    """A cheap integer hash: attributes of the i-th officer, stable across mentions."""
    h = (i * 0x9E3779B1 + salt * 0x85EBCA77) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) & 0xFFFFFFFF
    return h ^ (h >> 12)


def _person_name(i: int, salt: int) -> str:
    h = _mix(i, salt)
    first = _FIRST[h % len(_FIRST)]
    initial = _INITIALS[(h >> 8) % len(_INITIALS)]
    last = _SURNAMES[(h >> 16) % len(_SURNAMES)]
    return f"{first} {initial} {last}"


def _date(rng: random.Random, first_year: int = 2015, last_year: int = 2024) -> str:
    return f"{rng.randint(first_year, last_year)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


class _Builder:
    """Accumulates one source's facts; every mention and assertion gets evidence."""

    __slots__ = ("facts", "method", "rng", "sid")

    def __init__(self, source: Entity, rng: random.Random) -> None:
        self.sid = source.id
        self.rng = rng
        self.facts = Facts(source=source)
        self.method = "rule"

    def ev(self, quote: str, method: str | None = None, locator: str | None = None) -> list[Evidence]:
        pos = self.rng.randrange(4000)
        conf = _CONFIDENCES[self.rng.randrange(len(_CONFIDENCES))]
        m = method or self.method
        return [Evidence(self.sid, quote, pos, pos + len(quote), m, conf, locator)]

    def entity(self, eid: str, etype: str, name: str, props: Props, quote: str, method: str | None = None) -> str:
        self.facts.entities.append(Entity(eid, etype, name, [], props, self.ev(quote, method)))
        return eid

    def rel(self, rtype: str, source: str, target: str, quote: str, props: Props | None = None) -> None:
        self.facts.relations.append(Relation(rtype, source, target, props or {}, self.ev(quote)))


class _Generator:
    """State shared across sources: counters and the officers each force has named so far."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        ref = reference()
        self.forces: tuple[ForceRecord, ...] = ref.forces
        # Bigger forces appear in more articles: the Met most, then the metropolitan counties.
        big = {"metropolitan": 12, "west-midlands": 4, "greater-manchester": 4, "west-yorkshire": 3}
        self.force_table = tuple(i for i, f in enumerate(self.forces) for _ in range(big.get(f.id, 1)))
        self.bodies = tuple((b.entity_id, b.name) for b in ref.bodies if b.type == "OversightBody")
        self.iopc = next((b for b in self.bodies if b[0].endswith("/iopc")), self.bodies[0])
        self.officers_by_force: list[list[int]] = [[] for _ in self.forces]
        self.counts: dict[str, int] = dict.fromkeys(_NEW_PER_SOURCE, 0)
        self.allegation_keys, self.outcome_keys = _categories()

    def next_index(self, etype: str) -> int:
        n = self.counts[etype]
        self.counts[etype] = n + 1
        return n

    def source(self, i: int) -> Facts:
        rng = self.rng
        fi = self.force_table[rng.randrange(len(self.force_table))]
        force = self.forces[fi]
        published = _date(rng, 2018, 2025)
        sid = f"source/synthetic-{self.seed}-{i}"
        title = f"{force.name}: officers face misconduct proceedings ({i})"
        src = Entity(
            sid,
            "Source",
            title,
            props={
                "name": title,
                "title": title,
                "url": f"https://news.example.org/{published[:4]}/synthetic-{self.seed}-{i}",
                "publisher": "Synthetic Gazette",
                "published": published,
                "sha256": hashlib.sha256(f"synthetic:{self.seed}:{i}".encode()).hexdigest(),
                "sourceKind": "article",
            },
        )
        b = _Builder(src, rng)
        fid = b.entity(force.entity_id, "PoliceForce", force.name, {}, f"{force.name} said")
        # Some articles involve a second force (a mutual-aid deployment, a transferred officer).
        if rng.random() < 0.3:
            other = self.forces[self.force_table[rng.randrange(len(self.force_table))]]
            if other.id != force.id:
                b.entity(other.entity_id, "PoliceForce", other.name, {}, f"officers from {other.name}")
        body_id, body_name = self.iopc if rng.random() < 0.6 else self.bodies[rng.randrange(len(self.bodies))]
        b.entity(body_id, "OversightBody", body_name, {}, f"the {body_name} said")

        # Places: the force's own area (shared across articles) and new neighbourhoods.
        places: list[str] = []
        if force.area:
            area = force.area[rng.randrange(len(force.area))]
            places.append(b.entity(f"place/{_slug(area)}", "Place", area, {"country": force.country}, f"in {area}"))
        for _ in range(_NEW_PER_SOURCE["Place"]):
            k = self.next_index("Place")
            name = f"{_PLACE_STEMS[k % len(_PLACE_STEMS)]}{_PLACE_ENDS[(k // len(_PLACE_STEMS)) % len(_PLACE_ENDS)]}"
            cycle = k // (len(_PLACE_STEMS) * len(_PLACE_ENDS))
            name = f"{name} {cycle}" if cycle else name
            places.append(b.entity(f"place/{_slug(name)}", "Place", name, {"country": force.country}, f"in {name}"))
        for p in places:
            b.rel("COVERS", fid, p, f"{force.name} covers")

        # Officers: new ones, then a few named before by this force's earlier articles.
        officers: list[str] = []
        known = self.officers_by_force[fi]
        new_ids = [self.next_index("Officer") for _ in range(_NEW_PER_SOURCE["Officer"])]
        old_ids = [known[rng.randrange(len(known))] for _ in range(min(_REMENTIONS, len(known)))]
        for k in dict.fromkeys([*new_ids, *old_ids]):
            h = _mix(k, self.seed + 1)
            written, normalised, _ = _RANKS[_RANK_TABLE[h % len(_RANK_TABLE)]]
            name = _person_name(k, self.seed)
            oid = f"person/{_slug(name)}-{k}"
            props: Props = {
                "rank": written,
                "rankNormalised": normalised,
                "role": _OFFICER_ROLES[(h >> 8) % len(_OFFICER_ROLES)],
            }
            officers.append(b.entity(oid, "Officer", name, props, f"{written} {name}"))
            b.rel("SERVES_IN", oid, fid, f"{written} {name} of {force.name}")
        known.extend(new_ids)
        for oid in officers[:2]:
            title = _POSTS[rng.randrange(len(_POSTS))]
            b.rel("HOLDS_POST", oid, fid, f"{title} of {force.name}", {"title": title, "from": _date(rng)[:4]})

        people: list[str] = []
        for _ in range(_NEW_PER_SOURCE["Person"]):
            k = self.next_index("Person")
            name = _person_name(k, self.seed + 7)
            role = _PERSON_ROLES[rng.randrange(len(_PERSON_ROLES))]
            people.append(b.entity(f"person/{_slug(name)}-p{k}", "Person", name, {"role": role}, f"{name}, a {role}"))

        incidents: list[str] = []
        for _ in range(_NEW_PER_SOURCE["Incident"]):
            k = self.next_index("Incident")
            kind = _INCIDENT_KINDS[rng.randrange(len(_INCIDENT_KINDS))]
            place = places[rng.randrange(len(places))]
            date = _date(rng)
            name = f"{kind} in {place.split('/', 1)[1].replace('-', ' ').title()} on {date}"
            iid = b.entity(
                f"incident/synthetic-{self.seed}-{k}",
                "Incident",
                name,
                {"date": date, "status": "concluded" if rng.random() < 0.7 else "ongoing"},
                f"the {kind} on {date}",
            )
            incidents.append(iid)
            b.rel("OCCURRED_IN", iid, place, f"{kind} in {place}")
            b.rel("HANDLED_BY", iid, fid, f"{force.name} officers attended")
            b.rel("INVOLVES", iid, officers[rng.randrange(len(officers))], "the officer involved", {"role": "subject"})
            role = _INVOLVED_ROLES[rng.randrange(len(_INVOLVED_ROLES))]
            b.rel("INVOLVES", iid, people[rng.randrange(len(people))], f"the {role}", {"role": role})

        allegations: list[str] = []
        for _ in range(_NEW_PER_SOURCE["Allegation"]):
            k = self.next_index("Allegation")
            cat = self.allegation_keys[rng.randrange(len(self.allegation_keys))]
            label = cat.replace("-", " ")
            aid = b.entity(
                f"allegation/synthetic-{self.seed}-{k}",
                "Allegation",
                f"allegation of {label} ({k})",
                {"category": cat, "categoryLabel": label, "date": _date(rng)},
                f"accused of {label}",
            )
            allegations.append(aid)
            # Most allegations name an officer; some are made against the force as a whole.
            target = officers[rng.randrange(len(officers))] if rng.random() < 0.9 else fid
            b.rel("AGAINST", aid, target, f"the allegation against {target}")
            b.rel("CONCERNS", aid, incidents[rng.randrange(len(incidents))], "over the incident")

        investigations: list[str] = []
        for _ in range(_NEW_PER_SOURCE["Investigation"]):
            k = self.next_index("Investigation")
            by = body_id if rng.random() < 0.7 else fid
            vid = b.entity(
                f"investigation/synthetic-{self.seed}-{k}",
                "Investigation",
                f"investigation {k} into the conduct of {force.name} officers",
                {"date": _date(rng), "status": _INVESTIGATION_STATUS[rng.randrange(len(_INVESTIGATION_STATUS))]},
                "an independent investigation",
            )
            investigations.append(vid)
            b.rel("INVESTIGATED_BY", vid, by, f"investigated by {by}")
            b.rel("CONCERNS", vid, allegations[rng.randrange(len(allegations))], "into the allegation")
            if rng.random() < 0.5:
                b.rel("CONCERNS", vid, incidents[rng.randrange(len(incidents))], "into the incident")

        for _ in range(_NEW_PER_SOURCE["Outcome"]):
            k = self.next_index("Outcome")
            cat = self.outcome_keys[rng.randrange(len(self.outcome_keys))]
            label = cat.replace("-", " ")
            date = _date(rng)
            uid = b.entity(
                f"outcome/synthetic-{self.seed}-{k}",
                "Outcome",
                f"{label} ({k})",
                {"category": cat, "categoryLabel": label, "date": date},
                f"the panel found {label}",
            )
            b.rel("RESULTED_IN", investigations[rng.randrange(len(investigations))], uid, label, {"date": date})

        year = int(published[:4])
        for _ in range(_NEW_PER_SOURCE["Statistic"]):
            k = self.next_index("Statistic")
            measure, concept, unit = _MEASURES[rng.randrange(len(_MEASURES))]
            y = rng.randint(year - 6, year - 1)
            value: int | float = round(rng.uniform(1, 60), 1) if unit == "percent" else rng.randint(0, 2500)
            period = f"{y}-{(y + 1) % 100:02d}"
            props = {
                "measure": measure,
                "value": value,
                "valueText": str(value),
                "unit": unit,
                "period": period,
                "periodStart": f"{y}-04-01",
                "periodEnd": f"{y + 1}-03-31",
                "status": "reported",
            }
            if concept:
                props["measureConcept"] = concept
            stid = b.entity(
                f"statistic/synthetic-{self.seed}-{k}",
                "Statistic",
                f"{force.name}: {measure}, {period}",
                props,
                f"{value} {measure} in {period}",
                method="table",
            )
            b.rel("ABOUT", stid, fid, f"{measure} at {force.name}")

        speakers = [*officers[:4], *people[:4], fid, body_id]
        for _ in range(_NEW_PER_SOURCE["Quote"]):
            k = self.next_index("Quote")
            text = _SAYINGS[rng.randrange(len(_SAYINGS))]
            qid = b.entity(
                f"quote/synthetic-{self.seed}-{k}", "Quote", f"{text[:40]}... ({k})", {"text": text}, f'"{text}"'
            )
            speaker = speakers[rng.randrange(len(speakers))]
            b.rel("SAID", speaker, qid, f"said {speaker}")
        return b.facts


def iter_generate(n_entities: int, seed: int = 0, *, with_reference: bool = True) -> Iterator[Facts]:
    """Yield the synthetic KB one source at a time (the memory-lean way to load it).

    The first item is the reference layer (forces and bodies) unless ``with_reference`` is
    False; every synthetic source also mentions the forces and body it names, so each one
    validates on its own.
    """
    if n_entities < 0:
        raise ValueError("n_entities must be >= 0")
    if with_reference:
        yield reference_facts()
    gen = _Generator(seed)
    for i in range(math.ceil(n_entities / ENTITIES_PER_SOURCE)):
        yield gen.source(i)


def generate(n_entities: int, seed: int = 0) -> list[Facts]:
    """A synthetic KB of about ``n_entities`` entities as a list of Facts, one per source."""
    return list(iter_generate(n_entities, seed))
