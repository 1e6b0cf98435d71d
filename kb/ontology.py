"""The ontology registry: classes, relations, properties and concept schemes.

Read once from ``ontology/registry.toml`` and ``ontology/concepts.toml``; everything else
(RDF mapping, SHACL shapes, GraphQL types, Cypher allow-lists, the Neo4j Browser style)
is derived from the objects defined here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from kb.paths import ontology_dir


@dataclass(frozen=True, slots=True)
class PropertyDef:
    """A datatype property of entities (or of relations)."""

    name: str
    iri: str
    datatype: str
    description: str
    many: bool = False


@dataclass(frozen=True, slots=True)
class ClassDef:
    """An ontology class. ``properties``, ``required`` and ``schemes`` are effective: a
    subclass has its parent's (the registry lists only what the subclass adds)."""

    name: str
    slug: str
    label: str
    description: str
    parent: str | None
    aligned: tuple[str, ...]
    properties: tuple[str, ...]
    required: tuple[str, ...]
    color: str
    # property name -> key of the SKOS concept scheme whose concepts its values are
    schemes: dict[str, str] = field(default_factory=dict)
    own_properties: tuple[str, ...] = ()

    @property
    def iri(self) -> str:
        return f"pkb:{self.name}"


# What a relation is in W3C ORG terms (``org`` in the registry): a membership is also exported
# as an org:Membership (org:member, org:organization, org:memberDuring); a post is a
# membership that is also an org:Post held by the subject, its title the org:Role.
ORG_KINDS = ("membership", "post")
# ``domain = "*"``: every class except those of the relation's range (MENTIONED_IN: anything
# but a Source can be mentioned in a source), so a new class is covered without an edit.
ANY_CLASS = "*"


@dataclass(frozen=True, slots=True)
class RelationDef:
    """An ontology relation (a Neo4j relationship type, an RDF object property)."""

    name: str
    iri: str
    domain: tuple[str, ...]
    range: tuple[str, ...]
    props: tuple[str, ...]
    forward: str
    inverse: str
    description: str
    aligned: tuple[str, ...] = ()
    org: str | None = None  # one of ORG_KINDS, or None

    @property
    def membership(self) -> bool:
        """Exported as an org:Membership too."""
        return self.org is not None


@dataclass(frozen=True, slots=True)
class Concept:
    """A SKOS concept of one scheme."""

    scheme: str
    key: str
    label: str
    definition: str
    broader: str | None
    match: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scheme:
    """A SKOS concept scheme."""

    key: str
    label: str
    definition: str
    concepts: dict[str, Concept]


@dataclass(frozen=True)
class Ontology:
    """The whole registry."""

    version: str
    title: str
    description: str
    base: str
    namespace: str
    prefixes: dict[str, str]
    properties: dict[str, PropertyDef]
    relation_props: dict[str, PropertyDef]
    classes: dict[str, ClassDef]
    relations: dict[str, RelationDef]
    schemes: dict[str, Scheme] = field(default_factory=dict)

    # -- helpers ---------------------------------------------------------------
    def expand(self, curie: str) -> str:
        """Expand a CURIE such as ``org:memberOf`` to a full IRI."""
        prefix, _, local = curie.partition(":")
        if prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return curie

    def is_a(self, cls: str, ancestor: str) -> bool:
        """True when ``cls`` is ``ancestor`` or one of its subclasses."""
        current: str | None = cls
        while current is not None:
            if current == ancestor:
                return True
            current = self.classes[current].parent if current in self.classes else None
        return False

    def slug(self, cls: str) -> str:
        return self.classes[cls].slug

    def classes_for_slug(self, slug: str) -> list[str]:
        return [c.name for c in self.classes.values() if c.slug == slug]

    def allows(self, relation: str, subject_type: str, object_type: str) -> bool:
        """True when the relation's domain and range admit the two classes."""
        rel = self.relations[relation]
        return any(self.is_a(subject_type, d) for d in rel.domain) and any(self.is_a(object_type, r) for r in rel.range)

    def scheme_for(self, cls: str, prop: str) -> str | None:
        """The SKOS scheme whose concept keys property ``prop`` of class ``cls`` holds (None: a literal)."""
        c = self.classes.get(cls)
        return c.schemes.get(prop) if c is not None else None

    def concept(self, scheme: str, key: str) -> Concept | None:
        s = self.schemes.get(scheme)
        return s.concepts.get(key) if s else None

    def narrower(self, keys: list[str]) -> list[str]:
        """The concept keys and every concept below them ('dismissal' -> 'dismissed-without-notice' ...)."""
        children: dict[str, list[str]] = {}
        for c in (c for s in self.schemes.values() for c in s.concepts.values() if c.broader):
            children.setdefault(c.broader or "", []).append(c.key)
        out: dict[str, None] = {}
        todo = list(keys)
        while todo:
            if (k := todo.pop()) not in out:
                out[k] = None
                todo.extend(children.get(k, ()))
        return list(out)


def _classes(raw: dict[str, dict[str, Any]]) -> dict[str, ClassDef]:
    """Class definitions with inheritance resolved: a subclass gets its parent's properties,
    required properties, schemes, slug and colour unless it says otherwise."""
    out: dict[str, ClassDef] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> ClassDef:
        if name in out:
            return out[name]
        if name in seen:
            raise ValueError(f"registry: class {name} is its own ancestor ({' -> '.join((*seen, name))})")
        c = raw[name]
        parent_name = c.get("parent")
        if parent_name is not None and parent_name not in raw:
            raise ValueError(f"registry: class {name} has unknown parent {parent_name!r}")
        parent = resolve(parent_name, (*seen, name)) if parent_name is not None else None
        own = tuple(c.get("properties", ()))
        inherited = parent.properties if parent else ()
        for p in own:
            if p in inherited:
                raise ValueError(f"registry: class {name} lists {p!r}, which it inherits from {parent_name}")
        schemes = dict(parent.schemes) if parent else {}
        schemes.update({str(k): str(v) for k, v in c.get("schemes", {}).items()})
        slug = c.get("slug", parent.slug if parent else None)
        if slug is None:
            raise ValueError(f"registry: class {name} has no slug")
        required = tuple(dict.fromkeys((*(parent.required if parent else ()), *c.get("required", ()))))
        out[name] = ClassDef(
            name=name,
            slug=str(slug),
            label=str(c["label"]),
            description=str(c["description"]),
            parent=parent_name,
            aligned=tuple(c.get("aligned", ())),
            properties=(*inherited, *own),
            required=required,
            color=str(c.get("color", parent.color if parent else "#cccccc")),
            schemes=schemes,
            own_properties=own,
        )
        return out[name]

    for name in raw:
        resolve(name, ())
    return {name: out[name] for name in raw}  # the registry's order


def _is_a(classes: dict[str, ClassDef], cls: str, ancestor: str) -> bool:
    current: str | None = cls
    while current is not None:
        if current == ancestor:
            return True
        current = classes[current].parent if current in classes else None
    return False


def _relations(raw: dict[str, dict[str, Any]], classes: dict[str, ClassDef]) -> dict[str, RelationDef]:
    out: dict[str, RelationDef] = {}
    for name, r in raw.items():
        range_ = tuple(r["range"])
        domain_raw = r["domain"]
        if domain_raw == ANY_CLASS:
            domain = tuple(c for c in classes if not any(_is_a(classes, c, r) for r in range_))
        elif isinstance(domain_raw, list):
            domain = tuple(domain_raw)
        else:
            raise ValueError(f"registry: relation {name}: domain must be a list of classes or {ANY_CLASS!r}")
        org = r.get("org")
        if org is not None and org not in ORG_KINDS:
            raise ValueError(f"registry: relation {name}: org must be one of {', '.join(ORG_KINDS)}, not {org!r}")
        out[name] = RelationDef(
            name=name,
            iri=str(r["iri"]),
            domain=domain,
            range=range_,
            props=tuple(r.get("props", ())),
            forward=str(r["forward"]),
            inverse=str(r["inverse"]),
            description=str(r["description"]),
            aligned=tuple(r.get("aligned", ())),
            org=org,
        )
    return out


def _read_toml(directory: Path | Traversable, name: str) -> dict[str, Any] | None:
    f = directory / name
    if not f.is_file():
        return None
    try:
        return tomllib.loads(f.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{f}: {exc}") from None


def _load(directory: Path | Traversable) -> Ontology:
    reg = _read_toml(directory, "registry.toml")
    if reg is None:
        raise ValueError(f"{directory}: no registry.toml")
    meta = reg["meta"]

    def props(table: dict[str, dict[str, object]]) -> dict[str, PropertyDef]:
        return {
            name: PropertyDef(
                name=name,
                iri=str(p["iri"]),
                datatype=str(p["datatype"]),
                description=str(p["description"]),
                many=bool(p.get("many", False)),
            )
            for name, p in table.items()
        }

    classes = _classes(reg["classes"])
    relations = _relations(reg["relations"], classes)
    schemes: dict[str, Scheme] = {}
    raw = _read_toml(directory, "concepts.toml")
    if raw is not None:
        for skey, s in raw.get("schemes", {}).items():
            concepts = {
                ckey: Concept(
                    scheme=skey,
                    key=ckey,
                    label=str(c["label"]),
                    definition=str(c.get("definition", "")),
                    broader=c.get("broader"),
                    match=tuple(str(m).lower() for m in c.get("match", ())),
                )
                for ckey, c in s.get("concepts", {}).items()
            }
            schemes[skey] = Scheme(skey, str(s["label"]), str(s.get("definition", "")), concepts)
    onto = Ontology(
        version=str(meta["version"]),
        title=str(meta["title"]),
        description=str(meta["description"]),
        base=str(meta["base"]),
        namespace=str(meta["namespace"]),
        prefixes=dict(reg["prefixes"]),
        properties=props(reg["properties"]),
        relation_props=props(reg.get("relation_props", {})),
        classes=classes,
        relations=relations,
        schemes=schemes,
    )
    _check(onto)
    return onto


def _check(onto: Ontology) -> None:
    """Fail fast on a registry that refers to undefined names."""
    for c in onto.classes.values():
        for p in c.properties:
            if p not in onto.properties:
                raise ValueError(f"registry: class {c.name} lists unknown property {p!r}")
        for p in c.required:
            if p not in c.properties:
                raise ValueError(f"registry: class {c.name} requires {p!r}, which is not one of its properties")
        for p, scheme in c.schemes.items():
            if p not in c.properties:
                raise ValueError(f"registry: class {c.name} gives a scheme to {p!r}, not one of its properties")
            if onto.schemes and scheme not in onto.schemes:
                raise ValueError(f"registry: class {c.name}: {p} refers to unknown concept scheme {scheme!r}")
    for r in onto.relations.values():
        for cls in (*r.domain, *r.range):
            if cls not in onto.classes:
                raise ValueError(f"registry: relation {r.name} refers to unknown class {cls!r}")
        for p in r.props:
            if p not in onto.relation_props:
                raise ValueError(f"registry: relation {r.name} lists unknown property {p!r}")
        if r.org == "post" and "title" not in r.props:
            raise ValueError(f"registry: relation {r.name} is an org post but has no 'title' property")


@cache
def ontology() -> Ontology:
    """The project's ontology registry (loaded once per process)."""
    return _load(ontology_dir())


def load_ontology(directory: Path | Traversable) -> Ontology:
    """Load a registry from another directory (tests)."""
    return _load(directory)
