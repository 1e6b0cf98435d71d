"""Quotes and their speakers: the quotations (loaders.articles.quotes) attributed to a person, a body,
or a spokesperson speaking for one; pronouns and "the force" resolved to the entity last named."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from kb.identity import hashed_id, make_id
from kb.model import Evidence
from loaders.articles import lexicon as lx
from loaders.articles.doc import ArticleDoc
from loaders.articles.quotes import Candidate, QuoteSpan, find_quotes, pick_speaker
from loaders.articles.registry import component
from loaders.articles.text import Sentence


@cache
def _short_quote_cue() -> re.Pattern[str]:
    """What makes two words in quote marks somebody's words, not a scare quote: a reporting verb, a label
    word or another cue of data/speakers.toml."""
    p = _patterns()
    return re.compile(rf"\b(?:{lx.REPORTING_VERBS}|{p['label_cue'].pattern}|{p['short_quote_cue'].pattern})\b", re.I)


SPEAKER_TYPES = {"Person", "Officer", "PoliceForce", "OversightBody", "Organisation", "Programme"}

_FORCE_NOMINAL = re.compile(
    r"\b(?:the|this|our)\s+(?:police\s+)?(?:force|constabulary|agency|police agency|police service)\b", re.I
)

_SPOKES = re.compile(
    r"\b(?:[Aa]|[Tt]he)\s+(?:(?P<org>[A-Z][\w'’&\- ]{1,60}?)\s+|(?P<force>police|force|constabulary)\s+)?"
    r"(?P<kind>spokesperson|spokesman|spokeswoman|spokespeople|statement)\b"
)

_DOC = re.compile(
    r"\b(?:the|this|that|an?)\s+(?:internal\s+|leaked\s+)?(?:document|memo|report|letter|email|note|briefing)\b", re.I
)

_DOC_AUTHOR = re.compile(r"\b(?:written|sent|authored|drafted|signed|prepared)\s+by\b", re.I)

_PRONOUN = re.compile(
    rf"(?:^|(?<=[\s,;:]))(?P<p>he|she|it|they)\s+(?:also\s+|later\s+|then\s+)?(?:{lx.REPORTING_VERBS})\b", re.I
)


# a personal pronoun later in a sentence that names one person, which shows that person's gender
_LATER_PRONOUN = re.compile(r"\b(he|him|his|she|her)\b", re.I)

# "the chief constable", "the Deputy Commissioner": a rank written without a name (looked up in the rank table)
_RANK_NOMINAL = re.compile(r"\b[Tt]he\s+(?P<r>[A-Za-z]+(?:\s+[A-Za-z]+){0,3})")

# how a paragraph of prose ends (captions and headings end without punctuation)
_CLOSED = re.compile(r"[.!?:;\"“”‘’')\]…]\s*$")

# reporting verbs of a plain statement of what someone said, which the next paragraph's quotation continues
_SAID_PLAIN = re.compile(r"\b(?:said|says|told|added|explained|stated|warned|insisted|argued)\b")

_GOES_ON = re.compile(r"\b(?:added|adds|continued|continues|went\s+on)\b", re.I)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    """The speaker patterns of data/speakers.toml, compiled once per process."""
    raw = resources.files("loaders.articles").joinpath("data", "speakers.toml").read_text(encoding="utf-8")
    return {k: re.compile(v, re.I) for k, v in tomllib.loads(raw).items() if isinstance(v, str)}


@dataclass(slots=True)
class _Memory:
    """What the quotes component remembers while it reads: who was last named, who wrote the document."""

    last_person: str | None = None
    last_org: str | None = None
    last_body: str | None = None
    last_it: str | None = None
    doc_author: str | None = None
    _by_word: dict[str, str] | None = None
    last_female: str | None = None
    last_male: str | None = None
    last_officer: str | None = None
    _genders: dict[str, str | None] | None = None
    last_speaker: str | None = None  # the person who spoke last, and in which paragraph
    last_speaker_para: int = -10
    named_since: set[str] = field(default_factory=set)  # people named (outside quotes) since they spoke
    _surnames: dict[str, str] | None = None
    _holders: dict[str, str] | None = None
    _ranked: dict[str, str] | None = None

    def surnames(self, doc: ArticleDoc) -> dict[str, str]:
        """Each named person's last name -> the person, when only one person has it (built once)."""
        if self._surnames is None:
            seen: dict[str, list[str]] = {}
            for eid, e in doc.ents.items():
                if e.type in {"Person", "Officer"} and " " in e.name and not e.props.get("anonymised"):
                    seen.setdefault(e.name.split()[-1], []).append(eid)
            self._surnames = {k: v[0] for k, v in seen.items() if len(v) == 1 and k[:1].isupper()}
        return self._surnames

    def holder(self, doc: ArticleDoc, org: str, post: str) -> str | None:
        """The one person the article says holds ``post`` ("the police and crime commissioner": whoever
        holds a post in ``org``, else the one person whose title ends with the same word)."""
        if self._holders is None:
            got: dict[str, set[str]] = {}
            for r in doc.rels.values():
                src = doc.ents[r.source]
                if r.type == "HOLDS_POST" and src.type in {"Person", "Officer"} and not src.props.get("anonymised"):
                    got.setdefault(r.target, set()).add(r.source)
                    title = str(r.props.get("title") or "").lower().split()
                    if title:
                        got.setdefault("title:" + title[-1], set()).add(r.source)
            self._holders = {k: next(iter(v)) for k, v in got.items() if len(v) == 1}
        head = post.lower().split()[-1] if post.strip() else ""
        return self._holders.get(org) or self._holders.get("title:" + head)

    def of_rank(self, doc: ArticleDoc, words: str) -> str | None:
        """The one officer of the article with the rank ``words`` names ("the chief constable"), else None."""
        info = lx.ranks().get(lx.norm(words))
        if info is None or not info.canonical:
            return None
        if self._ranked is None:
            got: dict[str, set[str]] = {}
            for eid, e in doc.ents.items():
                r = lx.ranks().get(lx.norm(str(e.props.get("rank") or "")))
                if e.type == "Officer" and r and not e.props.get("anonymised"):
                    got.setdefault(r.canonical, set()).add(eid)
            self._ranked = {k: next(iter(v)) for k, v in got.items() if len(v) == 1}
        return self._ranked.get(info.canonical)

    def gender(self, doc: ArticleDoc, eid: str) -> str | None:
        """A person's gender as the article shows it (an honorific, else a given name used for one only)."""
        if self._genders is None:
            self._genders = {}
        if eid not in self._genders:
            e = doc.ents[eid]
            hon = next((m.extra.get("honorific") for m in e.mentions if m.extra.get("honorific")), None)
            self._genders[eid] = lx.gender_of(e.name.split()[0], hon) if " " in e.name or hon else None
        return self._genders[eid]

    def learn_gender(self, doc: ArticleDoc, eid: str, pronoun: str) -> None:
        """The gender the article's pronoun shows for a person whose name did not ("PC A said he ...")."""
        if self.gender(doc, eid) is None and self._genders is not None:
            self._genders[eid] = "m" if pronoun.lower() in {"he", "him", "his"} else "f"
            if self.last_person == eid:
                self.saw_person(doc, eid)

    def saw_person(self, doc: ArticleDoc, eid: str) -> None:
        self.last_person = eid
        if doc.ents[eid].type == "Officer":
            self.last_officer = eid
        g = self.gender(doc, eid)
        if g == "f":
            self.last_female = eid
        elif g == "m":
            self.last_male = eid

    def last_of(self, gender: str) -> str | None:
        """The last person named of that gender, else the last person named when their gender is unknown."""
        known = self.last_female if gender == "f" else self.last_male
        if self.last_person and self._genders is not None and self._genders.get(self.last_person) is None:
            return self.last_person if known is None else known
        return known or (self.last_person if self._genders is None else None)

    def body_word(self, doc: ArticleDoc) -> dict[str, str]:
        """Each word of a body's or organisation's name -> the first such entity (built once)."""
        if self._by_word is None:
            self._by_word = {}
            for eid, e in doc.ents.items():
                if e.type in {"OversightBody", "Organisation"}:
                    for w in e.name.lower().split():
                        self._by_word.setdefault(w, eid)
        return self._by_word


def spokesperson(doc: ArticleDoc, org: str, start: int, end: int) -> str:
    """The (unnamed) spokesperson of ``org`` in this article: a person holding that post there."""
    name = f"a spokesperson for {doc.ents[org].name}"
    pid = make_id("Person", name, key=f"{name} {doc.skey}")
    evd = doc.evidence(start, end, 0.7)
    e = doc.entity(pid, "Person", name, evd)
    e.props.setdefault("role", "spokesperson")
    e.props.setdefault("anonymised", True)
    doc.relate("HOLDS_POST", pid, org, evd, title="spokesperson")
    return pid


def speaker_candidates(doc: ArticleDoc, mem: _Memory, i: int) -> list[Candidate]:
    s = doc.sents[i]
    pat = _patterns()
    out: list[Candidate] = []
    for mt, eid in doc.ids_in_sentence(i, SPEAKER_TYPES):
        typ = doc.ents[eid].type
        if pat["possessive"].match(doc.text, mt.end):
            continue  # "Mr Phelps' Police Federation representative said": not Mr Phelps
        key = eid
        if (
            typ not in {"Person", "Officer"}
            and mt.text[:1].islower()
            and pat["post_nominal"].search(doc.text, max(0, mt.start - 6), mt.start)
        ):
            key = mem.holder(doc, eid, mt.text) or eid  # "the police and crime commissioner added": its holder
        out.append(Candidate(key, mt.start, mt.end, doc.ents[key].type in {"Person", "Officer"}))
    if not any(c.person for c in out):
        # "CC Kelly said": a person already named, by a last name the name finder did not take here
        names = mem.surnames(doc)
        for w in re.finditer(r"\b[A-Z][\w'’\-]+\b", s.text):
            pid = names.get(w.group(0))
            if pid and not pat["possessive"].match(s.text, w.end()):
                out.append(Candidate(pid, s.start + w.start(), s.start + w.end(), True))
    bodies = [c.key for c in out if doc.ents[c.key].type == "OversightBody"]
    for w in pat["body_nominal"].finditer(s.text):
        body = bodies[0] if bodies else mem.last_body
        if body:
            out.append(Candidate(body, s.start + w.start(), s.start + w.end(), False))
    if doc.primary_force:
        for m in _FORCE_NOMINAL.finditer(s.text):
            if not pat["possessive"].match(s.text, m.end()):
                out.append(Candidate(doc.primary_force, s.start + m.start(), s.start + m.end(), False))
    for m in _SPOKES.finditer(s.text):
        a, b = s.start + m.start(), s.start + m.end()
        if any(c.person and 0 <= a - c.end <= 2 and doc.text[c.end : a].strip() == "," for c in out):
            continue  # "Ruth Evans, a spokesperson for Liberty, said": the named person speaks
        org: str | None = None
        if m.group("force"):
            org = doc.primary_force  # "a police spokesman": the force the article is about
        elif m.group("org"):
            # "A Home Office spokesperson": the organisation named inside the phrase
            org = next((c.key for c in out if a <= c.start < b and not c.person), None)
            if org is None:
                continue
        else:
            org = mem.last_org
            fm = re.match(r"\s+(?:for|from|at)\s+(?:the\s+)?([A-Za-z]+)\b", s.text[m.end() :])
            if fm:  # "a spokesperson for the commissioner": the body whose name has that word
                noun = fm.group(1).lower()
                after = next((c.key for c in out if b < c.start <= b + 12 and not c.person), None)
                org = after or (
                    doc.primary_force if noun in {"force", "constabulary"} else mem.body_word(doc).get(noun, org)
                )
        if org is None:
            continue
        if m.group("kind").lower() == "statement":
            out.append(Candidate(org, a, b, False))
            continue
        # a spokesperson is a person speaking for the organisation: "a spokesperson for Suffolk Constabulary"
        out = [c for c in out if not (a <= c.start < b and c.key == org)]
        out.append(Candidate(spokesperson(doc, org, a, b), a, b, True))
    for m in _RANK_NOMINAL.finditer(s.text):
        # "The Chief Constable said": the one officer of that rank the article names
        if any(c.start <= s.start + m.start("r") < c.end for c in out):
            continue
        words = m.group("r").split()
        for k in range(len(words), 0, -1):
            rest = s.text[m.start("r") :].split(None, k)
            if len(rest) > k and rest[k][:1].isupper():
                continue  # "the Chief Constable Jane Smith": a name follows, which the name finder took
            pid = mem.of_rank(doc, " ".join(words[:k]))
            if pid:
                out.append(Candidate(pid, s.start + m.start(), s.start + m.start("r") + len(" ".join(words[:k])), True))
                break
    for m in pat["officer_nominal"].finditer(s.text):
        # "The officer said:": the officer who has been speaking, else the officer last named
        target = mem.last_speaker if mem.last_speaker and doc.ents[mem.last_speaker].type == "Officer" else None
        target = target or mem.last_officer
        if target and not any(c.start <= s.start + m.start() < c.end for c in out):
            out.append(Candidate(target, s.start + m.start(), s.start + m.end(), True))
    for m in _DOC.finditer(s.text):
        if mem.doc_author:
            out.append(Candidate(mem.doc_author, s.start + m.start(), s.start + m.end(), True))
        elif m.group(0).lower().endswith("report") and mem.last_body:
            # "The report said:": a report nobody is said to have written is the oversight body's own
            out.append(Candidate(mem.last_body, s.start + m.start(), s.start + m.end(), False))
    for m in _PRONOUN.finditer(s.text):
        p = m.group("p").lower()
        target = None
        if p in {"he", "she"}:
            want = "m" if p == "he" else "f"
            pos = s.start + m.start("p")
            # the person this sentence names before the pronoun, else the last one named, of that gender
            before = [
                eid
                for x, eid in doc.ids_in_sentence(i, {"Person", "Officer"})
                if x.end <= pos and mem.gender(doc, eid) in {want, None}
            ]
            target = before[-1] if before else mem.last_of(want)
            # "..., he added": the person who spoke last, when nobody of that gender was named since
            if (
                not before
                and mem.last_speaker
                and i > 0
                and doc.sents[i].para - mem.last_speaker_para <= 3
                and mem.gender(doc, mem.last_speaker) in {want, None}
                and (
                    _GOES_ON.search(m.group(0))  # "he added": whoever was speaking goes on
                    or not any(mem.gender(doc, x) in {want, None} for x in mem.named_since - {mem.last_speaker})
                )
            ):
                target = mem.last_speaker
        elif p in {"it", "they"}:
            target = mem.last_it
        if target:
            out.append(Candidate(target, s.start + m.start("p"), s.start + m.end("p"), p in {"he", "she"}))
    out.sort(key=lambda c: c.start)
    return out


@component("quotes")
def quotes(doc: ArticleDoc) -> None:
    """Quotations and their speakers (a person, a body, or a spokesperson for one)."""
    qs = find_quotes(doc.text, doc.paras)
    doc.quote_spans = qs
    mem = _Memory()
    by_sent: dict[int, list[QuoteSpan]] = {}
    for q in qs:
        by_sent.setdefault(doc.sent_index(q.start), []).append(q)
    prev_speaker: str | None = None
    prev_para = -10
    last_q: tuple[str, int] | None = None  # the last quotation attributed, and its paragraph
    attributed: set[str] = set()
    for i, s in enumerate(doc.sents):
        in_s = by_sent.get(i, [])
        cands = speaker_candidates(doc, mem, i) if in_s else []
        for q in in_s:
            said = lx.norm(q.text)
            if said in attributed:
                continue  # the same words quoted again (a subheading repeating the story's quote)
            if (
                q.opens_paragraph
                and _whole_paragraph(doc, q)
                and len(q.text.split()) <= 6
                and not q.text.rstrip("'\"’”").endswith((".", "!", "?"))
            ):
                continue  # a quoted subheading ("'Wholly unconvincing'"): the words are quoted again below
            n_words = len(q.text.split())
            short = n_words <= 2
            if short and not _short_quote_cue().search(s.text):
                continue  # a word or two in quote marks with nobody saying it: a scare quote
            if n_words == 1 and not _patterns()["label_cue"].search(s.text):
                continue  # one word picked out ("had been 'shameful'") is a label unless someone called it that
            sp = pick_speaker(s, q, cands, in_s)
            if sp is None and q.opens_paragraph and i > 0 and doc.sents[i - 1].text.rstrip().endswith(":"):
                prev = doc.sents[i - 1]
                pc = speaker_candidates(doc, mem, i - 1)
                fake = QuoteSpan(prev.end + 1, prev.end + 1, "", q.para, False)  # as if its mark followed
                sp = pick_speaker(prev, fake, pc, [])
            speaker = sp.key if sp else None
            if speaker is None and not short and q.opens_paragraph and i > 0:
                # "Jane Smith said the report was worrying." then a paragraph in quote marks: her words
                speaker = _reporter(doc, mem, i - 1, q.para, by_sent)
            if speaker is None and not short and q.opens_paragraph and prev_speaker and q.para - prev_para <= 2:
                speaker = prev_speaker
            if speaker is None:
                if last_q and last_q[1] == q.para and _whole_sentence(s, q):
                    # '"...," she said. "We are proud of them."': one quotation broken by its attribution
                    extend_quote(doc, last_q[0], q)
                    attributed.add(said)
                continue
            last_q = (add_quote(doc, q, speaker, i), q.para)
            attributed.add(said)
            prev_speaker = speaker
            prev_para = q.para
            if doc.ents[speaker].type in {"Person", "Officer"}:
                mem.last_speaker, mem.last_speaker_para = speaker, q.para
                mem.named_since = set()
        # memory for pronouns and nominals, from the words outside quotes
        free = [(m, eid) for m, eid in doc.ids_in_sentence(i) if not any(q.start <= m.start < q.end for q in in_s)]
        # a line with no closing punctuation (a caption, a heading) does not say who "he" or "she" is
        prose = bool(_CLOSED.search(doc.paras[s.para].text))
        spoken_to = _patterns()["spoken_to"]
        for m, eid in free:
            t = doc.ents[eid].type
            if t in {"Person", "Officer"}:
                if not prose:
                    continue
                if len(free) > 1 and spoken_to.search(doc.text[max(s.start, m.start - 60) : m.start]):
                    continue  # "X told BBC Radio's Y that ...": Y is not who "he" will be
                mem.saw_person(doc, eid)
                mem.named_since.add(eid)
            elif t in {"Organisation", "OversightBody", "PoliceForce", "Programme"}:
                mem.last_org = eid
                if t == "OversightBody":
                    mem.last_body = eid
        people = [(m, eid) for m, eid in free if doc.ents[eid].type in {"Person", "Officer"}]
        if len({eid for _m, eid in people}) == 1:
            later = {
                "m" if p.group(1).lower() in {"he", "him", "his"} else "f"
                for p in _LATER_PRONOUN.finditer(doc.text, people[0][0].end, s.end)
            }
            if len(later) == 1:
                mem.learn_gender(doc, people[0][1], "he" if later == {"m"} else "she")
        if free:
            first_id = free[0][1]
            if doc.ents[first_id].type in {"Organisation", "OversightBody", "PoliceForce", "Programme"}:
                mem.last_it = first_id
        if ("by" in s.text and _DOC_AUTHOR.search(s.text)) and _DOC.search(s.text):
            persons = [eid for m, eid in free if doc.ents[eid].type in {"Person", "Officer"}]
            if persons:
                mem.doc_author = persons[-1]
        if mem.doc_author and _DOC.match(s.text.lstrip()):
            mem.last_it = mem.doc_author


def _reporter(doc: ArticleDoc, mem: _Memory, j: int, para: int, by_sent: dict[int, list[QuoteSpan]]) -> str | None:
    """Who sentence ``j`` (the last of the paragraph before ``para``, with no quotation) says said something
    ("Jane Smith said the report was worrying"), else None."""
    prev = doc.sents[j]
    if prev.para != para - 1 or by_sent.get(j) or not _SAID_PLAIN.search(prev.text):
        return None
    fake = QuoteSpan(prev.end + 1, prev.end + 1, "", para, False)
    sp = pick_speaker(prev, fake, speaker_candidates(doc, mem, j), [])
    return sp.key if sp else None


def _whole_paragraph(doc: ArticleDoc, q: QuoteSpan) -> bool:
    p = doc.paras[q.para]
    return not doc.text[q.end : p.end].strip(" '\"’”.")


def _whole_sentence(s: Sentence, q: QuoteSpan) -> bool:
    """The sentence is the quotation and nothing else (its marks and punctuation aside)."""
    head = s.text[: max(0, q.start - 1 - s.start)]
    tail = s.text[q.end + 1 - s.start :]
    return not head.strip() and not tail.strip(" .,;:!?'\"’”")


def extend_quote(doc: ArticleDoc, qid: str, q: QuoteSpan) -> None:
    """Add the words of ``q`` to the quotation ``qid`` it continues."""
    e = doc.ents[qid]
    e.props["text"] = f"{e.props.get('text', '')} {q.text}".strip()
    doc.entity(
        qid,
        "Quote",
        e.name,
        Evidence(doc.sid, quote=q.text[:1000], start=q.start, end=q.end, method="rule", confidence=0.7),
    )


def add_quote(doc: ArticleDoc, q: QuoteSpan, speaker: str, i: int) -> str:
    text = q.text
    words = text.split()
    name = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
    qid = hashed_id("Quote", speaker, lx.norm(text))
    evd = Evidence(doc.sid, quote=text[:1000], start=q.start, end=q.end, method="rule", confidence=0.8)
    e = doc.entity(qid, "Quote", name, evd)
    e.props["text"] = text
    doc.relate("SAID", speaker, qid, evd)
    return qid


# -- events ---------------------------------------------------------------------------
