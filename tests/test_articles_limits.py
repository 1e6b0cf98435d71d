"""Article input limits: UTF-16 text, size caps with clear errors, and extraction work that grows
linearly with the input (checked by counting calls, not by timing)."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from loaders.articles import ArticleLoader, extract_file, extract_text, text_source
from loaders.articles.reader import MAX_FILE_BYTES, MAX_TEXT_CHARS
from loaders.base import LoadError
from loaders.registry import loader_for

STORY = (
    "PC Jane Harlow of Kent Police was dismissed without notice after a misconduct hearing in May 2023.\n"
    'Supt Ravi Shah said: "Honesty matters to every officer."\n'
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_read(tmp_path: Path, encoding: str) -> None:
    f = tmp_path / "story.txt"
    f.write_bytes(STORY.encode(encoding))
    assert loader_for(f).name == ArticleLoader.name
    facts = extract_file(f)
    officers = {e.name for e in facts.entities if e.type == "Officer"}
    assert {"Jane Harlow", "Ravi Shah"} <= officers
    assert "force/kent" in {e.id for e in facts.entities}


def test_a_file_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    f = tmp_path / "huge.txt"
    with f.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, nothing need be read
    with pytest.raises(LoadError) as exc:
        extract_file(f)
    msg = str(exc.value)
    assert "huge.txt" in msg and f"{MAX_FILE_BYTES:,}" in msg and "\n" not in msg


def test_text_over_the_cap_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "long.txt"
    f.write_text("The officer was dismissed. " * (MAX_TEXT_CHARS // 20), encoding="utf-8")
    with pytest.raises(LoadError) as exc:
        extract_file(f)
    assert "long.txt" in str(exc.value) and "limit" in str(exc.value)
    with pytest.raises(ValueError, match="limit"):
        extract_text("x" * (MAX_TEXT_CHARS + 1), text_source("x"))


def _story(n: int, seed: int) -> str:
    """``n`` characters of article-like text: new people, bodies, quotes, figures and cases throughout."""
    rnd = random.Random(seed)

    def word() -> str:
        return "".join(rnd.choice("bcdfghklmnprstvw") + rnd.choice("aeiou") for _ in range(3)).capitalize()

    parts: list[str] = []
    size = 0
    while size < n:
        a, b, c = word(), word(), word()
        para = rnd.choice(
            [
                f"PC {a} {b} of Kent Police was dismissed after a misconduct hearing found gross misconduct proven.",
                f'{a} {b}, a researcher at the University of {c}, said: "It was wrong." {b} added more.',
                f"The {a} {b} Trust said 64 complaints were made in 2022, up 12% on the year before.",
                f"A. B. C. D. {a} {b} of the {c} Ombudsman said the Ombudsman would look again.",
                f"Allegations of sexual harassment against Sgt {a} were referred to the IOPC, which investigated.",
                f"Such as {a}, {b} and {c} Coalition; including {b} Ltd and {c} Group.",
            ]
        )
        parts.append(para)
        size += len(para) + 1
    return "\n".join(parts)


def _calls(fn: Callable[[], Any]) -> int:
    """Python and C function calls made while ``fn`` runs: a count of work done, the same on any machine."""
    count = 0

    def prof(_frame: FrameType, event: str, _arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(prof)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.slow
def test_extraction_work_grows_linearly_with_the_input() -> None:
    small, large = _story(15_000, 1), _story(60_000, 1)
    extract_text(small, text_source(small))  # warm caches (gazetteers, compiled patterns) first
    w_small = _calls(lambda: extract_text(small, text_source(small)))
    w_large = _calls(lambda: extract_text(large, text_source(large)))
    # four times the text: about four times the work (quadratic work would be sixteen times)
    assert w_large / w_small < 5.5, (w_small, w_large)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_an_article_at_the_size_cap_is_extracted_in_bounded_time() -> None:
    """A generous bound: at the cap, quadratic work in any step (even inside one C call) would take hours."""
    text = (_story(MAX_TEXT_CHARS // 2, 2) + "\n" + "A. B. " * (MAX_TEXT_CHARS // 12))[: MAX_TEXT_CHARS - 1]
    facts = extract_text(text, text_source(text))
    assert len([e for e in facts.entities if e.type == "Officer"]) > 1000


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_figure_dense_text_is_extracted_in_bounded_time() -> None:
    """Thousands of figures in a few long sentences: each sentence-wide test runs once per sentence, not
    once per figure (that was quadratic inside single regex calls, which call counts cannot see: 120 KB
    took 29 s, so this half-cap text would take many minutes)."""
    rnd = random.Random(3)
    text = "Kent Police figures show " + " ".join(
        f"{rnd.randint(1, 99)}% up on {rnd.randint(1, 99)}" for _ in range(MAX_TEXT_CHARS // 32)
    )
    facts = extract_text(text, text_source(text))
    assert sum(1 for e in facts.entities if e.type == "Statistic") >= 50  # (repeated values are one statistic)
