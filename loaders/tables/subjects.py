"""What a table row is about: a police force, a region or nation, or the table's total.

Force names resolve through the reference alias index (full names, aliases and the short
names tables use: "Kent", "Metropolitan", "British Transport"), after removing footnote
markers and a trailing "Police" / "Constabulary". Regions and nations become Place
entities; "Total" rows become the aggregate the table covers (England and Wales when
its forces are English and Welsh).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.identity import make_id, normalise_name
from kb.reference import BodyRecord, reference

_NOTES = re.compile(r"\s*(?:\*+|†+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\(\d{1,2}\)|\[(?:note\s*)?\d{1,2}\]|\d{1,2}$|\((?:r|p)\))\s*$", re.I)
_SUFFIX = re.compile(r"\s+(?:police(?:\s+(?:service|force|constabulary))?|constabulary|force|police\s+area|pfa)$", re.I)
_PAREN = re.compile(r"\s*\([^)]*\)\s*$")

# Canonical names of the nations and English regions (ONS regions, as the Home Office uses them).
PLACES: dict[str, tuple[str, str]] = {}
for _name, _country in (
    ("England", "England"),
    ("Wales", "Wales"),
    ("Scotland", "Scotland"),
    ("Northern Ireland", "Northern Ireland"),
    ("England and Wales", "England; Wales"),
    ("United Kingdom", "United Kingdom"),
    ("Great Britain", "United Kingdom"),
    ("North East", "England"),
    ("North West", "England"),
    ("Yorkshire and the Humber", "England"),
    ("East Midlands", "England"),
    ("West Midlands region", "England"),
    ("East of England", "England"),
    ("London", "England"),
    ("South East", "England"),
    ("South West", "England"),
):
    PLACES[normalise_name(_name)] = (_name, _country)
for _alias, _canon in (
    ("UK", "United Kingdom"),
    ("Yorkshire and Humber", "Yorkshire and the Humber"),
    ("Yorkshire & Humberside", "Yorkshire and the Humber"),
    ("Yorkshire and Humberside", "Yorkshire and the Humber"),
    ("East", "East of England"),
    ("Eastern", "East of England"),
    ("England & Wales", "England and Wales"),
    ("Total England and Wales", "England and Wales"),
    ("England and Wales total", "England and Wales"),
    ("Total England & Wales", "England and Wales"),
    ("England and Wales (excluding BTP)", "England and Wales"),
    ("West Midlands (region)", "West Midlands region"),
    ("Wales region", "Wales"),
    ("London region", "London"),
):
    PLACES[normalise_name(_alias)] = PLACES[normalise_name(_canon)]

TOTALS = frozenset(
    normalise_name(t)
    for t in (
        "Total", "Totals", "Grand total", "Overall total", "All", "All forces", "All police forces",
        "Total all forces", "All forces total", "National total", "Sum", "Total (all forces)",
    )
)  # fmt: skip

# Region names that tables never use for a force, though a force lists them as a short name.
_PLACE_FIRST = frozenset({"london", "london region"})

# Forces that operate across nations: they do not decide what a "Total" row covers.
_NATIONAL_FORCES = {"btp", "civil-nuclear-constabulary", "ministry-of-defence-police"}
_UK_NATIONS = frozenset({"England", "Wales", "Scotland", "Northern Ireland"})


@dataclass(frozen=True, slots=True)
class Subject:
    """A resolved row subject."""

    id: str
    type: str  # PoliceForce | Place | OversightBody | Programme | Organisation
    name: str
    kind: str  # force | place | body | total
    country: str = ""


def clean_name(text: str) -> str:
    """The name without footnote markers and surrounding space."""
    s = text.strip()
    for _ in range(2):
        s2 = _NOTES.sub("", s).strip()
        if s2 == s:
            break
        s = s2
    return s


@lru_cache(maxsize=8192)
def resolve(text: str) -> Subject | None:
    """The force, place or body ``text`` names, a total marker, or None when it names nothing
    known (or several different things: "Cumbria / Lancashire", "Met (incl. City of London)")."""
    name = clean_name(text)
    if not name:
        return None
    key = normalise_name(name)
    if key in TOTALS:
        return Subject("", "Place", name, "total")
    if key in _PLACE_FIRST:
        canon, country = PLACES[key]
        return Subject(make_id("Place", canon), "Place", canon, "place", country)
    found = _lookup(name)
    if found is not None or "/" not in name:
        return found
    # A combined label ("SOCA / NCA"): one subject only when every part names the same one.
    parts = {resolve(p) for p in _SLASH.split(name) if p.strip()}
    one = parts.pop() if len(parts) == 1 else None
    return one if one is not None and one.kind != "total" else None


def _lookup(name: str) -> Subject | None:
    """The subject ``name`` names, trying it without a trailing parenthesis and a "Police" suffix."""
    ref = reference()
    candidates = [name]
    stripped = _PAREN.sub("", name).strip()
    inner: str | None = None
    if stripped and stripped != name:
        if normalise_name(stripped) in TOTALS:  # "Total (excluding BTP)"
            return Subject("", "Place", name, "total")
        inner = name[len(stripped) :].strip().strip("()").strip()
        candidates.append(stripped)
    for c in list(candidates):
        s = _SUFFIX.sub("", c).strip()
        if s and s != c:
            candidates.append(s)
    found: Subject | None = None
    for c in candidates:
        f = ref.force(c, short=True)
        if f is not None:
            found = Subject(f.entity_id, "PoliceForce", f.name, "force", f.country)
            break
    if found is None:
        for c in candidates:
            k = normalise_name(c)
            if k in PLACES:
                canon, country = PLACES[k]
                found = Subject(make_id("Place", canon), "Place", canon, "place", country)
                break
    if found is None:
        # Other law-enforcement bodies, oversight bodies and programmes (the NCA, HMRC, the IOPC,
        # Police Now) are subjects too: their figures are about them, never about a force.
        bodies = _bodies()
        for c in candidates:
            bid = ref.aliases.resolve(c)
            if bid is not None and bid in bodies:
                b = bodies[bid]
                found = Subject(b.entity_id, b.type, b.name, "body")
                break
    if found is not None and inner is not None and found.id and _other_subject(inner, found):
        return None  # "Metropolitan (incl. City of London)": figures of two subjects are about neither
    return found


_SLASH = re.compile(r"\s*/\s*")
_JOINT = re.compile(r"^(?:incl(?:uding|\.)?|inc\.?|plus|and|with|&|\+)\s+", re.I)


def _other_subject(inner: str, found: Subject) -> bool:
    """Whether a parenthesis ("(TVP)", "(incl. City of London)") names a subject other than ``found``."""
    joint = _JOINT.match(inner)
    other = _lookup(inner[joint.end() :] if joint else inner)
    return other is not None and other.kind != "total" and other.id != found.id


@lru_cache(maxsize=1)
def _bodies() -> dict[str, BodyRecord]:
    return {b.entity_id: b for b in reference().bodies}


def total_subject(forces: list[Subject], override: str | None = None) -> Subject:
    """The aggregate a "Total" row covers: the nations of the table's forces."""
    if override:
        r = resolve(override)
        if r is not None and r.kind != "total":
            return r
        return Subject(make_id("Place", override), "Place", override, "place")
    ref = reference()
    countries: set[str] = set()
    for s in forces:
        if s.kind != "force" or s.id.removeprefix("force/") in _NATIONAL_FORCES:
            continue
        f = ref.force(s.name)
        if f is not None:
            # The Crown Dependencies' forces (Jersey, Guernsey, the Isle of Man) are not in the UK.
            countries.update(c.strip() for c in f.country.split(";") if c.strip() in _UK_NATIONS)
    if countries <= {"England"} and countries:
        name = "England"
    elif countries <= {"Wales"} and countries:
        name = "Wales"
    elif countries <= {"England", "Wales"} and countries:
        name = "England and Wales"
    elif countries <= {"Scotland"} and countries:
        name = "Scotland"
    else:
        name = "United Kingdom"
    canon, country = PLACES[normalise_name(name)]
    return Subject(make_id("Place", canon), "Place", canon, "place", country)
