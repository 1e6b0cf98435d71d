"""Named-entity mentions by rule: reference aliases, gazetteers, then capitalised-name sequences
classified by their own words (ranks, roles, organisation cues) and by their context
(reporting verbs, appositions, "X of Y said", prepositions of place).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

from kb.reference import reference
from loaders.articles import lexicon as lx
from loaders.articles.text import Sentence
from loaders.concepts.phrases import PhraseIndex, phrase_key, tokens_rel

NAMED_TYPES = ("PoliceForce", "Officer", "Person", "Programme", "OversightBody", "Organisation", "Place")


@dataclass(slots=True)
class Mention:
    """One mention of a named thing in the article."""

    start: int
    end: int
    text: str
    type: str
    name: str  # canonical name (reference name, or the name as written without title)
    sent: int
    ref_id: str | None = None
    rank: str | None = None
    role: str | None = None
    anonymised: bool = False
    surname_only: bool = False
    confidence: float = 0.9
    extra: dict[str, str] = field(default_factory=dict)


# -- patterns -----------------------------------------------------------------------------

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿĀ-ž"
_TOKEN = rf"(?:[{_UP}][{_UP}{_LO}0-9'’\-]*[{_UP}{_LO}0-9]|[{_UP}])"
_CONNECT = r"(?:of|for|upon|de|da|del|van|von|le|la|al|bin|el)"
_SEQ = re.compile(rf"{_TOKEN}(?:\s(?:{_CONNECT}\s)?{_TOKEN})*")
_ACRONYM = re.compile(r"^[A-Z]{2,7}s?$")
_CAMEL = re.compile(r"^[A-Z][a-z]+[A-Z][A-Za-z]+$")
_LAW = {"act", "acts", "regulations", "bill", "code", "law", "order", "directive", "convention"}
_REPORT_AFTER = re.compile(rf"^(?:,[^,]{{0,80}},)?\s+(?:{lx.REPORTING_VERBS})\b")
_APPOS_AFTER = re.compile(r"^,\s+(?:a|an|the|who|whose|[a-z]+\s+(?:of|at|for|from)\b|\d{1,3},|aged)\b")
_OF_ORG_SAID = re.compile(rf"^,?\s+(?:of|from|at)\s+(?:the\s+)?[A-Z][\w'’&\- ]{{1,60}}?,?\s+(?:{lx.REPORTING_VERBS})\b")
_POSSESSIVE_PERSON = re.compile(
    r"^['’]s?\s+(?:killer|murderer|murder|killing|death|family|mother|father|wife|husband|partner|son|daughter"
    r"|lawyer|solicitor|sister|brother|attacker|rapist|body|arrest|case|funeral|inquest|parents|relatives)\b"
)
_PRE_APPOS = re.compile(
    r"\b(?:killer|murderer|attacker|partner|wife|husband|son|daughter|mother|father|brother|sister|friend|victim"
    r"|boyfriend|girlfriend|colleague|named(?:\s+\w+)?\s+as|identified(?:\s+\w+)?\s+as|called|officer|constable|sergeant)\s*,?\s*$"
)
_PRE_SAID = re.compile(rf"\b(?:{lx.REPORTING_VERBS})\s+$")
_PLAIN_HONORIFICS = frozenset({"Mr", "Mrs", "Ms", "Miss", "Dr", "Mr.", "Mrs.", "Ms.", "Dr."})
_IN_PLACE = re.compile(r"\b(?:in|near|outside)\s+$")
_PLACE_PREP = re.compile(r"\b(?:in|near|outside|around|across|from|at|to|towards|between)\s+(?:the\s+)?$")
_THE_TITLE = re.compile(r"\bThe\s+$")
_OFFICER_APPOS = re.compile(
    r",\s+(?:\d{1,2},\s+)?(?:an?|the)\s+(?:former\s+|serving\s+|retired\s+|suspended\s+|off-duty\s+)?"
    r"(?:[A-Z][\w&\-]*\s+){0,4}(?:police\s+)?(?:officer|constable|sergeant|inspector|detective|superintendent|pcso)\b"
)
_ANON = re.compile(
    r"(?:.*\s)?(Officer|Sergeant|Constable|Inspector|Child|Witness|Person|Victim|Patient|Student|Mr|Mrs|Ms|Miss)"
    r"\s([A-Z]\d?)$"
)
_UNNAMED = re.compile(
    r"\b(?:an?|the|one)\s+(?P<n>(?:unnamed|anonymous)\s+(?:female\s+|male\s+)?"
    r"(?P<r>sergeant|constable|inspector|detective|superintendent|officer|pcso))\b"
)
# Nouns in STOP_CAPS that can begin a longer name ("Police Appeals Tribunal", "Community Security Trust")
_NAME_NOUNS = frozenset({"police", "community", "communities", "government", "public", "staff", "people", "force"})
_TITLE_MODIFIERS = frozenset(
    {
        "home",
        "foreign",
        "justice",
        "shadow",
        "deputy",
        "assistant",
        "chief",
        "acting",
        "interim",
        "policing",
        "crime",
        "prime",
        "interior",
        "health",
        "education",
        "culture",
        "first",
        "general",
        "executive",
        "senior",
        "regional",
    }
)
# nouns that complete a title ("Inspector of Constabulary", "Director of Public Prosecutions")
_INSTITUTION_NOUNS = frozenset(
    {"constabulary", "constabularies", "prisons", "probation", "policing", "police", "public"}
)
_PARTICLES = frozenset({"de", "da", "del", "van", "von", "le", "la", "al", "bin", "el", "du", "di"})
_POST_NOMINALS = frozenset(
    {
        "MP",
        "MPs",
        "MSP",
        "MS",
        "AM",
        "MLA",
        "MEP",
        "QC",
        "KC",
        "OBE",
        "MBE",
        "CBE",
        "KBE",
        "DBE",
        "QPM",
        "KPM",
        "JP",
        "PhD",
    }
)
_CUE_AFTER = re.compile(r"\s(?:[A-Z][a-z]+\s)*(?:" + "|".join(sorted(lx.ORG_CUES)) + r")\b", re.I)
_ORG_DESCRIPTOR = re.compile(
    r"\b(?:charity|charities|campaign\s+group|pressure\s+group|group|organisation|organization|think\s+tank|thinktank"
    r"|union|network|coalition|company|firm|trust|association|society|foundation|campaigners|newspaper|broadcaster"
    r"|website|platform|app|law\s+firm|agency)\s+$"
)
_INDEPENDENT_BODY = re.compile(
    r"\b(?P<det>an?|the|its|their|our|his|her)\s+(?P<n>independent\s+(?:[a-z]+\s+){0,2}?(?:panel|inquiry"
    r"|oversight\s+(?:team|board|group|committee|panel)|advisory\s+(?:group|panel|board)|scrutiny\s+(?:panel|group|board)"
    r"|review\s+panel|ethics\s+(?:committee|panel|board)))\b"
)
_TO_BE_SET_UP = re.compile(
    r"\b(?:will|would|could|shall|plans?\s+to|intends?\s+to|wants?\s+to|propos\w*\s+to|call(?:s|ed)?\s+(?:for|to))\s+"
    r"(?:\w+\s+)?(?:set\s+up|establish|create|introduce|form|commission)?\s*$"
)


@cache
def _name_patterns() -> dict[str, re.Pattern[str]]:
    """The name patterns of data/names.toml (case-sensitive: they speak of capitalised names)."""
    import tomllib
    from importlib import resources

    raw = resources.files("loaders.articles").joinpath("data", "names.toml").read_text(encoding="utf-8")
    return {k: re.compile(v) for k, v in tomllib.loads(raw).items()}


def _venue_after(text: str, b: int, limit: int) -> int | None:
    """The end of a building's or street's name that continues a place's name ending at ``b``."""
    m = _venue_after_rx().match(text, b, limit)
    return m.end() if m else None


@cache
def _venue_after_rx() -> re.Pattern[str]:
    caps = "|".join(sorted(lx.venue_words(), key=len, reverse=True))
    low = "|".join(re.escape(w) for w in lx.after_place())
    return re.compile(rf"\s(?:[A-Z][a-z]+\s){{0,2}}(?:{caps}|{low})\b")


def _venue(toks: list[str]) -> bool:
    """The words name a building or venue: its last word is a venue word (Showground, Station), or a
    court whose word before says which court (Crown, Magistrates')."""
    last = toks[-1]
    if all(t.lower() in lx.STOP_CAPS or t in lx.venue_words() for t in toks):
        return False  # "Police Headquarters": no name of its own
    if last == "Court":
        return toks[-2].rstrip("'’s").lower() in lx.court_kinds()
    return last in lx.venue_words() and not lx.is_given_name(toks[0])


# Lower-case words that can follow a place's name ("in Ashford on Friday", "in Ashford town centre").
_AFTER_PLACE_WORD = re.compile(
    r"\s+(?:and|or|but|on|in|at|to|for|with|was|were|is|are|has|had|have|where|when|which|who|after|before|last"
    r"|this|that|by|from|during|since|until|over|town|city|village|area|centre|earlier|yesterday)\b"
)
# a short capitalised word that reads as an abbreviated title ("Pr", "Cllr", "Insp."): no vowel, or a full stop
_ABBREV_TITLE = re.compile(r"[A-Z][b-df-hj-np-tv-xz]{0,3}\.?|[A-Z][a-z]{0,3}\.")
_SURNAME_SAFE = re.compile(r"^[A-Z][a-z'’\-]+[a-z]$|^[A-Z][a-z]?[A-Z][a-z]+$")


@dataclass(frozen=True, slots=True)
class _Alias:
    name: str
    type: str
    ref_id: str | None
    canonical: str


@cache
def _alias_table() -> tuple[dict[str, _Alias], PhraseIndex, dict[str, set[str]]]:
    """Reference forces and bodies plus the gazetteers: name key -> alias, a phrase index, and the
    surface forms of each key (short names must match exactly: "Met", "TVP")."""
    ref = reference()
    table: dict[str, _Alias] = {}
    surfaces: dict[str, set[str]] = {}

    def add(name: str, typ: str, ref_id: str | None, canonical: str) -> None:
        # titles such as "The Times" keep their article: "Times" alone is a common word
        key = ("the " + phrase_key(name)) if name.startswith("The ") and typ == "Organisation" else phrase_key(name)
        if not key:
            return
        table.setdefault(key, _Alias(name, typ, ref_id, canonical))
        surfaces.setdefault(key, set()).update({name, re.sub(r"^the\s+", "", name, flags=re.I)})

    for f in ref.forces:
        for n in (f.name, *f.aliases):
            add(n, "PoliceForce", f.entity_id, f.name)
        # the forms a force's short name takes in print: "Staffordshire Constabulary", "Cleveland Police"
        for short in f.short_names:
            for suffix in ("Police", "Constabulary", "Police Force", "Police Service"):
                add(f"{short} {suffix}", "PoliceForce", f.entity_id, f.name)
    for b in ref.bodies:
        for n in (b.name, *b.aliases):
            add(n, b.type, b.entity_id, b.name)
    for name, _kind, aliases in lx.organisations().values():
        for n in (name, *aliases):
            add(n, "Organisation", None, name)
    for p in lx.places().values():
        for n in (p.name, *p.aliases):
            add(n, "Place", None, p.name)
    return table, PhraseIndex(table, normalised=True), surfaces


# Lower-case words too common for a lower-case alias match to mean the named thing.
_COMMON_LOWER = lx.STOP_CAPS | {
    "police", "service", "office", "home", "national", "crime", "college", "agency", "federation", "association",
    "authority", "department", "ministry", "justice", "policing", "now", "court", "high", "board", "yard", "city",
    "transport", "british", "civil", "nuclear", "defence", "independent", "commissioner", "commissioners", "and",
}  # fmt: skip


def _lookup(text: str) -> _Alias | None:
    table, _, _ = _alias_table()
    key = phrase_key(text)
    return table.get(key) or (table.get("the " + key) if text.startswith("The ") else None)


@cache
def _ref_token_sets() -> dict[frozenset[str], _Alias]:
    """Token sets of reference names, for names written slightly differently ("Office of" for "Office for")."""
    out: dict[frozenset[str], _Alias] = {}
    table, _, _ = _alias_table()
    for a in table.values():
        if a.ref_id is None:
            continue
        toks = frozenset(t for t in phrase_key(a.name).split() if t not in {"of", "for", "and", "the"})
        if len(toks) >= 3:
            out.setdefault(toks, a)
    return out


def _fuzzy_reference(text: str) -> _Alias | None:
    toks = frozenset(t for t in phrase_key(text).split() if t not in {"of", "for", "and", "the"})
    return _ref_token_sets().get(toks) if len(toks) >= 3 else None


# -- the extractor ------------------------------------------------------------------------


_NAME_TOKEN = re.compile(
    rf"^[{_UP}][{_LO}'’\-]*[{_LO}]$|^[{_UP}][{_LO}]*[{_UP}][{_LO}]+$|^(Mc|Mac|O['’])[{_UP}][{_LO}]+$"
    rf"|^[{_UP}][{_LO}]+(?:-[{_UP}][{_LO}]+)+$"  # double-barrelled: "Marsh-Kettle"
)
_ALNUM = re.compile(r"[A-Za-z0-9]")
_POSS_END = re.compile(r"['’]s?$")


def _is_name_token(tok: str) -> bool:
    return bool(_NAME_TOKEN.match(tok))


def _role_before(pre: str) -> str | None:
    """A role written just before a name: 'athlete', 'Deputy director', 'visiting researcher'."""
    words = re.findall(r"[A-Za-z][\w\-]*", pre[-60:])
    if not words:
        return None
    if words[-1].lower() not in lx.ROLE_WORDS or not re.search(r"[A-Za-z][\w\-]*,?\s*$", pre):
        return None
    # extend left over role words and their modifiers (Deputy, Chief, Home, Shadow, visiting ...)
    out = [words[-1]]
    for w in reversed(words[:-1][-3:]):
        lw = w.lower()
        if lw in lx.STOP_CAPS and lw not in {"deputy"}:
            break
        if (
            lw in lx.ROLE_WORDS
            or (w.islower() and len(w) > 2 and lw not in lx.STOP_CAPS)
            or lw
            in {
                "deputy",
                "assistant",
                "acting",
                "interim",
                "shadow",
                "former",
                "senior",
                "visiting",
                "home",
                "foreign",
                "justice",
                "policing",
                "executive",
                "general",
                "managing",
                "national",
                "interior",
                "local",
                "chief",
            }
        ):
            out.insert(0, w)
        else:
            break
    role = " ".join(out)
    return role


class MentionFinder:
    """Finds mentions sentence by sentence; keeps article-level memory for surnames and acronyms."""

    def __init__(self, text: str, sentences: list[Sentence]) -> None:
        self.text = text
        self.sentences = sentences
        self.mentions: list[Mention] = []
        self._starts = [s.start for s in sentences]
        self._taken_in: dict[int, list[tuple[int, int]]] = {}
        self._in_sent: dict[int, list[Mention]] = {}  # mentions by sentence, so look-ups stay local
        self._bodies: list[Mention] = []

    # spans already claimed by a longer, surer match (kept per sentence: mentions never cross one)
    def _free(self, s: int, e: int) -> bool:
        k = bisect.bisect_right(self._starts, s) - 1
        return all(e <= a or s >= b for a, b in self._taken_in.get(k, ()))

    def _add(self, m: Mention) -> None:
        self.mentions.append(m)
        k = bisect.bisect_right(self._starts, m.start) - 1
        self._taken_in.setdefault(k, []).append((m.start, m.end))
        self._in_sent.setdefault(k, []).append(m)
        if m.type == "OversightBody" and (not self._bodies or self._bodies[-1].name != m.name):
            self._bodies.append(m)  # bodies named so far (a run of one body's mentions kept once)

    def run(self) -> list[Mention]:
        for i, s in enumerate(self.sentences):
            self._commissioner(i, s)
            self._aliases(i, s)
            self._body_phrases(i, s)
        for i, s in enumerate(self.sentences):
            self._codes(i, s)
            self._sequences(i, s)
            self._unnamed(i, s)
        self._repeat_names()
        self._lists()
        self._surnames()
        self.mentions.sort(key=lambda m: m.start)
        return self.mentions

    def _aliases(self, i: int, s: Sentence) -> None:
        _, index, surfaces = _alias_table()
        toks = tokens_rel(s.text)
        found: list[tuple[int, int, str]] = []
        for key, ti, tj in index.find(toks):
            a, b = s.start + toks[ti].start, s.start + toks[tj - 1].end
            core = self.text[a:b]
            if core[0].islower():
                words = key.split()
                if len(words) < 2 or len(core) < 8 or all(w in _COMMON_LOWER for w in words):
                    continue
            elif tj - ti == 1 and len(core) <= 4 and core not in surfaces.get(key, ()):
                continue
            if (a >= 2 and self.text[a - 1] == "-" and self.text[a - 2].isalpha()) or (
                self.text[b : b + 1] == "-" and self.text[b + 1 : b + 2].isalpha()
            ):
                continue  # part of a hyphenated word ("Lowe-Bury" is no Bury)
            found.append((a, b, core))
        found.sort(key=lambda t: (-(t[1] - t[0]), t[0]))
        for a, b, txt in found:
            if not self._free(a, b):
                continue
            core = txt
            al = _lookup(core)
            if al is None:
                continue
            # "Met Office" (weather) and similar: an alias glued to a following capitalised word is something else
            nxt = self.text[b : b + 20]
            if al.type in {"Organisation", "OversightBody"} and _CUE_AFTER.match(nxt) and re.match(r"\s[A-Z]", nxt):
                continue  # "the BBC Shared Data Unit": the longer name is the organisation
            if al.type != "Place" and len(core.split()) <= 2 and re.match(r"\s[A-Z][a-z]+", nxt):
                following = re.match(r"\s([A-Z][a-z]+)", nxt)
                if following and following.group(1).lower() in lx.ORG_CUES - {"police"}:
                    continue
            # A place's name inside a building's or street's ("Riverside Showground", "Dale Road") is that building
            if al.type == "Place" and (grown := _venue_after(self.text, b, s.end)):
                if self._free(a, grown):
                    name = self.text[a:grown]
                    self._add(Mention(a, grown, name, "Place", name, i, confidence=0.7, extra={"building": "1"}))
                continue
            # A place name glued into a longer capitalised name ("Reading Borough Council") is not the place
            if al.type == "Place":
                prev = self.text[max(0, a - 20) : a]
                last_word = re.search(r"([A-Za-z.]+)\s+$", prev)
                if last_word and (
                    last_word.group(1).rstrip(".").lower() in lx.HONORIFICS
                    or lx.norm(last_word.group(1)) in lx.ranks()
                    or lx.is_given_name(last_word.group(1))
                ):
                    continue  # "DS Harlow", "Mr Bath": a surname that is also a town
                org_of = re.search(r"([A-Z][a-z]+)\s+(?:of|for|upon)\s+(?:the\s+)?$", prev)
                if org_of and org_of.group(1).lower() in lx.ORG_CUES | {
                    "isle",
                    "vale",
                    "city",
                    "bank",
                    "county",
                    "commissioner",
                }:
                    continue
                if (
                    re.search(r"[A-Z][a-z]+\s$", prev)
                    and not re.search(r"(?:^|[.!?]\s)[A-Z][a-z]+\s$", prev)
                    and not re.search(r"\b(?:In|At|From|Near|Outside|Across)\s$", prev)
                ):
                    continue
                if _CUE_AFTER.match(nxt) and re.match(r"\s[A-Z]", nxt):
                    continue
            start = a
            if al.type == "Organisation" and al.ref_id is None:
                before = re.search(r"(?:^|\s)([A-Z][a-z]+)\s$", self.text[max(s.start, a - 20) : a])
                if before and before.group(1).lower() not in lx.STOP_CAPS:
                    ext_start = a - len(before.group(1)) - 1
                    if self._free(ext_start, b):
                        name = self.text[ext_start:b]
                        self._add(Mention(ext_start, b, name, "Organisation", name, i, confidence=0.7))
                        continue
            if al.type == "Place":
                fshort = reference().force(core, short=True)
                if fshort is not None and re.match(
                    r"\s+(?:police\s+)?(?:officers?|constables?|detectives?|sergeants?|inspectors?|PCs?|cops?|police|force)\b",
                    nxt,
                ):
                    self._add(
                        Mention(start, b, core, "PoliceForce", fshort.name, i, ref_id=fshort.entity_id, confidence=0.8)
                    )
                    continue
            self._add(Mention(start, b, core, al.type, al.canonical, i, ref_id=al.ref_id, confidence=0.95))

    def _commissioner(self, i: int, s: Sentence) -> None:
        """A PCC ('Police and Crime Commissioner for <area>') is one post: claimed before the area reads as a place."""
        if "crime commissioner" not in s.text.lower():
            return
        for m in lx.BODY_PHRASES.finditer(s.text):
            if "commissioner" in m.group(0).lower():
                name = re.sub(
                    r"(?i)^police(, fire)? and crime commissioner",
                    lambda x: x.group(0).title().replace(" And ", " and "),
                    m.group(0),
                )
                a, b = s.start + m.start(), s.start + m.end()
                if self._free(a, b):
                    self._add(Mention(a, b, m.group(0), "OversightBody", name, i, confidence=0.85, extra={"psd": "1"}))

    def _body_phrases(self, i: int, s: Sentence) -> None:
        low = s.text.lower()
        if "independent" not in low and "standards" not in low and "commissioner" not in low and "anti-corr" not in low:
            return
        for m in _INDEPENDENT_BODY.finditer(s.text):
            if _TO_BE_SET_UP.search(s.text, max(0, m.start() - 60), m.start()):
                continue  # "would set up an independent panel": a proposal, not a body yet
            a, b = s.start + m.start("n"), s.start + m.end("n")
            if self._free(a, b):
                self._add(
                    Mention(
                        a,
                        b,
                        m.group("n"),
                        "OversightBody",
                        m.group("n"),
                        i,
                        confidence=0.7,
                        extra={"independent": m.group("det").lower()},
                    )
                )
        for m in lx.BODY_PHRASES.finditer(s.text):
            a, b = s.start + m.start(), s.start + m.end()
            if self._free(a, b):
                name = " ".join(w[:1].upper() + w[1:] for w in m.group(0).split())
                self._add(Mention(a, b, m.group(0), "OversightBody", name, i, confidence=0.85, extra={"psd": "1"}))

    def _sequences(self, i: int, s: Sentence) -> None:
        for m in _SEQ.finditer(s.text):
            a = s.start + m.start()
            seq = m.group(0)
            if " " not in seq and seq.lower() in lx.STOP_CAPS:
                continue  # "The", "He", "However": capitalised only because a sentence starts
            for part_start, part in self._split_free(a, seq):
                self._classify(i, s, part_start, part)

    def _codes(self, i: int, s: Sentence) -> None:
        """ "Officer 002", "Witness W3": an anonymised person known by a code (its digits are no figure)."""
        if not any(c.isdigit() for c in s.text):
            return
        for m in _name_patterns()["anon_code"].finditer(s.text):
            a, b = s.start + m.start("n"), s.start + m.end("n")
            if not self._free(a, b):
                continue
            who = m.group("who")
            typ = "Person" if who == "Witness" else "Officer"
            canon = lx.ranks().get(lx.norm(who)) if typ == "Officer" and who != "Officer" else None
            extra = {"rankNormalised": canon.canonical} if canon else {}
            self._add(
                Mention(
                    a, b, m.group("n"), typ, m.group("n"), i, rank=who if canon else None, anonymised=True, extra=extra
                )
            )

    def _unnamed(self, i: int, s: Sentence) -> None:
        """ "an unnamed sergeant", "an anonymous constable": an officer with no personal name."""
        if "unnamed" not in s.text and "anonymous" not in s.text:
            return
        for m in _UNNAMED.finditer(s.text):
            a, b = s.start + m.start("n"), s.start + m.end("n")
            if self._free(a, b):
                rank = m.group("r")
                canon = lx.ranks().get(lx.norm(rank))
                extra = {"rankNormalised": canon.canonical} if canon else {}
                self._add(
                    Mention(a, b, m.group("n"), "Officer", m.group("n"), i, rank=rank, anonymised=True, extra=extra)
                )

    def _split_free(self, a: int, seq: str) -> list[tuple[int, str]]:
        """The parts of a capitalised sequence not already claimed by an alias match."""
        out: list[tuple[int, str]] = []
        cur_start: int | None = None
        cur_end = a
        for tm in re.finditer(r"\S+", seq):
            ta, tb = a + tm.start(), a + tm.end()
            if self._free(ta, tb):
                if cur_start is None:
                    cur_start = ta
                cur_end = tb
            else:
                if cur_start is not None:
                    out.append((cur_start, self.text[cur_start:cur_end]))
                cur_start = None
        if cur_start is not None:
            out.append((cur_start, self.text[cur_start:cur_end]))
        # connectors cannot start or end a part
        cleaned: list[tuple[int, str]] = []
        for st, part in out:
            toks = part.split()
            while toks and not toks[0][0].isupper():
                st += len(toks[0]) + 1
                toks = toks[1:]
            while toks and not toks[-1][0].isupper():
                toks = toks[:-1]
            if toks:
                cleaned.append((st, " ".join(toks)))
        return cleaned

    def _classify(self, i: int, s: Sentence, a: int, seq: str) -> None:
        toks = seq.split()
        at_start = not _ALNUM.search(s.text, s.start - s.start, a - s.start)
        anon = _ANON.match(seq) if len(toks) <= 3 else None
        if anon and self._free(a, a + len(seq)):
            st = a + anon.start(1)
            label = f"{anon.group(1)} {anon.group(2)}"
            officer = anon.group(1) in {"Officer", "Sergeant", "Constable", "Inspector"}
            typ, rank = ("Officer", anon.group(1)) if officer else ("Person", None)
            self._add(Mention(st, a + len(seq), label, typ, label, i, rank=rank, anonymised=True))
            return
        # drop sentence-opening function words ("The", "But", "In")
        while (
            toks
            and toks[0].lower().strip("'’") in lx.STOP_CAPS
            and toks[0].rstrip(".").lower() not in lx.HONORIFICS
            and not (len(toks) > 1 and toks[0].lower() in _NAME_NOUNS)
            and not (len(toks) > 1 and toks[0] == "The" and not at_start)
        ):
            a += len(toks[0]) + 1
            toks = toks[1:]
            at_start = False
        if not toks:
            return
        # a possessive ends the name: "Met's", "Harlow's"
        poss = False
        for k, t in enumerate(toks):
            if k + 2 == len(toks) and toks[-1] in lx.venue_words():
                break  # "Cutler's Hall": a possessive inside a building's name
            if (
                ("'" in t or "’" in t)
                and _POSS_END.search(t)
                and not re.match(r"^(Women|Children|People|Men|Mayor|Chiefs|Officers)['’]s?$", t)
            ):
                if k + 1 < len(toks):
                    # "Radio Solent's Dan Smith": the words after the possessive are a name of their own
                    rest = " ".join(toks[k + 1 :])
                    self._classify(i, s, a + len(" ".join(toks[: k + 1])) + 1, rest)
                toks = toks[: k + 1]
                toks[-1] = re.sub(r"['’]s?$", "", toks[-1])
                poss = True
                break
        if not toks or not toks[0]:
            return
        seq = " ".join(toks)
        b = a + len(seq)
        # "the charity Inquest", "campaign group Justice for Survivors": the words before say what it is
        pre_org = _ORG_DESCRIPTOR.search(self.text[max(s.start, a - 40) : a])
        if pre_org and self._free(a, b) and _lookup(seq) is None and not lx.is_given_name(toks[0]):
            self._add(Mention(a, b, seq, "Organisation", seq, i, confidence=0.7))
            return
        # split "X of Y": keep "of"/"for" only after an organisation cue word ("School of", "Office for")
        m_of = re.search(r"\s(of|for)\s", seq)
        if m_of and _name_patterns()["commissioner_org"].match(seq) and not lx.is_given_name(toks[0]):
            m_of = None  # "the Victims' Commissioner for England and Wales" is one name
        if m_of and toks[0] != "The":
            head = seq[: m_of.start()].split()[-1].lower()
            if (
                head not in lx.ORG_CUES
                and head not in lx.BODY_CUES
                and head not in {"isle", "vale", "city", "bank", "house", "county"}
            ):
                left = seq[: m_of.start()]
                right_start = a + m_of.end()
                rtoks = seq[m_of.end() :].split()
                k = next((k for k in range(1, len(rtoks) - 1) if lx.is_given_name(rtoks[k])), 0)
                if not k and len(rtoks) >= 3 and rtoks[0].lower() in _INSTITUTION_NOUNS:
                    k = 1  # "Chief Inspector of Constabulary Ruth Evans"
                if head in lx.ROLE_WORDS and k and len(rtoks) - k <= 3 and all(_is_name_token(t) for t in rtoks[k:]):
                    # "Inspector of Constabulary Ruth Evans": the words before the given name are the title
                    role = f"{left} {m_of.group(1)} {' '.join(rtoks[:k])}"
                    st = a + len(seq) - len(" ".join(rtoks[k:]))
                    name = " ".join(rtoks[k:])
                    if self._free(st, a + len(seq)):
                        self._add(Mention(st, a + len(seq), name, "Person", name, i, role=role, confidence=0.8))
                    return
                self._classify_one(i, s, a, left, poss=False, at_start=at_start)
                self._classify_one(i, s, right_start, seq[m_of.end() :], poss=poss, at_start=False)
                return
        self._classify_one(i, s, a, seq, poss=poss, at_start=at_start)

    def _classify_one(self, i: int, s: Sentence, a: int, seq: str, *, poss: bool, at_start: bool) -> None:
        toks = seq.split()
        while len(toks) > 2 and toks[-1] in _POST_NOMINALS:
            toks = toks[:-1]  # "Ruth Evans MP", "Alan Smith QPM"
        seq = " ".join(toks)
        if not toks:
            return
        b = a + len(seq)
        if not self._free(a, b):
            return
        pre = self.text[max(s.start, a - 80) : a]
        post = self.text[b : min(s.end, b + 120)]
        low = [t.lower().strip("'’") for t in toks]

        if any(t in _LAW for t in low[1:]):
            return
        if any(low[k] == low[k + 1] and low[k] in lx.ORG_CUES for k in range(len(low) - 1)):
            return  # "Building Trust Trust": table cells run together
        if (
            len(toks) >= 2
            and low[0].endswith("ing")
            and not lx.is_given_name(toks[0])
            and _lookup(seq) is None
            and not lx.rank_pattern().match(seq)  # "Acting Chief Constable Ruth Evans"
        ):
            return
        # the reference tables and gazetteers, again for names split by the rules above
        al = _lookup(seq) or _fuzzy_reference(seq)
        if al is not None:
            self._add(Mention(a, b, seq, al.type, al.canonical, i, ref_id=al.ref_id, confidence=0.9))
            return

        pats = _name_patterns()
        if pats["not_names"].search(seq):
            return
        # "Independent Office for Police Complaints (IOPC)": a body named a little wrongly, then by its acronym
        acr = re.match(r"\s*\(([A-Z][A-Za-z]{1,7})\)", self.text[b : b + 12])
        if acr and len(toks) >= 3:
            al = _lookup(acr.group(1))
            if al is not None and al.ref_id and len(set(low) & set(lx.norm(al.canonical).split())) >= 2:
                self._add(Mention(a, b, seq, al.type, al.canonical, i, ref_id=al.ref_id, confidence=0.8))
                return
        if len(toks) >= 2 and pats["programme"].search(seq) and not lx.is_given_name(toks[0]):
            self._add(Mention(a, b, seq, "Programme", seq, i, confidence=0.7))
            return
        unit = len(toks) >= 2 and pats["force_unit"].search(seq) and not _lookup(seq)
        if unit and ("Force" in toks[:-1] or pats["force_unit_before"].search(pre)):
            return  # "the force's Major Crime Unit": a part of the force, not an organisation
        if (
            pats["commissioner_org"].match(seq)
            and not lx.is_given_name(toks[0])
            and low[0] not in _TITLE_MODIFIERS
            and not lx.rank_pattern().match(seq)
        ):
            self._add(Mention(a, b, seq, "Organisation", seq, i, confidence=0.65))
            return
        # ranks: "PC Ruth Evans", "Det Sgt Harlow", "Officer D", "PC K"
        rm = lx.rank_pattern().match(seq)
        rank_words = None
        if rm and (rm.end() == len(seq) or seq[rm.end()] == " "):
            rank_words = rm.group(1)
            rest = seq[rm.end() :].strip()
            rest_start = a + rm.end() + (len(seq[rm.end() :]) - len(seq[rm.end() :].lstrip()))
        elif toks[0] == "Officer" and len(toks) == 2 and len(toks[1]) == 1:
            rank_words, rest, rest_start = "Officer", toks[1], a + len(toks[0]) + 1
        if rank_words is not None:
            bare = re.sub(r"^(?:(?:Acting|Temporary|Former|Retired|Ex)[ -])+", "", rank_words)
            info = lx.ranks().get(lx.norm(bare)) or lx.ranks().get(lx.norm(re.sub(r"^Deputy\s+", "", bare)))
            canon = info.canonical if info else rank_words
            if not rest:
                return
            rtoks = rest.split()
            if len(rtoks) >= 2 and rtoks[0].rstrip(".").lower() in lx.HONORIFICS:
                rest_start += len(rtoks[0]) + 1
                rtoks = rtoks[1:]
                rest = " ".join(rtoks)
            if len(rtoks) == 1 and (len(rest) == 1 or re.fullmatch(r"[A-Z]\d*", rest)):
                self._add(
                    Mention(
                        a,
                        b,
                        seq,
                        "Officer",
                        f"{rank_words} {rest}",
                        i,
                        rank=rank_words,
                        anonymised=True,
                        extra={"rankNormalised": canon},
                    )
                )
                return
            if (
                all(_is_name_token(t) or t in {"de", "van", "von", "da", "le", "bin", "al"} for t in rtoks)
                and len(rtoks) <= 4
            ):
                self._add(
                    Mention(
                        rest_start,
                        b,
                        rest,
                        "Officer",
                        rest,
                        i,
                        rank=rank_words,
                        surname_only=len(rtoks) == 1,
                        extra={"rankNormalised": canon},
                    )
                )
            return

        # "the Ombudsman", "the Commissioner": the body named in full earlier in the article
        if len(toks) == 1 and low[0] in lx.BODY_CUES | {"commissioner", "inspectorate", "authority"}:
            full = next(
                (x for x in reversed(self._bodies) if x.start < a and low[0] in x.name.lower().split()),
                None,
            )
            if full is not None:
                self._add(Mention(a, b, seq, "OversightBody", full.name, i, ref_id=full.ref_id, confidence=0.7))
                return
        # courts, stations, halls: a building or venue is a place ("Ipswich Crown Court", "Mill Lane Police Station")
        if 2 <= len(toks) <= 5 and not poss and _venue(toks):
            self._add(Mention(a, b, seq, "Place", seq, i, confidence=0.65, extra={"building": "1"}))
            return
        # organisations and bodies by their own words
        if len(toks) >= 2 or poss or not at_start:
            cue = [t for t in low if t in lx.ORG_CUES or t in lx.BODY_CUES]
            if cue and not all(t in lx.STOP_CAPS for t in low):
                if len(toks) == 1 and low[0] in {
                    "police",
                    "force",
                    "service",
                    "team",
                    "unit",
                    "news",
                    "media",
                    "press",
                    "court",
                }:
                    return
                typ = "OversightBody" if any(t in lx.BODY_CUES for t in low) else "Organisation"
                if typ == "Organisation" and len(toks) == 1 and at_start:
                    return
                self._add(Mention(a, b, seq, typ, seq, i, confidence=0.75))
                return

        # "Meadow Close", "Station Road": a street
        if 2 <= len(toks) <= 4 and toks[-1] in lx.street_words() and not lx.is_given_name(toks[0]):
            self._add(Mention(a, b, seq, "Place", seq, i, confidence=0.6))
            return
        # "Operation Hotton": a named police operation is an investigation
        if toks[0] == "Operation" and len(toks) >= 2:
            self._add(Mention(a, b, seq, "Investigation", seq, i, confidence=0.8))
            return
        # a job title alone ("the Home Secretary") is not a name
        if low[-1] in lx.ROLE_WORDS and all(t in lx.ROLE_WORDS or t in _TITLE_MODIFIERS for t in low):
            return
        # honorifics and role titles inside the sequence: "Dr Ruth Evans", "Home Secretary Ruth Evans"
        role = None
        name_toks = toks
        if low[0].rstrip(".") in lx.HONORIFICS and len(toks) >= 2:
            name_toks = toks[1:]
            a2 = a + len(toks[0]) + 1
            if all(_is_name_token(t) or t in _PARTICLES for t in name_toks) and len(name_toks) <= 4:
                self._add(
                    Mention(
                        a2,
                        b,
                        " ".join(name_toks),
                        "Person",
                        " ".join(name_toks),
                        i,
                        surname_only=len(name_toks) == 1,
                        extra={"honorific": toks[0]},
                    )
                )
            return
        if (
            len(toks) >= 3
            and _ACRONYM.match(toks[0])
            and all(_is_name_token(t) for t in toks[1:])
            and lx.is_given_name(toks[1])
        ):
            # "PCC Ruth Evans", "MP Ruth Evans": an abbreviated post before the name
            name = " ".join(toks[1:])
            self._add(Mention(a + len(toks[0]) + 1, b, name, "Person", name, i, role=toks[0], confidence=0.8))
            return
        if (
            len(toks) >= 3
            and at_start
            and not lx.is_given_name(toks[0])
            and lx.is_given_name(toks[1])
            and toks[0].lower() not in lx.ROLE_WORDS
            and toks[0].lower() not in _TITLE_MODIFIERS
        ):
            # "Incumbent Ruth Evans", "Later Ruth Evans": a word capitalised because it opens the sentence
            self._classify_one(i, s, a + len(toks[0]) + 1, " ".join(toks[1:]), poss=poss, at_start=False)
            return
        last_role = max((k for k, t in enumerate(low[:-1]) if t in lx.ROLE_WORDS), default=-1)
        if last_role >= 0 and len(toks) - last_role - 1 in (1, 2, 3):
            role = " ".join(toks[: last_role + 1])
            name_toks = toks[last_role + 1 :]
            a = a + len(role) + 1
        if not all(_is_name_token(t) for t in name_toks):
            # CamelCase brands and platforms ("on SomeApp")
            if len(toks) == 1 and _CAMEL.match(toks[0]):
                self._add(Mention(a, b, seq, "Organisation", seq, i, confidence=0.6))
            return
        name = " ".join(name_toks)
        role = role or _role_before(pre)

        # "The Something" mid-sentence: a publication or a named body
        if toks[0] == "The" and not at_start and len(toks) in (2, 3):
            self._add(Mention(a, b, seq, "Organisation", seq, i, confidence=0.6))
            return

        # "PC 4127 Ruth Evans", "PCs Ruth Evans and Ravi Shah": a rank a little before the name
        rb = lx.rank_before_name().search(pre) if 1 <= len(name_toks) <= 4 else None
        if rb:
            rank = re.sub(r"(?:['’]s|s)$", "", rb.group("rank"))
            rank = re.sub(r"^(?:[Ff]ormer|[Rr]etired|[Aa]cting)\s+", "", rank)
            info = lx.ranks().get(lx.norm(rank))
            extra = {"rankNormalised": info.canonical} if info else {}
            self._add(Mention(a, b, name, "Officer", name, i, rank=rank, confidence=0.75, extra=extra))
            return
        evidence = 0
        if role:
            evidence += 2
        if lx.is_given_name(name_toks[0]) and len(name_toks) >= 2:
            evidence += 2
        if _REPORT_AFTER.match(post) or _PRE_SAID.search(pre):
            evidence += 1
        if _APPOS_AFTER.match(post) or _OF_ORG_SAID.match(post):
            evidence += 1
        if poss and _POSSESSIVE_PERSON.match(self.text[b : b + 30]):
            evidence += 1
        if _PRE_APPOS.search(pre):
            evidence += 1
        if 2 <= len(name_toks) <= 4 and _OFFICER_APPOS.match(self.text[b : b + 80]):
            self._add(Mention(a, b, name, "Officer", name, i, confidence=0.75))
            return
        if 2 <= len(name_toks) <= 4 and evidence >= 1:  # noqa: SIM102 - the condition below reads as one rule
            if not (
                at_start
                and evidence < 2
                and not lx.is_given_name(name_toks[0])
                and not _REPORT_AFTER.match(post)
                and not _APPOS_AFTER.match(post)
                and not _OF_ORG_SAID.match(post)
            ):
                self._add(Mention(a, b, name, "Person", name, i, role=role, confidence=min(0.95, 0.6 + 0.1 * evidence)))
                return
        if len(name_toks) == 1:
            tok = name_toks[0]
            if tok.lower() in lx.STOP_CAPS:
                return
            if _CAMEL.match(tok) and not at_start:
                self._add(Mention(a, b, tok, "Organisation", tok, i, confidence=0.6))
                return
            if re.search(r"\b(?:of|from)\s+(?:the\s+)?$", pre) and self._person_before(a, i):
                self._add(Mention(a, b, tok, "Organisation", tok, i, confidence=0.55))
                return
            # a lone capitalised word: a surname (resolved later) or a place after a preposition
            if evidence >= 1 or role:
                self._add(Mention(a, b, tok, "Person", tok, i, role=role, surname_only=True, confidence=0.6))
                return
            if not at_start and _CAMEL.match(tok):
                self._add(Mention(a, b, tok, "Organisation", tok, i, confidence=0.6))
                return
            if not at_start:
                self._add(Mention(a, b, tok, "?", tok, i, confidence=0.4))
            return
        if len(name_toks) in (2, 3) and evidence == 0 and not _PLACE_PREP.search(pre):
            # maybe a name: kept aside until "Mr Okafor" or "Okafor said" confirms it
            self._add(Mention(a, b, name, "?N", name, i, confidence=0.55))
            return
        if (
            len(name_toks) == 2
            and evidence == 0
            and _IN_PLACE.search(pre)
            and not lx.is_given_name(name_toks[0])
            and name_toks[-1].lower() not in lx.ORG_CUES
            and all(_SURNAME_SAFE.match(t) for t in name_toks)
            and s.text.rstrip()[-1:] in '.!?"”’)'  # prose, not a title-case heading
        ):
            # "a hearing in Colwyn Bay": two capitalised words after "in" that name no person or body
            self._add(Mention(a, b, name, "Place", name, i, confidence=0.45))
            return

    def _repeat_names(self) -> None:
        """One sense per article: a multi-word name recognised once is recognised wherever it recurs.

        One pass over the sentences with a phrase index of the names (a search of the whole text per
        name made this quadratic in long inputs)."""
        known: dict[str, Mention] = {}
        for m in self.mentions:
            if m.type in {"Organisation", "OversightBody", "Person", "Officer"} and " " in m.text and not m.anonymised:
                known.setdefault(m.text, m)
        if not known:
            return
        by_key: dict[str, list[str]] = {}
        for text in known:
            by_key.setdefault(phrase_key(text), []).append(text)
        index = PhraseIndex(by_key, normalised=True)
        for k, sent in enumerate(self.sentences):
            toks = tokens_rel(sent.text)
            for _key, ti, tj in index.find(toks):
                pos, end = sent.start + toks[ti].start, sent.start + toks[tj - 1].end
                written = self.text[pos:end]
                if written[-1] in "'’" or written[-2:-1] in ("'", "’"):
                    written = _POSS_END.sub("", written)  # "Ruth Evans's": the name without the possessive
                    end = pos + len(written)
                m0 = known.get(written)
                if m0 is None or not self._free(pos, end):
                    continue
                typ = "Person" if m0.type == "Officer" else m0.type
                self._add(
                    Mention(pos, end, written, typ, m0.name, k, ref_id=m0.ref_id, confidence=0.7, extra=dict(m0.extra))
                )

    def _person_before(self, pos: int, i: int) -> bool:
        """A person is named just before ``pos`` in sentence ``i`` ('Ruth Evans of ...')."""
        gap = re.compile(r",?\s+(?:of|from)\s+(?:the\s+)?$")
        return any(
            m.type in {"Person", "Officer"} and 0 < pos - m.end <= 12 and gap.fullmatch(self.text[m.end : pos])
            for m in self._in_sent.get(i, ())
        )

    def _lists(self) -> None:
        """Items of 'such as A, B and C' lists share the type of the items already known."""
        rx = re.compile(r"\b(?:such as|including|includes|include|like|namely)\s+([^.;:]{3,200})")
        for i, s in enumerate(self.sentences):
            for m in rx.finditer(s.text):
                seg_a = s.start + m.start(1)
                seg_b = s.start + m.end(1)
                here = self._in_sent.get(i, [])
                items = [x for x in here if seg_a <= x.start < seg_b and x.type not in {"?"}]
                orgs = [x for x in items if x.type == "Organisation"]
                if not orgs:
                    continue
                for tm in re.finditer(
                    r"(?:^|,\s*|\s+and\s+|\s+or\s+)([A-Z][\w'’\-]*(?:\s[A-Z][\w'’\-]*)*)", m.group(1)
                ):
                    ta = seg_a + tm.start(1)
                    tb = seg_a + tm.end(1)
                    hit = [x for x in here if x.start == ta and x.end == tb]
                    if hit and hit[0].type == "?":
                        hit[0].type = "Organisation"
                        hit[0].confidence = 0.6
                    elif not hit and self._free(ta, tb):
                        self._add(Mention(ta, tb, tm.group(1), "Organisation", tm.group(1), i, confidence=0.55))
                for x in orgs:
                    x.extra["list"] = str(m.start())

    def _surnames(self) -> None:
        """Lone capitalised words that are the surname of a person named in full."""
        full: dict[str, list[Mention]] = {}
        for m in self.mentions:
            if m.type in {"Person", "Officer"} and not m.surname_only and not m.anonymised:
                full.setdefault(m.name.split()[-1], []).append(m)
        # "Pr Name" beside "Tobias Name": a short unknown word before a named person's surname is a title or
        # a typo for one, not a second person
        for last, ms in full.items():
            if any(lx.is_given_name(x.name.split()[0]) for x in ms):
                for x in ms:
                    toks = x.name.split()
                    if len(toks) == 2 and _ABBREV_TITLE.fullmatch(toks[0]) and not lx.is_given_name(toks[0]):
                        x.surname_only = True
                full[last] = [x for x in ms if not x.surname_only]
        # a possible full name is a person when a title or a surname-only mention confirms it
        confirmed = {m.text.split()[-1] for m in self.mentions if m.surname_only and m.type in {"Person", "Officer"}}
        for m in self.mentions:
            if m.type == "?N":
                last = m.name.split()[-1]
                if last in confirmed or last in full:
                    m.type = "Person"
                    full.setdefault(last, []).append(m)
        # "Sir Name", "Dame Name": a title with a first name
        firsts: dict[str, set[str]] = {}
        for ms in full.values():
            for x in ms:
                firsts.setdefault(x.name.split()[0], set()).add(x.name)
        keep: list[Mention] = []
        for m in self.mentions:
            if m.type == "?N":
                continue
            if m.surname_only or m.type == "?":
                cands = full.get(m.text.split()[-1], [])
                people = {x.name for x in cands}
                if not people and m.extra.get("honorific") in {"Sir", "Dame", "Lord", "Lady"}:
                    named = firsts.get(m.text.split()[-1], set())
                    if len(named) == 1:
                        people = named
                        cands = [x for ms in full.values() for x in ms if x.name in named]
                if len(people) > 1:
                    earlier = [x for x in cands if x.start < m.start]
                    rank = lx.ranks().get(lx.norm(m.rank)) if m.rank else None
                    same_rank = [x for x in earlier if rank and x.rank and (lx.ranks().get(lx.norm(x.rank)) == rank)]
                    pick = (same_rank or earlier)[-1:] if (same_rank or earlier) else []
                    if pick:
                        people = {pick[0].name}
                        cands = pick
                if len(people) == 1:
                    person = next(iter(people))
                    first = cands[0]
                    m.name = person
                    if m.type != "Officer":
                        m.type = first.type
                    m.surname_only = False
                    keep.append(m)
                    continue
                if m.type == "?":
                    # an unknown lone capitalised word after a preposition of place
                    pre = self.text[max(0, m.start - 12) : m.start]
                    after = self.text[m.end : m.end + 24]
                    if (
                        re.search(r"\b(?:in|near|outside)\s+$", pre)
                        and _SURNAME_SAFE.match(m.text)
                        and m.text.lower() not in lx.STOP_CAPS
                        and not (re.match(r"\s+[a-z]", after) and not _AFTER_PLACE_WORD.match(after))
                    ):  # "in Ashford, ..." but not "an increase in Taser use": a word before a noun modifies it
                        m.type = "Place"
                        m.confidence = 0.5
                        keep.append(m)
                    continue
                if m.type == "Officer":
                    keep.append(m)  # "PC Harlow" with no full name: still an officer
                    continue
                hon = m.extra.get("honorific")
                if m.type == "Person" and hon in _PLAIN_HONORIFICS and _SURNAME_SAFE.match(m.text.split()[-1]):
                    # "Ms Harlow told the hearing" with no full name anywhere: still a person, named as written
                    m.name = f"{hon.rstrip('.')} {m.text.split()[-1]}"
                    m.surname_only = False
                    keep.append(m)
                continue
            keep.append(m)
        self.mentions = keep
