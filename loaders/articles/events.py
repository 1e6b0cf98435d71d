"""Cases: incidents, allegations, investigations and outcomes, found by rule.

Allegation and outcome categories come from the SKOS schemes in ontology/concepts.toml
(their ``match`` phrases); a phrase only counts where the sentence says it is alleged,
complained of, or happened: general or hypothetical talk ("officers may face disciplinary
action", "misconduct can take many forms") is not a case.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from loaders.articles.text import Sentence
from loaders.concepts import ConceptHit, hits_in_tokens
from loaders.concepts.phrases import tokens_rel

# Phrases too general to stand for a case on their own.
TOO_GENERAL = {
    "misconduct", "gross misconduct", "complaint", "learning", "training", "sanction", "continuing", "pending",
    "fired", "damages", "settlement", "cleared", "assault", "harassment", "restraint",
    "profiling", "corrupt", "lying", "lied", "dishonest", "vetting", "nfa", "no action", "recommendations",
    "disciplined", "charged", "sentenced", "serious injury", "died after", "murder", "apology", "new policy",
    "referral", "referrals", "referred to", "suspension", "without notice", "final warning", "no misconduct",
    "injunction", "ongoing",
}  # fmt: skip
_ALLEGATION_CUE = re.compile(
    r"\b(alleg\w*|accus\w*|complain\w*|claims?|claimed|concerns?|charged|investigat\w*|inquiry|look into|probe\w*"
    r"|found guilty|guilty of|pleaded guilty|convicted|jailed|misconduct|dismissed for|sacked for|admit\w*"
    r"|denied|denies"
    r"|faces?|facing|suspected|reported for"
    r"|hearing|breach\w*|raising questions|outcry|cases? of|incidents? of|review found|review finds)\b",
    re.I,
)
# "the police complaints system" names a process, not a complaint
PROCESS_WORDS = re.compile(r"\bcomplaints?\s+(?:system|process|procedures?|regime|rules)\b", re.I)
LIST_CUE = re.compile(r"\b(alleg\w*|accus\w*|complain\w*|claims?|charges?|breach\w*|found|proven|upheld)\b", re.I)
# lower-case "may" only: "in May 2023" is a month, not a hedge
_HEDGE = re.compile(
    r"\b((?-i:may)|might|could|can|should|would|must|if|whether|likely|unlikely|possible|possibly|potentially|perhaps"
    r"|need to|needs to|need for|aim\w* to|seek\w* to|help\w* to|essential|crucial|vital|important|typically"
    r"|often|usually|generally|various|common types|for instance|for example)\b",
    re.I,
)
# a list introduced as advice or possibilities ("experts suggest the force should adopt:") is not a case list
INTRO_HEDGE = re.compile(
    r"\b((?-i:may)|might|could|can|should|would|must|need\w*|suggest\w*|propos\w*|recommend\w*|typically|common types"
    r"|various|forms|if|whether)\b",
    re.I,
)
_HAPPENED = re.compile(
    r"\b(was|were|has been|have been|had been|is being|are being|is|are|resulted|led|took|taken|received|given"
    r"|faced|found|ruled|ordered|issued|placed|obtained|secured|won|dismissed|sacked|banned|barred|jailed"
    r"|convicted|charged|decided|agreed|concluded|remain\w*|still|undergone|underwent|initiated|launched|carried out"
    r"|conducted|completed|opened|began|started)\b",
    re.I,
)
CONTEXT_AFTER = re.compile(
    r"\s+(?:calls?|call-?outs?|victims?|survivors?|services?|charit(?:y|ies)|units?|teams?|awareness|strategy"
    r"|campaigns?|helplines?|refuges?)\b",
    re.I,
)
BULLET = re.compile(r"^\s*(?:[•·▪◦*\-–]\s*)")


def too_general(phrase: str) -> bool:
    """A concept phrase too general to stand for a case on its own (in either number)."""
    low = phrase.lower()
    return low in TOO_GENERAL or (low.endswith("s") and low[:-1] in TOO_GENERAL) or (low + "s") in TOO_GENERAL


def spans_within(spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The spans (sorted by start) that begin inside [start, end)."""
    lo = bisect.bisect_left(spans, (start, -1))
    hi = bisect.bisect_left(spans, (end, -1))
    return spans[lo:hi]


def concept_hits(scheme: str, sent: Sentence, names: list[tuple[int, int]] | None = None) -> list[ConceptHit]:
    """Concept phrases of ``scheme`` in the sentence (leftmost, longest), outside names (``names``:
    article spans of named things, so "End Violence Against Women Coalition" is not an allegation)."""
    blocked = spans_within(names or [], sent.start, sent.end)
    found = hits_in_tokens(scheme, sent.text, tokens_rel(sent.text), sent.start)
    return [h for h in found if not any(not (h.end <= x or h.start >= y) for x, y in blocked)]


@dataclass(slots=True)
class Event:
    """An incident, allegation, investigation or outcome found in the article."""

    type: str
    name: str
    start: int
    end: int
    sent: int
    category: str | None = None
    category_label: str | None = None
    concept_label: str | None = None
    aliases: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.7


def phrase_window(text: str, a: int, b: int, words_after: int = 6) -> str:
    """The concept phrase with the few words that say what it was ('... of conduct were identified')."""
    tail = re.match(r"[^,;:.!?\"“”()]*", text[b:])
    extra = tail.group(0).split()[:words_after] if tail else []
    while extra and extra[-1].lower() in {"and", "or", "the", "a", "an", "of", "to", "by", "in", "for", "with", "that"}:
        extra.pop()
    return " ".join([text[a:b], *extra]).strip()


def intro_line(sentences: list[Sentence], i: int) -> Sentence | None:
    """For a bullet or short list line, the line ending in ':' that introduces the list."""
    j = i - 1
    while j >= 0 and i - j <= 12:
        t = sentences[j].text.rstrip()
        if t.endswith(":"):
            return sentences[j]
        if not (BULLET.match(sentences[j].text) or len(sentences[j].text.split()) <= 8):
            return None
        j -= 1
    return None


def is_list_item(sentences: list[Sentence], i: int) -> bool:
    s = sentences[i]
    return bool(BULLET.match(s.text)) or (len(s.text.split()) <= 10 and not s.text.rstrip().endswith((".", "?", "!")))


def trim_name(name: str, max_words: int = 12) -> str:
    """Cut a phrase before a new clause ('... by senior officers and was written by')."""
    name = re.split(
        r"\s+(?:and|but)\s+(?:was|were|is|are|has|have|had|will|would)\b|\s+(?:that|which|who)\s+"
        r"|\s+(?:are|is|was|were|has|have|had|will|would|could|should|can|may|might|must|did|does|do|remains?)\b"
        r"|\s+(?:showed|shows|found|finds|concluded|concludes|revealed|reveals|said|says|identified|highlighted"
        r"|criticised|recommended|recommends|warned|led|resulted)\b",
        name,
    )[0]
    return " ".join(name.split()[:max_words])


_ANON_VICTIM = re.compile(
    r"\b(?:the\s+)?(?P<kind>death|shooting|stabbing|arrest|detention|restraint|tasering|strip[- ]search|assault)"
    r"\s+of\s+"
    r"(?P<who>an?\s+(?:\d{1,2}-year-old\s+)?(?:man|woman|boy|girl|teenager|child|pensioner|student|youth|motorist"
    r"|cyclist|pedestrian|mother|father|prisoner|detainee))\b",
    re.I,
)
_ANON_DIED = re.compile(
    r"\b(?P<who>an?\s+(?:\d{1,2}-year-old\s+)?(?:man|woman|boy|girl|teenager|child|pensioner|student|motorist"
    r"|cyclist|pedestrian|mother|father|prisoner|detainee))\s+(?:has\s+|had\s+)?died\b",
    re.I,
)
_INCIDENT_OF = re.compile(
    r"\b(?:the\s+)?(?P<kind>(?:arrest|search|stop|shooting|death|killing|murder|detention|restraint|strip[- ]search"
    r"|tasering|assault|rape|stabbing|disappearance|treatment|kidnap|abduction)"
    r"(?:\s+and\s+(?:arrest|search|detention|restraint|strip[- ]search|tasering|handcuffing))?)\s+of\s+",
    re.I,
)
_KILLER = re.compile(r"['’]s?\s+(?P<w>killer|murderer|murder|killing|death|attacker|rapist)\b", re.I)
_LEAK = re.compile(
    r"\b(?:a\s+|the\s+|an\s+)?(?P<n>leaked\s+(?:internal\s+)?(?:document|memo|report|email|letter|messages|recording|video|footage)|internal\s+memo)\b",
    re.I,
)
_PLACE_EVENT = re.compile(
    r"\b(?P<e>(?:anti-social|antisocial)\s+(?:behaviour|disturbances?)|disturbances?|riots?|disorder|protests?|raids?"
    r"|crash|collision|pursuit|chase|stabbing|shooting|attack|brawl|fight|confrontation|altercation)\s+(?:in|at|near|outside)\s+$",
    re.I,
)
_VIDEO = re.compile(
    r"\b(?:a|the)\s+(?:viral\s+)?(?P<n>video|footage|clip|recording)\s+(?:of|showing|shows|which)\b", re.I
)


def incident_kinds() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return _INCIDENT_OF, _KILLER, _LEAK, _VIDEO


def anonymous_victim() -> re.Pattern[str]:
    return _ANON_VICTIM


def anonymous_death() -> re.Pattern[str]:
    """ "a man died following contact with police": a death whose victim is not yet named."""
    return _ANON_DIED


def place_event_before(text_before: str) -> str | None:
    m = _PLACE_EVENT.search(text_before)
    return m.group("e") if m else None


# Event types whose names are phrases cut from the text (not proper names).
EVENT_TYPES = frozenset({"Incident", "Allegation", "Investigation", "Outcome"})
# Words a phrase cut from a sentence should not end on ("... and placed on", "... serve as a").
_TRAILING = frozenset(
    {
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
        "whom",
        "whose",
        "after",
        "before",
        "into",
        "onto",
        "over",
        "under",
        "his",
        "her",
        "their",
        "its",
        "our",
        "your",
        "this",
        "these",
        "those",
    }
)
# A new clause inside the phrase: "... and were instead required", "... but was later".
_NEW_CLAUSE = re.compile(
    r"\s+(?:and|but)\s+(?:was|were|is|are|has|have|had|will|would|could|should|be|been|placed|then)\b.*$", re.I
)
# A report verb closing the phrase: "... review of culture has concluded".
_REPORTING_END = re.compile(r"\s+(?:has|have|had)\s+\w+ed$", re.I)


def tidy_event_name(name: str) -> str:
    """An event's phrase without a trailing new clause or dangling function words."""
    s = re.sub(r"[\"“”]", "", name).strip().rstrip(";,:")  # scare quotes are not part of the name
    s = _NEW_CLAUSE.sub("", s)
    s = _REPORTING_END.sub("", s)
    words = s.split()
    while len(words) > 1 and words[-1].strip(",;:") in _TRAILING:  # as written: "Mr A" keeps its "A"
        words.pop()
    return " ".join(words) or name.strip()
