"""A generator of short case reports in varied wording (the project's own sentences), each with what
the report states: the officer, the force, the investigating body, the allegation's category, the
outcome's category and the dates. tests/test_case_chains.py loads them through the real pipeline.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = ["Aled", "Bethan", "Chidi", "Dana", "Elif", "Fergus", "Grainne", "Hamid", "Isla", "Jonas", "Kemi", "Lorcan",
         "Maren", "Nkechi", "Oskar", "Priya", "Quentin", "Rosalind", "Soren", "Tamsin", "Ulric", "Vesna", "Wilf",
         "Yusra", "Zoltan"]  # fmt: skip
SURNAMES = ["Abernethy", "Brackwell", "Cardew", "Dunmore", "Eskdale", "Fairlie", "Garside", "Holbrook", "Ingleby",
            "Jessop", "Kilbride", "Lanyon", "Merriman", "Northcote", "Oakshott", "Pennock", "Quarrie", "Rudd",
            "Stainton", "Threlfall", "Umpleby", "Varley", "Whitlock", "Yeadon"]  # fmt: skip
RANKS = [("PC", "Police Constable"), ("Sgt", "Sergeant"), ("DC", "Detective Constable"), ("Insp", "Inspector"),
         ("DS", "Detective Sergeant"), ("Constable", "Police Constable")]  # fmt: skip
FORCES = [("Kent Police", "force/kent"), ("Essex Police", "force/essex"), ("Merseyside Police", "force/merseyside"),
          ("Durham Constabulary", "force/durham"), ("Avon and Somerset Police", "force/avon-and-somerset"),
          ("Lancashire Constabulary", "force/lancashire"), ("Surrey Police", "force/surrey"),
          ("Norfolk Constabulary", "force/norfolk"), ("West Midlands Police", "force/west-midlands")]  # fmt: skip
# (what the panel found, the allegation category it states)
ALLEGATIONS = [
    ("used excessive force during an arrest", "excessive-force"),
    ("lied about his overtime claims", "dishonesty"),
    ("sent racist messages to colleagues", "discrimination"),
    ("accessed police systems without a policing purpose", "misuse-of-systems"),
    ("sexually harassed a junior colleague", "sexual-misconduct"),
    ("failed to investigate a report of domestic abuse", "duties-and-responsibilities"),
    ("pursued a relationship with a vulnerable victim for a sexual purpose", "sexual-misconduct"),
    ("made false statements in a witness account", "dishonesty"),
    ("shared offensive messages in a group chat", "inappropriate-social-media"),
    ("bullied a probationer over several months", "bullying"),
]
# (how the outcome is written, its category)
OUTCOMES = [
    ("was dismissed without notice", "dismissed-without-notice"),
    ("was given a final written warning", "final-written-warning"),
    ("received a written warning", "written-warning"),
    ("was sacked", "dismissal"),
    ("was placed on the barred list", "barred-list"),
    ("was reduced in rank", "reduction-in-rank"),
]
HEARINGS = ["a gross misconduct hearing", "a misconduct hearing", "an accelerated misconduct hearing",
            "a disciplinary hearing", "a misconduct panel"]  # fmt: skip
# (how the investigation is written, the body's id, whether the body is the force's own department)
INVESTIGATORS = [
    ("The IOPC investigated the case.", "body/iopc"),
    ("The Independent Office for Police Conduct carried out the investigation.", "body/iopc"),
    ("The case had been investigated by the Independent Office for Police Conduct.", "body/iopc"),
    ("The force's Professional Standards Department investigated.", "psd"),
    ("An investigation was carried out by the force's Professional Standards Department.", "psd"),
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class CaseReport:
    """One generated report and what it states."""

    text: str
    officer: str  # the officer's name as the report gives it
    force_id: str
    body: str  # "body/iopc" or "psd" (the force's Professional Standards Department)
    allegation: str  # allegation-category key
    outcome: str  # outcome-category key
    date: str  # the hearing's month ("2023-05") or day
    precision: str


def reports(n: int = 120, seed: int = 7) -> list[CaseReport]:
    """``n`` case reports, every wording pattern below used many times over."""
    rnd = random.Random(seed)
    out: list[CaseReport] = []
    for k in range(n):
        first, last = rnd.choice(FIRST), rnd.choice(SURNAMES)
        rank, _ = rnd.choice(RANKS)
        force, fid = rnd.choice(FORCES)
        found, acat = rnd.choice(ALLEGATIONS)
        outcome, ocat = rnd.choice(OUTCOMES)
        hearing = rnd.choice(HEARINGS)
        inv, body = rnd.choice(INVESTIGATORS)
        year = rnd.choice([2019, 2020, 2021, 2022, 2023, 2024])
        month = rnd.randrange(12)
        day = rnd.randrange(1, 28)
        if k % 2:
            when, date, prec = f"in {MONTHS[month]} {year}", f"{year}-{month + 1:02d}", "month"
        else:
            when, date, prec = f"on {day} {MONTHS[month]} {year}", f"{year}-{month + 1:02d}-{day:02d}", "day"
        pron = rnd.choice(["he", "she"])
        name = f"{rank} {first} {last}"
        shape = k % 5
        if shape == 0:
            text = f"{name} of {force} {outcome} after {hearing} {when} found {pron} had {found}.\n{inv}\n"
        elif shape == 1:
            text = (
                f"A {force} officer {outcome} after {hearing} {when}.\n"
                f"The panel found that {name} had {found}.\n"
                f"{inv}\n"
            )
        elif shape == 2:
            text = (
                f"{inv}\n"
                f"{hearing[0].upper()}{hearing[1:]} {when} heard that {name}, who serves with {force}, had {found}.\n"
                f"The officer {outcome}.\n"
            )
        elif shape == 3:
            text = (
                f"{name}, a {force} officer, faced {hearing} {when} accused of having {found}.\n"
                f"The allegations were proven and {pron} {outcome}.\n"
                f"{inv}\n"
            )
        else:
            text = (
                f"Following an investigation, {name} of {force} {outcome} {when}.\n"
                f"{hearing[0].upper()}{hearing[1:]} found {pron} had {found}.\n"
                f"{inv}\n"
            )
        out.append(CaseReport(text, f"{first} {last}", fid, body, acat, ocat, date, prec))
    return out
