"""One article being extracted: its text and sentences, the mentions found so far, and the facts under
construction (entities with evidence, relations). Every pipeline component reads and adds to it."""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field

from kb.model import Entity, Evidence, Facts, Props, Relation
from loaders.articles.events import EVENT_TYPES, tidy_event_name
from loaders.articles.lexicon import norm as lx_norm
from loaders.articles.lexicon import ranks
from loaders.articles.mentions import Mention
from loaders.articles.quotes import QuoteSpan
from loaders.articles.text import Sentence, Span

MAX_EVIDENCE = 8  # mentions kept as evidence per entity and source


@dataclass(slots=True)
class Ent:
    """An entity being built: its id, type, names, props and mentions."""

    id: str
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)
    props: Props = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


@dataclass(slots=True)
class CaseEvent:
    """An allegation, proceeding or outcome of a case: its entity, the sentence it was read in, whom it
    is about (officer ids), and for proceedings their kind ("hearing", "trial", "investigation",
    "inspection", "operation") and the body that held them; for allegations and outcomes the category."""

    id: str
    type: str
    sent: int
    subjects: tuple[str, ...] = ()
    kind: str = ""
    body: str | None = None
    category: str | None = None
    dated: bool = False  # its date was written in its own sentence (not the article's date)


def source_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class ArticleDoc:
    """The shared state of one extraction (as a spaCy ``Doc`` is for its pipeline components)."""

    def __init__(self, text: str, source: Entity) -> None:
        self.text = text
        self.source = source
        self.sid = source.id
        self.skey = str(source.props.get("sha256", ""))[:16] or source_key(text)
        pub = source.props.get("published")
        self.published = pub if isinstance(pub, str) else None
        self.paras: list[Span] = []
        self.sents: list[Sentence] = []
        self._starts: list[int] = []
        self.ents: dict[str, Ent] = {}
        self.rels: dict[tuple[str, str, str, str], Relation] = {}
        # what the components leave for the ones after them
        self.mentions: list[Mention] = []
        self.mention_ids: list[tuple[Mention, str]] = []
        self._by_sent: dict[int, list[tuple[Mention, str]]] | None = None
        self.primary_force: str | None = None
        self._forces: set[str] | None = None
        self.quote_spans: list[QuoteSpan] = []
        self.incidents: list[tuple[str, int]] = []  # (incident id, sentence)
        self.central: str | None = None  # the article's main incident
        self.case_events: list[CaseEvent] = []

    def set_sentences(self, paras: list[Span], sents: list[Sentence]) -> None:
        self.paras = paras
        self.sents = sents
        self._starts = [s.start for s in sents]

    # -- positions ---------------------------------------------------------------------------
    def evidence(self, start: int, end: int, confidence: float, sent: int | None = None) -> Evidence:
        s = self.sents[sent] if sent is not None and 0 <= sent < len(self.sents) else self.sentence_at(start)
        quote = s.text if s is not None else self.text[start:end]
        return Evidence(
            self.sid, quote=quote[:1000], start=start, end=end, method="rule", confidence=round(confidence, 2)
        )

    def sentence_at(self, pos: int) -> Sentence | None:
        k = bisect.bisect_right(self._starts, pos) - 1
        if 0 <= k < len(self.sents) and pos <= self.sents[k].end:
            return self.sents[k]
        return None

    def sent_index(self, pos: int) -> int:
        k = bisect.bisect_right(self._starts, pos) - 1
        return min(max(k, 0), max(0, len(self.sents) - 1))

    # -- facts -------------------------------------------------------------------------------
    def entity(self, eid: str, typ: str, name: str, ev_: Evidence | None = None) -> Ent:
        e = self.ents.get(eid)
        if e is None:
            e = Ent(eid, typ, tidy_event_name(name) if typ in EVENT_TYPES else name)
            self.ents[eid] = e
        elif typ == "Officer" and e.type == "Person":
            e.type = "Officer"
        if ev_ is not None and len(e.evidence) < MAX_EVIDENCE and ev_ not in e.evidence:
            e.evidence.append(ev_)
        return e

    def relate(self, typ: str, src: str, dst: str, ev_: Evidence, **props: str) -> None:
        if src == dst or src not in self.ents or dst not in self.ents:
            return
        clean = {k: v for k, v in props.items() if v}
        key = (typ, src, dst, str(clean.get("title") or clean.get("role") or "").lower())
        r = self.rels.get(key)
        if r is None:
            self.rels[key] = Relation(typ, src, dst, dict(clean), [ev_])
        elif len(r.evidence) < 4 and ev_ not in r.evidence:
            r.evidence.append(ev_)

    def has_relation(self, typ: str, src: str, dst: str | None = None) -> bool:
        return any(r.type == typ and r.source == src and (dst is None or r.target == dst) for r in self.rels.values())

    # -- lookups -----------------------------------------------------------------------------
    def ids_in_sentence(self, i: int, types: set[str] | None = None) -> list[tuple[Mention, str]]:
        if self._by_sent is None:
            self._by_sent = {}
            for m, eid in self.mention_ids:
                self._by_sent.setdefault(m.sent, []).append((m, eid))
        got = self._by_sent.get(i, [])
        return got if types is None else [(m, eid) for m, eid in got if self.ents[eid].type in types]

    def add_mention_id(self, m: Mention, eid: str) -> None:
        self.mention_ids.append((m, eid))
        self._by_sent = None

    def forces_named(self) -> set[str]:
        """The reference forces the article names (worked out once)."""
        if self._forces is None:
            self._forces = {m.ref_id for m in self.mentions if m.type == "PoliceForce" and m.ref_id}
        return self._forces

    def force_near(self, i: int) -> str | None:
        for m, eid in self.ids_in_sentence(i):
            if m.type == "PoliceForce":
                return eid
        return None

    def nearest(self, items: list[tuple[str, int]], i: int, window: int) -> str | None:
        best = [(abs(j - i), j > i, eid) for eid, j in items if abs(j - i) <= window]
        return min(best)[2] if best else None

    def senior(self, eid: str) -> bool:
        """Chief officers speak for a force; they are rarely the officer a case is about."""
        info = ranks().get(lx_norm(str(self.ents[eid].props.get("rankNormalised", ""))))
        return bool(info and info.order >= 5)

    # -- output ------------------------------------------------------------------------------
    def facts(self) -> Facts:
        ents = [
            Entity(
                e.id,
                e.type,
                e.name,
                [a for a in dict.fromkeys(e.aliases) if a != e.name],
                dict(e.props),
                list(e.evidence),
            )
            for e in self.ents.values()
            if e.evidence
        ]
        keep = {e.id for e in ents}
        rels = [r for r in self.rels.values() if r.source in keep and r.target in keep]
        return Facts(source=self.source, entities=ents, relations=rels)
