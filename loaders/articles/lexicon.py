"""Word lists the rules use: gazetteers (places, organisations, given names), ranks, roles and cues.

The gazetteers are data files beside this module; ranks, forces and bodies come from the
project's reference tables, so a new force or rank needs no code change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from kb.identity import normalise_name
from kb.reference import Reference, reference


def words(text: str) -> list[str]:
    """The words of a block of text (long word lists are written as text blocks)."""
    return text.split()


# Words that are capitalised because they open a sentence or a heading, never names themselves.
STOP_CAPS = frozenset(
    words(
        """a an the this that these those there here it its he she they we you i his her their our my your
    in on at by for from of to with without within into onto over under after before during since until
    and but or nor so yet if when while whereas although though because as than then also however
    moreover furthermore meanwhile nevertheless instead indeed still even only just already
    what which who whom whose why how where whether all any each every some many most more much few
    several both either neither no not one two three four five six seven eight nine ten other another
    such same first second third last next new old former latest recent
    mr mrs ms miss dr sir dame lord lady
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    today yesterday tomorrow tonight
    police officer officers force forces constabulary staff public people community communities government
    according speaking asked told said says added
    chapter section part figure table summary conclusion introduction faq key points note notes update
    breaking exclusive watch read listen video photo picture image"""
    )
)

# Capitalised words that mark an organisation when they end (or sit in) a name.
ORG_CUES = frozenset(
    words(
        """coalition trust university college school academy council commission committee office department
    agency association federation union society foundation institute institution centre center group
    network charity campaign board service services authority party court ministry partnership alliance
    company ltd limited plc inc corporation bank hospital prison news newspaper magazine radio television
    tv times guardian post herald gazette echo chronicle telegraph mirror express standard press media
    fund club league project initiative unit team panel inquiry tribunal watch aid crisis"""
    )
)
# Cue words that make an organisation an oversight body rather than any organisation.
BODY_CUES = frozenset({"inspectorate", "ombudsman", "panel", "inquiry", "tribunal", "watchdog", "oversight"})
BODY_PHRASES = re.compile(
    r"\b(professional standards (department|directorate|unit|branch)|(?-i:Professional Standards)"
    r"|anti-corruption (unit|command)"
    r"|police(?:, fire)? and crime commissioner"
    r"(?: for (?:the )?(?-i:[A-Z][\w'’\-]+(?:(?: and| &)? [A-Z][\w'’\-]+){0,3}))?"
    r"|directorate of professional standards)\b",
    re.I,
)

# Role words: a person's job or standing, written before or beside the name.
ROLE_WORDS = frozenset(
    words(
        """secretary minister director chief executive chair chairman chairwoman chairperson president
    vice deputy head leader founder co-founder spokesperson spokesman spokeswoman researcher professor
    lecturer academic lawyer solicitor barrister advocate prosecutor qc kc judge coroner magistrate campaigner
    activist mp msp mla councillor cllr mayor commissioner officer manager coordinator adviser advisor
    analyst expert consultant journalist reporter editor correspondent presenter author writer
    athlete footballer player boxer sprinter singer actor actress rapper musician artist comedian
    student pupil teacher nurse doctor paramedic surgeon mother father son daughter wife husband
    partner brother sister grandmother grandfather aunt uncle cousin friend neighbour victim survivor
    witness driver resident shopkeeper businessman businesswoman entrepreneur owner worker employee
    volunteer organiser pastor imam rabbi vicar priest bishop footballer veteran campaigner
    representative member fellow trustee inspector superintendent sergeant constable detective
    governor ambassador peer baroness baron striker defender goalkeeper midfielder cricketer schoolgirl schoolboy
    teenager pensioner mum dad grandson granddaughter nephew niece fiancee fiance landlord tenant pathologist"""
    )
)
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "prof", "professor", "rev"})
# Job titles that sit in a named public body (the post's organisation).
POST_ORGS = {
    "home secretary": "Home Office",
    "policing minister": "Home Office",
    "crime and policing minister": "Home Office",
    "minister for policing": "Home Office",
    "home office minister": "Home Office",
    "justice secretary": "Ministry of Justice",
    "justice minister": "Ministry of Justice",
    "lord chancellor": "Ministry of Justice",
    "director of public prosecutions": "Crown Prosecution Service",
    "hm inspector of constabulary": "HM Inspectorate of Constabulary and Fire & Rescue Services",
    "his majesty's inspector of constabulary": "HM Inspectorate of Constabulary and Fire & Rescue Services",
    "chief inspector of constabulary": "HM Inspectorate of Constabulary and Fire & Rescue Services",
}
REPORTING_VERBS = (
    r"said|says|say|told|tells|added|adds|explained|explains|stated|states|wrote|writes|writing|warned|warns"
    r"|claimed|claims|insisted|insists|argued|argues|commented|comments|noted|notes|continued|continues"
    r"|admitted|admits|acknowledged|acknowledges|described|describes|confirmed|confirms|announced|announces"
    r"|revealed|reveals|urged|urges|called|calls|asked|asks|replied|replies|recalled|recalls|suggested|suggests"
    r"|stressed|stresses|emphasised|emphasized|highlighted|highlights|remarked|declared|conceded|believes|believed"
)


norm = lru_cache(maxsize=65536)(normalise_name)


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    area: str
    aliases: tuple[str, ...]


def _data(name: str) -> str:
    return resources.files("loaders.articles").joinpath("data", name).read_text(encoding="utf-8")


def _rows(name: str) -> list[list[str]]:
    out: list[list[str]] = []
    for line in _data(name).splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        out.append([c.strip() for c in line.split("\t")])
    return out


@cache
def places() -> dict[str, Place]:
    """Normalised name or alias -> place."""
    out: dict[str, Place] = {}
    for row in _rows("places.tsv"):
        name = re.sub(r"\s*\(.*\)$", "", row[0])
        area = row[1] if len(row) > 1 else ""
        aliases = tuple(a.strip() for a in (row[2] if len(row) > 2 else "").split(";") if a.strip())
        p = Place(name, area, aliases)
        for n in (name, *aliases):
            out.setdefault(normalise_name(n), p)
    return out


@cache
def organisations() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """Normalised name or alias -> (name, kind, aliases)."""
    out: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for row in _rows("organisations.tsv"):
        name, kind = row[0], (row[1] if len(row) > 1 else "")
        aliases = tuple(a.strip() for a in (row[2] if len(row) > 2 else "").split(";") if a.strip())
        for n in (name, *aliases):
            out.setdefault(normalise_name(n), (name, kind, aliases))
    return out


# Faker's person providers (MIT licence) for the name traditions common in the UK, besides the
# project's own list (data/given_names.txt).
_NAME_LOCALES = (
    "en", "en_GB", "en_IE", "en_IN", "en_KE", "en_NG", "en_NZ", "en_PK", "en_US", "ga_IE", "pl_PL", "ro_RO",
    "lt_LT", "it_IT", "pt_PT", "es_ES", "fr_FR", "de_DE", "tr_TR", "yo_NG", "ig_NG", "nl_NL",
)  # fmt: skip
_LATIN_NAME = re.compile(r"^[A-Z][a-zà-öø-ÿ'’\-]{2,}$")


@cache
def street_words() -> frozenset[str]:
    """Last words of street names (data/street_words.txt)."""
    return frozenset(ln.strip() for ln in _data("street_words.txt").splitlines() if ln.strip() and ln[0] != "#")


@cache
def _venues() -> dict[str, list[str]]:
    import tomllib

    got: dict[str, list[str]] = tomllib.loads(_data("venues.toml"))
    return got


def venue_words() -> frozenset[str]:
    """Last words of building and venue names (data/venues.toml), together with the street words."""
    return frozenset(_venues()["venue_words"]) | street_words()


def court_kinds() -> frozenset[str]:
    """Words before "Court" that make a court a building (data/venues.toml), lower case."""
    return frozenset(_venues()["court_kinds"])


def after_place() -> tuple[str, ...]:
    """Lower-case words after a place's name that make a building of it (data/venues.toml)."""
    return tuple(_venues()["after_place"])


@cache
def given_names() -> frozenset[str]:
    """Given names (lower case): the project's list and Faker's name lists; words that are
    capitalised only to open a sentence are left out."""
    import importlib

    names = {ln.strip().lower() for ln in _data("given_names.txt").splitlines() if ln.strip() and ln[0] != "#"}
    for loc in _NAME_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ImportError:
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            got = getattr(provider, attr, ())
            for n in got.keys() if isinstance(got, dict) else got:
                if _LATIN_NAME.match(n):
                    names.add(n.lower())
    return frozenset(names - STOP_CAPS - ROLE_WORDS)


@cache
def _gendered_names() -> tuple[frozenset[str], frozenset[str]]:
    """(female, male) given names (lower case) from the same Faker lists."""
    import importlib

    female: set[str] = set()
    male: set[str] = set()
    for loc in _NAME_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ImportError:
            continue
        for attr, into in (("first_names_female", female), ("first_names_male", male)):
            got = getattr(provider, attr, ())
            into.update(n.lower() for n in (got.keys() if isinstance(got, dict) else got))
    return frozenset(female - male), frozenset(male - female)


_HONORIFIC_GENDER = {"mr": "m", "sir": "m", "lord": "m", "ms": "f", "mrs": "f", "miss": "f", "dame": "f", "lady": "f"}


def gender_of(first_name: str, honorific: str | None = None) -> str | None:
    """Gender "f" or "m" when an honorific or a given name that is only one or the other says so, else None
    (used to resolve "he" and "she" to the person last named)."""
    if honorific:
        g = _HONORIFIC_GENDER.get(honorific.lower().rstrip("."))
        if g:
            return g
    female, male = _gendered_names()
    low = first_name.lower()
    return "f" if low in female else "m" if low in male else None


@dataclass(frozen=True, slots=True)
class RankInfo:
    canonical: str
    order: int


@cache
def ranks(ref: Reference | None = None) -> dict[str, RankInfo]:
    """Every rank name and abbreviation (normalised) -> canonical rank and seniority."""
    r = ref or reference()
    out: dict[str, RankInfo] = {}
    for rec in r.ranks:
        for n in (rec.rank, *rec.abbreviations):
            out.setdefault(normalise_name(n), RankInfo(rec.rank, rec.order))
        if rec.detective_form:
            for n in (rec.detective_form, *rec.detective_abbreviations):
                out.setdefault(normalise_name(n), RankInfo(rec.detective_form, rec.order))
    # Common written forms the table does not list.
    extra = {
        "det con": "Detective Constable",
        "det sgt": "Detective Sergeant",
        "det insp": "Detective Inspector",
        "det supt": "Detective Superintendent",
        "det ch insp": "Detective Chief Inspector",
        "police staff": "",
        "sgt": "Sergeant",
        "sergeant": "Sergeant",
        "inspector": "Inspector",
        "constable": "Police Constable",
        "chief superintendent": "Chief Superintendent",
        "superintendent": "Superintendent",
        "commissioner": "Commissioner",
        "deputy assistant commissioner": "Deputy Assistant Commissioner",
        "deputy commissioner": "Deputy Commissioner",
        "assistant commissioner": "Assistant Commissioner",
    }
    orders = {v.canonical: v.order for v in out.values()}
    for k, v in extra.items():
        if v:
            out.setdefault(k, RankInfo(v, orders.get(v, 5)))
    return out


# Abbreviations that are ordinary words or initials more often than ranks.
_AMBIGUOUS_RANKS = frozenset({"Con", "CI", "AC", "CC", "SC", "Special", "Spc"})


@cache
def rank_pattern() -> re.Pattern[str]:
    """A regex alternation of written ranks, longest first (case-sensitive first letter)."""
    # "Deputy Deputy Commissioner", "Acting Sergeant", "Temporary Chief Constable": modifiers kept with the rank
    return re.compile(rf"\b((?:(?:Acting|Temporary|Former|Deputy|Retired|Ex)[ -])*(?:{_rank_alternation()}))\.?(?=\s)")


@cache
def _rank_alternation() -> str:
    names: set[str] = set()
    for rec in reference().ranks:
        for n in (rec.rank, *rec.abbreviations, rec.detective_form, *rec.detective_abbreviations):
            if n and len(n) > 1 and n not in _AMBIGUOUS_RANKS:
                names.add(n.rstrip("."))
    names |= {"Det Con", "Det Sgt", "Det Insp", "Det Supt", "Det Ch Insp", "Supt", "Sgt", "Insp", "Cmdr"}
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


@cache
def rank_before_name() -> re.Pattern[str]:
    """A rank written before a name with a collar number between ("PC 4127 Ruth Evans"), or in the
    plural before a list of names ("PCs Ruth Evans and Ravi Shah", the second name after "and")."""
    alts = _rank_alternation()
    return re.compile(
        rf"(?:^|[\s(])(?P<rank>(?:(?:Former|former|Retired|retired|Acting|acting)\s+)?(?:{alts}))"
        rf"(?:\s+\d{{2,6}}\s+$|(?:['’]s|s)\s+$|(?:['’]s|s)\s+[A-Z][\w'’\-]+(?:\s[A-Z][\w'’\-]+){{0,3}}\s+and\s+$)"
    )


def is_given_name(word: str) -> bool:
    return word.lower() in given_names()
