"""Reference data: every UK police force, the oversight and related bodies, and police ranks.

The project's own tables in ``data/reference/`` are the base layer every load starts
from. They give forces their stable ids (the police.uk id) and the alias index that
resolves the names people actually use ("the Met", "TVP", "Devon & Cornwall Police").
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kb.identity import AliasIndex, make_id, normalise_name
from kb.model import Entity, Evidence, Facts, Relation
from kb.paths import reference_dir

REFERENCE_SOURCE_ID = "source/reference-data"
# The police-complaints body of each UK nation (bodies.csv ids): who investigates independently.
COMPLAINTS_BODIES = {"England": "iopc", "Wales": "iopc", "Scotland": "pirc", "Northern Ireland": "poni"}


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split(";") if p.strip()]


@dataclass(frozen=True, slots=True)
class ForceRecord:
    """One row of the forces table."""

    id: str
    police_uk_id: str
    name: str
    country: str
    region: str
    aliases: tuple[str, ...]
    short_names: tuple[str, ...]
    wikidata_id: str
    area: tuple[str, ...]
    description: str = ""  # what the force is or was ("... until 31 March 2013, when it merged ...")

    @property
    def entity_id(self) -> str:
        return f"force/{self.id}"


@dataclass(frozen=True, slots=True)
class BodyRecord:
    """One row of the bodies table (oversight bodies, programmes, other organisations)."""

    id: str
    type: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    wikidata_id: str
    jurisdiction: str

    @property
    def entity_id(self) -> str:
        return make_id(self.type, self.name, key=self.id)


@dataclass(frozen=True, slots=True)
class RankRecord:
    """One police rank with its abbreviations and detective form."""

    rank: str
    abbreviations: tuple[str, ...]
    order: int
    forces: str
    detective_form: str
    detective_abbreviations: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    """All reference tables, with alias indexes built from them."""

    forces: tuple[ForceRecord, ...]
    bodies: tuple[BodyRecord, ...]
    ranks: tuple[RankRecord, ...]
    aliases: AliasIndex
    force_short_names: AliasIndex
    sha256: str

    def force(self, name: str, *, short: bool = False) -> ForceRecord | None:
        """Resolve a force by any full name or alias; with ``short``, also by short names
        such as 'Kent' or 'Metropolitan' (table columns, where a bare county means the force)."""
        fid = self.aliases.resolve(name)
        if fid is None and short:
            fid = self.force_short_names.resolve(name)
        if fid is None or not fid.startswith("force/"):
            return None
        return next((f for f in self.forces if f.entity_id == fid), None)

    def rank_lookup(self) -> dict[str, str]:
        """Normalised rank name or abbreviation -> canonical rank name."""
        out: dict[str, str] = {}
        for r in self.ranks:
            for n in (r.rank, *r.abbreviations):
                out.setdefault(normalise_name(n), r.rank)
            if r.detective_form:
                for n in (r.detective_form, *r.detective_abbreviations):
                    out.setdefault(normalise_name(n), r.detective_form)
        return out


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_reference(directory: Path | None = None) -> Reference:
    """Read the reference tables from ``directory`` (default: the project's)."""
    d = directory or reference_dir()
    digest = hashlib.sha256()
    for name in ("forces.csv", "bodies.csv", "ranks.csv"):
        digest.update((d / name).read_bytes())
    forces = tuple(
        ForceRecord(
            id=r["id"],
            police_uk_id=r["police_uk_id"],
            name=r["name"],
            country=r["country"],
            region=r["region"],
            aliases=tuple(_split(r["aliases"])),
            short_names=tuple(_split(r["short_names"])),
            wikidata_id=r["wikidata_id"],
            area=tuple(_split(r["area"])),
            description=(r.get("description") or "").strip(),
        )
        for r in _read(d / "forces.csv")
    )
    bodies = tuple(
        BodyRecord(
            id=r["id"],
            type=r["type"],
            name=r["name"],
            kind=r["kind"],
            aliases=tuple(_split(r["aliases"])),
            wikidata_id=r["wikidata_id"],
            jurisdiction=r["jurisdiction"],
        )
        for r in _read(d / "bodies.csv")
    )
    ranks = tuple(
        RankRecord(
            rank=r["rank"],
            abbreviations=tuple(_split(r["abbreviations"])),
            order=int(r["order"] or 0),
            forces=r["forces"],
            detective_form=r["detective_form"],
            detective_abbreviations=tuple(_split(r["detective_abbreviations"])),
        )
        for r in _read(d / "ranks.csv")
    )
    index = AliasIndex()
    for f in forces:
        index.add(f.entity_id, "PoliceForce", (f.name, *f.aliases))
    for b in bodies:
        index.add(b.entity_id, b.type, (b.name, *b.aliases))
    short = AliasIndex()
    for f in forces:
        short.add(f.entity_id, "PoliceForce", f.short_names)
    return Reference(forces, bodies, ranks, index, short, digest.hexdigest())


@cache
def reference() -> Reference:
    """The project's reference data (loaded once per process)."""
    return load_reference()


def reference_facts(ref: Reference | None = None) -> Facts:
    """The reference tables as Facts: forces and bodies with their evidence."""
    r = ref or reference()
    source = Entity(
        id=REFERENCE_SOURCE_ID,
        type="Source",
        name="policing-kb reference tables",
        props={
            "title": "policing-kb reference tables: forces, bodies, ranks",
            "sha256": r.sha256,
            "sourceKind": "reference",
            "file": "data/reference",
            "format": "text/csv",
        },
    )
    facts = Facts(source=source)

    def ev(quote: str) -> list[Evidence]:
        return [Evidence(REFERENCE_SOURCE_ID, quote=quote, method="reference", confidence=1.0)]

    for f in r.forces:
        props: dict[str, str | int | float | bool | list[str]] = {"country": f.country}
        if f.police_uk_id:
            props["policeUkId"] = f.police_uk_id
        if f.wikidata_id:
            props["wikidataId"] = f.wikidata_id
        if f.description:
            props["description"] = f.description
        facts.entities.append(
            Entity(f.entity_id, "PoliceForce", f.name, list(f.aliases), props, ev(f"forces.csv: {f.id}"))
        )
    for b in r.bodies:
        props = {"kind": b.kind}
        if b.jurisdiction:
            props["jurisdiction"] = b.jurisdiction
        if b.wikidata_id:
            props["wikidataId"] = b.wikidata_id
        facts.entities.append(Entity(b.entity_id, b.type, b.name, list(b.aliases), props, ev(f"bodies.csv: {b.id}")))
    # The police-complaints bodies oversee the forces of their jurisdiction: a fact of law,
    # written once here so graph queries ("who oversees Kent Police?") answer without articles.
    overseers = COMPLAINTS_BODIES
    body_ids = {b.id: b.entity_id for b in r.bodies}
    for f in r.forces:
        countries = {c.strip() for c in f.country.split(";")}
        for body in sorted({overseers[c] for c in countries if c in overseers}):
            if body in body_ids:
                facts.relations.append(
                    Relation("OVERSEES", body_ids[body], f.entity_id, evidence=ev(f"forces.csv: {f.id} ({f.country})"))
                )
    return facts
