"""Cases: the allegations, proceedings (investigations, hearings, trials, reviews, inspections) and
outcomes an article reports, each with who it is about and its date.

Read sentence by sentence, keeping track of whom the case is about: the officers a sentence names,
or, when it says "he", "the officer" or "the former constable", the officers named before. Outcome
and allegation categories come from the shared concept matcher (loaders/concepts); the patterns
that name proceedings and find the subject are data (data/cases.toml). The chains between these
events are made by the next component (loaders/articles/chains.py) from the ``CaseEvent`` records
left on the doc.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from kb.identity import hashed_id
from kb.ontology import ontology
from loaders.articles import events as ev
from loaders.articles import lexicon as lx
from loaders.articles.dates import find_dates
from loaders.articles.doc import MAX_EVIDENCE, ArticleDoc, CaseEvent, Ent
from loaders.articles.incidents import find_incidents
from loaders.articles.registry import component
from loaders.articles.text import Sentence
from loaders.concepts import ConceptHit, classify


@dataclass(frozen=True, slots=True)
class _Patterns:
    hearing: re.Pattern[str]
    court: re.Pattern[str]
    trial: re.Pattern[str]
    inquiry: re.Pattern[str]
    investigated_by: re.Pattern[str]
    body_investigates: re.Pattern[str]
    anaphora: re.Pattern[str]
    plural: re.Pattern[str]
    unnamed: re.Pattern[str]
    cue: re.Pattern[str]
    context: re.Pattern[str]
    stop: re.Pattern[str]
    max_words: int
    chaired_by: re.Pattern[str]
    who_chaired: re.Pattern[str]
    counts: tuple[str, ...]
    hedge: re.Pattern[str]
    decided: re.Pattern[str]
    happened: re.Pattern[str]
    out_complement: re.Pattern[str]
    out_stop: re.Pattern[str]
    out_condition: re.Pattern[str]
    out_max_words: int
    not_outcome: dict[str, re.Pattern[str]]
    kinds: dict[str, str]  # outcome category -> "criminal" | "investigative" | "inspection" | "personal"
    personal: frozenset[str]
    own_family: frozenset[str]
    reversal: dict[str, tuple[str, ...]]


@cache
def patterns() -> _Patterns:
    """The case patterns of data/cases.toml, compiled once per process."""
    raw = resources.files("loaders.articles").joinpath("data", "cases.toml").read_text(encoding="utf-8")
    d: dict[str, Any] = tomllib.loads(raw)
    p, s, a, o = d["proceedings"], d["subjects"], d["allegations"], d["outcomes"]

    def rx(text: str, flags: int = re.I) -> re.Pattern[str]:
        return re.compile(text, flags)

    kinds: dict[str, str] = {}
    for kind in ("criminal", "investigative", "inspection"):
        for c in o[kind]:
            kinds[c] = kind
    return _Patterns(
        hearing=rx(p["hearing"]),
        court=rx(p["court"], 0),
        trial=rx(p["trial"]),
        inquiry=rx(p["inquiry"]),
        investigated_by=rx(p["investigated_by"]),
        body_investigates=rx(p["body_investigates"]),
        anaphora=rx(s["anaphora"]),
        plural=rx(s["plural"]),
        chaired_by=rx(p["chaired_by"] + "\\Z"),
        who_chaired=rx(p["who_chaired"]),
        counts=tuple(p["counts"]),
        unnamed=rx(s["unnamed"]),
        cue=rx(a["cue"]),
        context=rx(a["context"]),
        stop=rx(a["stop"]),
        max_words=int(a["max_words"]),
        hedge=rx(o["hedge"]),
        decided=rx(o["decided"]),
        happened=rx(o["happened"]),
        out_complement=rx(d["outcome_names"]["complement"]),
        out_stop=rx(d["outcome_names"]["stop"]),
        out_condition=rx(d["outcome_names"]["condition"]),
        out_max_words=int(d["outcome_names"]["max_words"]),
        not_outcome={k: re.compile(v) for k, v in d["outcome_names"]["not_outcome"].items()},
        kinds=kinds,
        personal=frozenset(o["personal"]),
        own_family=frozenset(o["own_family"]),
        reversal={k: tuple(v) for k, v in o["reversal"].items()},
    )


# How a proceeding's kind is described on its entity (its `description`).
PROCEEDINGS = {
    "hearing": "misconduct hearing",
    "trial": "criminal proceedings",
    "investigation": "investigation",
    "inspection": "inspection, review or report",
    "operation": "police operation",
}
_POSSESSOR = re.compile(r"(?:the\s+)?(?:\w+['’]s\s+)?")  # "by the force's Professional Standards ..."
_COORDINATED = re.compile(r"[\"“]?(?:[a-z][a-z\-]+,\s+)+(?:[a-z][a-z\-]+\s+)?(?:and|or)\s+\Z")
_PASSIVE_END = re.compile(r"\b(?:was|were|has\s+been|have\s+been|had\s+been|is\s+being)\s+(?:\w+ly\s+)?$", re.I)
_NEGATED = re.compile(r"\b(?:not|no|never|without|nor)\s+(?:\w+\s+){0,3}$", re.I)
_COUNT_AFTER = re.compile(r"\s+(?:a\s+total\s+of\s+)?\d[\d,]*\s")
_COUNT_BEFORE = re.compile(r"\b\d[\d,]*\s+(?:\w+\s+){0,3}(?:were|was|have\s+been|had\s+been)\s+(?:\w+\s+)?$", re.I)
_LEADING_SUBJECT = re.compile(
    r"^(?:(?:the|a|an|his|her|their)\s+)?(?:(?:former|serving)\s+)?(?:officer|officers|constable|pc|he|she|they)\s+"
    r"(?=\w+(?:ing|ed)\b)",
    re.I,
)
# "in 2012 the officer exchanged ...": when it happened is the allegation's date, not its name
_LEADING_WHEN = re.compile(r"^(?:in|on|during|between|from)\s+(?:[\w,]+\s+){0,4}?(?:19|20)\d\d,?\s+", re.I)
_FUNCTION_END = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "from",
        "by",
        "with",
        "as",
        "at",
        "and",
        "or",
        "but",
        "that",
        "which",
        "who",
        "after",
        "before",
        "into",
        "his",
        "her",
        "their",
        "its",
    ]
)
# outcomes that are generic words unless the sentence names the case they close
_WEAK_OUTCOMES = frozenset({"ongoing", "referral", "training", "reflective-practice", "disciplinary-action", "upheld"})


@cache
def _family(key: str) -> str:
    """An outcome concept's broadest concept ("dismissed-without-notice" -> "dismissal")."""
    seen = {key}
    c = ontology().concept("outcome-category", key)
    while c is not None and c.broader and c.broader not in seen:
        key = c.broader
        seen.add(key)
        c = ontology().concept("outcome-category", key)
    return key


@component("events")
def cases(doc: ArticleDoc) -> None:
    """Incidents, allegations, proceedings and outcomes, each with its subject and date."""
    find_incidents(doc)
    doc.central = next((iid for iid, j in doc.incidents if j <= 3), None)
    _Reader(doc).read()


class _Reader:
    """Reads the sentences in order, remembering whom the case is about."""

    def __init__(self, doc: ArticleDoc) -> None:
        self.doc = doc
        self.p = patterns()
        self.names = sorted((m.start, m.end) for m, _ in doc.mention_ids)
        self.short_quotes = [(q.start, q.end) for q in doc.quote_spans if len(q.text.split()) <= 4]
        self.current: tuple[str, ...] = ()
        self.by_key: dict[tuple[str, ...], CaseEvent] = {}
        self.body_short: dict[str, str] = {}
        self.alleged_spans: list[tuple[int, int]] = []

    # -- subjects ---------------------------------------------------------------------------
    def officers_in(self, i: int) -> tuple[str, ...]:
        """Officers a case sentence can be about: named there and not chief officers speaking for the force."""
        doc = self.doc
        out = [eid for _, eid in doc.ids_in_sentence(i, {"Officer"}) if not doc.senior(eid)]
        return tuple(dict.fromkeys(out))

    def subjects(self, i: int, s: Sentence, case_words: bool) -> tuple[str, ...]:
        named = self.officers_in(i)
        if named:
            if case_words or not self.current:
                self.current = named
            return named
        if self.p.anaphora.search(s.text) and self.current:
            return self.current
        return ()

    def chair(self, i: int, s: Sentence) -> str | None:
        """Who chaired or led the hearing the sentence reports ("... chaired by Chief Constable Ruth Evans")."""
        for m, pid in self.doc.ids_in_sentence(i, {"Person", "Officer"}):
            if self.p.chaired_by.search(self.doc.text, s.start, m.start) or self.p.who_chaired.match(
                self.doc.text, m.end, s.end
            ):
                return self.display((pid,))
        return None

    def display(self, subjects: tuple[str, ...]) -> str:
        """How a proceeding names whom it was about: "PC Ruth Evans", "PC K and Sgt Ravi Shah"; more
        than two officers by their number ("five officers")."""
        if len(subjects) > 2:
            counts = self.p.counts
            n = len(subjects)
            return f"{counts[n] if n < len(counts) else n} officers"
        names = []
        for eid in subjects:
            e = self.doc.ents[eid]
            rank = e.props.get("rank")
            anon = e.props.get("anonymised")
            names.append(e.name if anon or not rank else f"{rank} {e.name}")
        if len(names) <= 2:
            return " and ".join(names)
        return f"{', '.join(names[:-1])} and {names[-1]}"

    # -- records ----------------------------------------------------------------------------
    def record(self, key: tuple[str, ...], typ: str, name: str, i: int, start: int, end: int, **kw: Any) -> CaseEvent:
        """The event for ``key`` (created the first time), with this mention as evidence."""
        doc = self.doc
        evd = doc.evidence(start, end, kw.pop("confidence", 0.7), i)
        got = self.by_key.get(key)
        if got is not None:
            e = doc.ents[got.id]
            if typ == "Allegation" and len(e.name.split()) <= 2 < len(name.split()):
                e.aliases.append(e.name)  # "criminal offences" ... "making indecent images": say what was done
                e.name = name
            elif name != e.name and name not in e.aliases and len(e.aliases) < MAX_EVIDENCE:
                e.aliases.append(name)
            if len(e.evidence) < MAX_EVIDENCE and evd not in e.evidence:
                e.evidence.append(evd)
            for sub in kw.get("subjects", ()):
                if sub not in got.subjects:
                    got.subjects = (*got.subjects, sub)
            return got
        eid = hashed_id(typ, doc.skey, *key)
        e = doc.entity(eid, typ, name, evd)
        found = find_dates(doc.sents[i].text, doc.published)
        date = (found[0].value, found[0].precision) if found else (doc.published[:10], "day") if doc.published else None
        if date:
            e.props["date"], e.props["datePrecision"] = date
        if typ == "Investigation" and kw.get("kind"):
            e.props.setdefault("description", PROCEEDINGS[kw["kind"]])
        ce = CaseEvent(
            eid, typ, i, tuple(kw.get("subjects", ())), kw.get("kind", ""), kw.get("body"), kw.get("category")
        )
        self.by_key[key] = ce
        doc.case_events.append(ce)
        return ce

    # -- reading ----------------------------------------------------------------------------
    def read(self) -> None:
        doc = self.doc
        found: list[
            tuple[int, Sentence, list[tuple[ConceptHit, str]], list[tuple[ConceptHit, str]], list[re.Match[str]]]
        ] = []
        subjects: list[tuple[str, ...]] = []
        head = self.headline_index()
        for i, s in enumerate(doc.sents):
            self.alleged_spans = []
            alls = self.allegation_hits(i, s)
            # an outcome word inside what was alleged ("failing to declare cautions") is no outcome
            outs = [(h, n) for h, n in self.outcome_hits(i, s) if not self.in_failure_to(h)]
            hearing = list(self.p.hearing.finditer(s.text))
            if i == head:
                outs, alls, hearing = [], [], []  # the headline says again what the story tells
            case_words = bool(outs or alls or hearing)
            subjects.append(self.subjects(i, s, case_words))
            if case_words or self.may_name_proceedings(s):
                found.append((i, s, outs, alls, hearing))
        self.groups(subjects, [f[0] for f in found])
        self.fill(subjects, [f[0] for f in found])
        for i, s, outs, alls, hearing in found:
            subs = subjects[i]
            for m in hearing:
                self.hearing(i, s, m, subs)
            self.proceedings(i, s, subs, outs)
            for h, name in alls:
                self.allegation(i, h, name, subs)
            for h, name in outs:
                self.outcome(i, h, name, subs)
        self.operations()
        self.one_hearing()

    def one_hearing(self) -> None:
        """A hearing reported without its officers ("the misconduct hearing") is the article's one hearing
        that names them, when there is one: a single event, named for them (and its chair)."""
        doc = self.doc
        hearings = [c for c in doc.case_events if c.type == "Investigation" and c.kind == "hearing"]
        named = [c for c in hearings if c.subjects]
        if len(named) != 1:
            return
        keep = doc.ents[named[0].id]
        if " chaired by " not in keep.name:
            # "Ruth Evans, who chaired today's hearing, said": the chair of the article's one hearing
            chair_name = next(
                (ch for i, s in enumerate(doc.sents) if "hearing" in s.text and (ch := self.chair(i, s))), None
            )
            if chair_name:
                keep.name = f"{keep.name} chaired by {chair_name}"
        for c in hearings:
            if c.subjects:
                continue
            drop = doc.ents.pop(c.id)
            doc.case_events.remove(c)
            self.by_key = {k: v for k, v in self.by_key.items() if v is not c}
            keep.evidence.extend(x for x in drop.evidence[: max(0, MAX_EVIDENCE - len(keep.evidence))])
            said = re.search(r"\schaired by .+$", drop.name)
            if said and " chaired by " not in keep.name:
                keep.name += said.group(0)

    def headline_index(self) -> int:
        """The sentence that is the article's headline: the first line, or the first line of four or more
        words after page furniture ("Share this", a widget's word), when it reads as a title; -1 if none."""
        for i, s in enumerate(self.doc.sents[:4]):
            words = s.text.split()
            if len(words) >= 3:
                if self.headline(s):
                    return i
                if len(words) >= 4 and s.text.rstrip().endswith((".", "!", "?")):
                    return -1  # a sentence of the story: no headline before it
        return -1

    def headline(self, s: Sentence) -> bool:
        """The article's first line when it is its title (short, no closing full stop, more text after)."""
        title = str(self.doc.source.props.get("title") or "")
        text = s.text.strip()
        short = len(text.split()) <= 25 and not text.endswith((".", "!", "?", ":", '"', "”"))
        return len(self.doc.sents) > 3 and short and (not title or text.lower() == title.lower() or short)

    def in_failure_to(self, h: ConceptHit) -> bool:
        text = self.doc.text
        return any(
            a < h.start < b and re.match(r"(?:failing|failed|failure)\s+to\b|not\s+\w+ing\b", text[a:b], re.I)
            for a, b in self.alleged_spans
        )

    def may_name_proceedings(self, s: Sentence) -> bool:
        low = s.text.lower()
        return any(
            w in low
            for w in (
                "investig",
                "inquir",
                "review",
                "inspect",
                "report",
                "audit",
                "probe",
                "trial",
                "court",
                "prosecut",
            )
        )

    def groups(self, subjects: list[tuple[str, ...]], case_sents: list[int]) -> None:
        """ "Two officers have been dismissed", "both men": a case sentence naming no officer but speaking of
        a group is about every officer the article's cases name (when it names more than one)."""
        everyone = tuple(dict.fromkeys(x for i in range(len(subjects)) for x in self.officers_in(i) if subjects[i]))
        if len(everyone) < 2:
            return
        for i in case_sents:
            if not self.officers_in(i) and self.p.plural.search(self.doc.sents[i].text):
                subjects[i] = everyone

    def fill(self, subjects: list[tuple[str, ...]], case_sents: list[int]) -> None:
        """A case sentence naming no one is about the officers of the nearest case sentence that does
        ("A police officer has been dismissed ... The former officer, known as PC K, ...")."""
        known = [i for i, sub in enumerate(subjects) if sub]
        if not known:
            return
        groups = {subjects[i] for i in known}
        for i in case_sents:
            if subjects[i]:
                continue
            j = min(known, key=lambda k: (abs(k - i), k > i))
            if abs(j - i) <= 6 or len(groups) == 1:
                subjects[i] = subjects[j]

    # outcomes ------------------------------------------------------------------------------
    def outcome_hits(self, i: int, s: Sentence) -> list[tuple[ConceptHit, str]]:
        doc = self.doc
        hits = ev.concept_hits("outcome-category", s, self.names)
        if not hits:
            return []
        if ev.is_list_item(doc.sents, i):
            intro = ev.intro_line(doc.sents, i)
            if intro is None or ev.INTRO_HEDGE.search(intro.text):
                return []
        out: list[tuple[ConceptHit, str]] = []
        for h in hits:
            rel_a, rel_b = h.start - s.start, h.end - s.start
            before, after = s.text[:rel_a], s.text[rel_b:]
            if (
                ev.too_general(h.phrase)
                and h.key not in {"ongoing", "civil-injunction", "referral"}
                and not self.said_of_subject(i, s, before)
            ):
                continue
            if any(a <= h.start < b for a, b in self.short_quotes):
                continue  # a word in scare quotes is not an outcome
            if h.key not in {"no-further-action", "no-case-to-answer"} and _NEGATED.search(before):
                continue  # "does not mean misconduct proceedings will follow"
            rest = s.text[:rel_a] + " " + s.text[rel_b:]
            if (
                self.p.hedge.search(rest)
                and not re.search(r"\bwould have been\b", s.text, re.I)
                and not self.p.decided.search(before)
            ):
                continue
            if not self.p.happened.search(s.text) and h.key not in {"barred-list", "civil-injunction"}:
                continue
            if h.key == "referral" and re.search(r"\breferr\w*\s+to\b", s.text, re.I):
                continue  # a referral to a named body is a REFERRED_TO relation, not an outcome
            cm = _COUNT_BEFORE.search(before)
            if cm and any(a <= s.start + cm.start() < b for a, b in self.names):
                cm = None  # "Officer 002 was dismissed": the digits are a name's, not a count
            if _COUNT_AFTER.match(after) or cm:
                continue  # "dismissed 9 officers last year", "30 officers were sacked": figures, not this case
            if h.key in _WEAK_OUTCOMES and not re.search(
                r"\b(investigat\w*|inquir\w*|review\w*|case|hearing|panel|officer|he|she|they)\b", s.text, re.I
            ):
                continue
            rule = self.p.not_outcome.get(h.phrase.lower())
            if rule is not None and (rule.search(before) or rule.search(after)):
                continue  # "a suspended sentence", "ongoing contact", "retired Sgt Ruth Evans"
            out.append((h, self.outcome_name(s.text, rel_a, rel_b)))
        return self.one_per_family(out, s)

    def said_of_subject(self, i: int, s: Sentence, before: str) -> bool:
        """ "PC K was sentenced", "he was charged": a general word said of a case's officer is an outcome."""
        if not _PASSIVE_END.search(before):
            return False
        return bool(self.officers_in(i)) or bool(self.p.anaphora.search(before))

    def outcome_name(self, text: str, a: int, b: int) -> str:
        """The concept words and the words that complete them, to the end of the clause."""
        p = self.p
        tail = ""
        cond = p.out_condition.match(text, b)
        if cond:
            return text[a : cond.end()]
        if p.out_complement.match(text, b) or text[a:b].lower().endswith((" to", " that", " not")):
            stop = p.out_stop.search(text, b + 1)
            end = stop.start() if stop else len(text)
            words = text[b:end].split()[: p.out_max_words]
            while words and words[-1].lower() in _FUNCTION_END:
                words.pop()
            tail = " ".join(words)
        return f"{text[a:b]} {tail}".strip()

    def one_per_family(self, hits: list[tuple[ConceptHit, str]], s: Sentence) -> list[tuple[ConceptHit, str]]:
        """One outcome for one decision: "dismissed ... dismissed without notice" in a sentence is one
        dismissal (its narrower concept kept); "allegations of gross misconduct were proven" is gross
        misconduct proven, not misconduct proven."""
        out: list[tuple[ConceptHit, str]] = []
        gross = "gross misconduct" in s.text.lower()
        for h, name in hits:
            if h.key == "misconduct-found" and gross:
                h = ConceptHit(h.scheme, "gross-misconduct-found", h.label, h.phrase, h.start, h.end)
            out.append((h, name))
        return out

    def outcome(self, i: int, h: ConceptHit, name: str, subs: tuple[str, ...]) -> None:
        # one decision, however it is worded: "dismissed" and later "dismissed without notice"
        fam = h.key if h.key in self.p.own_family else _family(h.key)
        key = (fam, *sorted(subs))
        ce = self.record(key, "Outcome", name, i, h.start, h.end, subjects=subs, category=h.key)
        e = self.doc.ents[ce.id]
        if e.props.get("category") == fam and h.key != fam:
            e.props["category"], e.props["categoryLabel"] = h.key, h.phrase  # the narrower concept
            ce.category = h.key
            if name in e.aliases:
                e.aliases[e.aliases.index(name)] = e.name
                e.name = name
        e.props.setdefault("category", h.key)
        e.props.setdefault("categoryLabel", h.phrase)

    # allegations -----------------------------------------------------------------------------
    def allegation_hits(self, i: int, s: Sentence) -> list[tuple[ConceptHit, str]]:
        doc = self.doc
        hits = ev.concept_hits("allegation-category", s, self.names)
        if not hits:
            return []
        if ev.is_list_item(doc.sents, i):
            intro = ev.intro_line(doc.sents, i)
            if intro is None or not ev.LIST_CUE.search(intro.text) or ev.INTRO_HEDGE.search(intro.text):
                return []
            name = ev.BULLET.sub("", s.text).strip().rstrip(".;,")
            name = re.split(r"[;:]|,\s+(?:including|such\s+as|which|who)\b", name)[0]
            return [(hits[0], name[:1].lower() + name[1:])]
        if not self.p.context.search(ev.PROCESS_WORDS.sub(" ", s.text)):
            return []
        if re.search(r"\b(can|(?-i:may)|might|could)\s+(take|include|range|involve)\b", s.text, re.I):
            return []  # general talk about kinds of misconduct
        out: list[tuple[ConceptHit, str]] = []
        taken: list[tuple[int, int]] = []
        for h in hits:
            if ev.too_general(h.phrase):
                continue
            if ev.CONTEXT_AFTER.match(s.text[h.end - s.start :]):
                continue  # "a domestic abuse call": the job attended, not an allegation
            if any(a <= h.start < b for a, b in taken):
                continue  # inside the phrase of an allegation already read ("sexist and racist comments")
            name, a, b = self.allegation_phrase(s, h)
            taken.append((a, b))
            self.alleged_spans.append((a, b))
            out.append((h, name))
        return out

    def allegation_phrase(self, s: Sentence, h: ConceptHit) -> tuple[str, int, int]:
        """What was alleged, as a short head phrase around the concept words: from the cue before them
        ("accused of", "found to have", "for") to the end of the clause."""
        rel_a, rel_b = h.start - s.start, h.end - s.start
        start = rel_a
        for m in self.p.cue.finditer(s.text, max(0, rel_a - 90), rel_a + 1):
            # the cue nearest the concept words, with no clause break between
            if m.end() <= rel_a and not re.search(r"[;:.!?\"“”]|,\s", s.text[m.end() : rel_a]):
                start = m.end()
        if start == rel_a:
            # "cruel, shocking and offensive comments": the words coordinated with the concept's
            coord = _COORDINATED.search(s.text, max(0, rel_a - 80), rel_a)
            if coord:
                start = coord.start()
        stop = self.p.stop.search(s.text, rel_b)
        end = stop.start() if stop else len(s.text)
        words = s.text[start:end].split()
        if len(words) > self.p.max_words:
            keep = max(self.p.max_words, len(s.text[start:rel_b].split()))
            words = words[:keep]
        while len(words) > 1 and words[-1].lower().strip(",;") in _FUNCTION_END:
            words.pop()
        phrase = _LEADING_WHEN.sub("", " ".join(words))
        phrase = _LEADING_SUBJECT.sub("", phrase)
        phrase = re.sub(r"[\"“”]", "", phrase).strip(" ,;'‘’")
        if len(phrase) < len(h.phrase):
            phrase = h.phrase
        return phrase, s.start + start, s.start + end

    def allegation(self, i: int, h: ConceptHit, name: str, subs: tuple[str, ...]) -> None:
        # the phrase's category as the shared matcher reads any short text (a table's category cell too)
        key = classify("allegation-category", name) or h.key
        # one allegation per category, unless officers with nothing in common are said to have done it
        rkey: tuple[str, ...] = (key,)
        got = self.by_key.get(rkey)
        if got is not None and got.subjects and subs and not set(subs) & set(got.subjects):
            rkey = (key, *sorted(subs))
        ce = self.record(rkey, "Allegation", name, i, h.start, h.end, subjects=subs, category=key)
        e = self.doc.ents[ce.id]
        e.props.setdefault("category", key)
        e.props.setdefault("categoryLabel", h.phrase if key == h.key else name)

    # proceedings -----------------------------------------------------------------------------
    def hearing(self, i: int, s: Sentence, m: re.Match[str], subs: tuple[str, ...]) -> None:
        kind = " ".join(m.group("kind").lower().split())
        kind = re.sub(r"s$", "", kind) if kind.endswith(("hearings", "panels", "meetings")) else kind
        name = f"{kind} into {self.display(subs)}" if subs else kind
        chair = self.chair(i, s)
        if chair:
            name = f"{name} chaired by {chair}"
        name = re.sub(
            r"^(?:misconduct|disciplinary|conduct) proceedings into",
            lambda x: x.group(0).replace("into", "against"),
            name,
        )
        key = ("hearing", *sorted(subs)) if subs else ("hearing", kind)
        got = self.by_key.get(key)
        if got is not None and "hearing" in kind and "hearing" not in self.doc.ents[got.id].name:
            e = self.doc.ents[got.id]  # "a misconduct panel ... the hearing": named for the hearing
            e.aliases.append(e.name)
            e.name = name
        self.record(
            key,
            "Investigation",
            name,
            i,
            s.start + m.start("kind"),
            s.start + m.end("kind"),
            subjects=subs,
            kind="hearing",
        )

    def proceedings(self, i: int, s: Sentence, subs: tuple[str, ...], outs: list[tuple[ConceptHit, str]]) -> None:
        """Trials, investigations, reviews, inquiries and inspections named in the sentence."""
        doc, p = self.doc, self.p
        low = s.text.lower()
        court = p.court.search(s.text)
        trial = p.trial.search(s.text)
        criminal = [h for h, _ in outs if p.kinds.get(h.key) == "criminal"]
        alleged = bool(ev.concept_hits("allegation-category", s, self.names)) if trial and not court else False
        if court or criminal or (trial and alleged and self.officers_in(i)):
            who = self.display(subs) if subs else ""
            if court:
                name = f"{court.group('court')} case against {who}" if who else f"{court.group('court')} case"
                a, b = court.span()
            elif trial:
                kind = trial.group("kind").lower()
                name = f"{kind} of {who}" if who and kind in {"trial", "retrial", "prosecution"} else kind
                name = f"{kind} against {who}" if who and not name.endswith(who) else name
                a, b = trial.span()
            else:
                name = f"criminal case against {who}" if who else "criminal case"
                a, b = criminal[0].start - s.start, criminal[0].end - s.start
            if subs or court:
                key = ("trial", *sorted(subs)) if subs else ("trial", lx.norm(name))
                self.record(key, "Investigation", name, i, s.start + a, s.start + b, subjects=subs, kind="trial")
        if not any(w in low for w in ("investig", "inquir", "review", "inspect", "report", "audit", "probe")):
            return
        if p.hedge.search(s.text) and not p.happened.search(s.text):
            return
        bodies = doc.ids_in_sentence(i, {"OversightBody"})
        by = p.investigated_by.search(s.text)
        by_body = next(
            (eid for m, eid in bodies if p.body_investigates.match(s.text, m.end - s.start)),
            None,
        )
        if by and by_body is None:
            pos = s.start + by.end()
            by_body = next(
                (
                    eid
                    for m, eid in doc.ids_in_sentence(i, {"OversightBody", "PoliceForce"})
                    if 0 <= m.start - pos <= 25 and _POSSESSOR.fullmatch(doc.text[pos : m.start])
                ),
                None,
            )
        for m in p.inquiry.finditer(s.text):
            kind, adj, tail = m.group("kind").lower(), (m.group("adj") or "").strip().lower(), m.group("tail")
            if re.search(
                r"\b((?-i:may)|might|could|would|should|can|will)\s+(?:\w+\s+){0,3}$", s.text[: m.start()], re.I
            ):
                continue
            if any(a <= s.start + m.start("kind") < b for a, b in ev.spans_within(self.names, s.start, s.end)):
                continue  # "an independent inquiry" named as a body
            if kind.startswith("report") and tail and re.match(r"\s+of\b", tail):
                continue  # "a report of criminal damage": a crime reported, not a report written
            if (
                kind.startswith("review")
                and tail
                and re.match(r"\s+of\s+(?:the\s+)?(?:process|procedures?|polic)", tail)
            ):
                continue
            body = by_body or self.body_beside(i, s.start + m.start(), s.start + m.end())
            if body is None and re.search(r"\bwatchdog(?:['’]s)?\s+(?:\w+\s+)?$", s.text[: m.start("kind")], re.I):
                body = self.watchdog()  # "a watchdog investigation": the complaints body the article names
            if body is None and kind in {"report", "review", "reviews", "audit"} and not (adj or tail):
                continue
            if body is None and not adj and not tail:
                continue
            if body is None and "internal" in adj and doc.primary_force:
                body = doc.primary_force
            if body is None and len(bodies) == 1 and kind.startswith("investigation"):
                body = bodies[0][1]
            tail_text = ev.trim_name(tail.strip(), 10) if tail else ""
            head = f"{adj} {kind}".strip()
            holder = self.short_name(body) if body else ""
            if not tail_text and subs and kind.startswith(("investigation", "inquiry", "probe")):
                tail_text = f"into {self.display(subs)}"
            if not tail_text and body and doc.ents[body].type == "OversightBody":
                # a body's investigation or inspection of the force the sentence names
                fid = doc.force_near(i)
                if fid:
                    into = "into" if kind.startswith(("investigation", "inquiry", "probe")) else "of"
                    tail_text = f"{into} {doc.ents[fid].name}"
            name = " ".join(x for x in (holder, head, tail_text) if x)
            cls = "inspection" if kind.startswith(("inspection", "report", "audit")) else "investigation"
            key = (cls, body or lx.norm(name))
            self.record(
                key,
                "Investigation",
                name,
                i,
                s.start + m.start(),
                s.start + m.end(),
                kind=cls,
                body=body,
                subjects=subs,
            )
        if by_body and not any(k[1] == by_body for k in self.by_key if k[0] in {"investigation", "inspection"}):
            who = self.display(subs) if subs else ""
            name = f"{self.short_name(by_body)} investigation" + (f" into {who}" if who else "")
            a, b = by.span() if by else (0, len(s.text))
            self.record(("investigation", by_body), "Investigation", name, i, s.start + a, s.start + b,
                        kind="investigation", body=by_body, subjects=subs)  # fmt: skip

    def watchdog(self) -> str | None:
        """The one police complaints or investigations body the article names (the "watchdog")."""
        found = {
            eid
            for eid, e in self.doc.ents.items()
            if e.type == "OversightBody" and re.search(r"complaint|investigat", str(e.props.get("kind", "")))
        }
        return next(iter(found)) if len(found) == 1 else None

    def body_beside(self, i: int, a: int, b: int) -> str | None:
        """The body named right before ("IOPC investigation", "the force's review") or after ("... by the IOPC")."""
        doc = self.doc
        for m, eid in doc.ids_in_sentence(i, {"OversightBody", "PoliceForce"}):
            gap_before = doc.text[m.end : a]
            if 0 <= a - m.end <= 25 and re.fullmatch(r"(?:['’]s)?\s*(?:[a-z\-]+\s+){0,3}", gap_before):
                return eid
            if 0 <= m.start - b <= 12 and re.fullmatch(r"\s+(?:by|from)\s+(?:the\s+)?", doc.text[b : m.start]):
                return eid
        return None

    def short_name(self, eid: str) -> str:
        return short_name(self.doc, eid)

    def operations(self) -> None:
        """Named operations found as names ("Operation Hotton") are investigations too."""
        doc = self.doc
        for eid, e in doc.ents.items():
            if e.type == "Investigation" and e.mentions and all(c.id != eid for c in doc.case_events):
                m0 = e.mentions[0]
                ce = CaseEvent(eid, "Investigation", m0.sent, (), "operation", None, None)
                doc.case_events.append(ce)


def short_name(doc: ArticleDoc, eid: str) -> str:
    """A body's short name for naming what it held: its acronym when it has one ("IOPC")."""
    e = doc.ents[eid]
    if e.props.get("kind") == "professional standards department" or e.type == "PoliceForce":
        return e.name
    short = next((al for al in e.aliases if al.isupper() and 2 <= len(al) <= 8), None)
    return short or e.name


def subject_force(doc: ArticleDoc, subjects: tuple[str, ...]) -> str | None:
    """The force the subjects serve in (their SERVES_IN), else the article's main force."""
    for sub in subjects:
        for r in doc.rels.values():
            if r.type == "SERVES_IN" and r.source == sub:
                return r.target
    return doc.primary_force


def ensure_officer(doc: ArticleDoc, e: Ent) -> None:
    """A person a case is against is an officer."""
    if e.type == "Person":
        e.type = "Officer"
