"""Remove page furniture that main-text extraction leaves in (or that plain-text scrapes carry).

General rules, not site lists: advert placeholders, radio-player banners, newsletter and
social prompts, "More from ..." footers and author biographies.
"""

from __future__ import annotations

import re

_WS = re.compile(r"[ \t\u00a0]+")
# Whole lines that are never article text.
_JUNK_LINE = re.compile(
    r"""^(
        \[\s*[a-z_]+\s*\d*\s*\]                                   # [ad_1], [embed]
      | (advertisement|advert|sponsored( content)?|skip\ to\ (main\ )?content)
      | (share|share\ this(\ article)?|follow\ us|subscribe|sign\ up)(\ (on|to|for)\b.*)?
      | (read|see|watch|listen)\ (more|also|next)\b.{0,80}
      | (related|recommended|trending|most\ read|popular)(\ (stories|articles|news|posts))?:?
      | (get|more|latest)\ (more\ )?(from|on)\ .{1,60}
      | click\ here\b.{0,80}
      | image\ (source|caption|copyright)\b.{0,120}
      | (copyright|©)\ .{0,120}
      | tags?:.{0,200}
    )\s*$""",
    re.I | re.X,
)
_PLAYER = re.compile(r"\b(now playing|on air|listen live|playing what you want)\b", re.I)
_NEWSLETTER = re.compile(r"\b(inbox|newsletter|sign up|subscribe|unsubscribe)\b", re.I)
_BIO_HEAD = re.compile(r"^(about the author|author|autor|auteur|written by|by the author)\s*:?\s*$", re.I)
_FOOTER_HEAD = re.compile(r"^(more from|get more from|more stories from|you may also like)\b", re.I)
_SENTENCE_END = re.compile(r"[.!?:\"”’)]\s*$")


def _short_title(line: str) -> bool:
    """A short line without sentence punctuation: a song title, a menu item, a caption."""
    words = line.split()
    return 0 < len(words) <= 6 and not _SENTENCE_END.search(line)


def clean_text(text: str) -> str:
    """The article text without furniture; paragraphs separated by blank lines are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_WS.sub(" ", ln).strip() for ln in text.split("\n")]
    out: list[str] = []
    n = len(lines)
    i = 0
    after_player = False
    while i < n:
        line = lines[i]
        if not line:
            out.append("")
            i += 1
            continue
        if i > n // 3 and len(line) < 40 and _BIO_HEAD.match(line):
            break  # an author biography runs to the end of the page
        if i > n // 2 and len(line) < 120 and _FOOTER_HEAD.match(line):
            break  # "More from ..." footers: everything after is navigation
        short = len(line) < 300  # furniture lines are short; long lines are prose
        if short and _JUNK_LINE.match(line):
            i += 1
            continue
        if short and len(line.split()) <= 14 and _PLAYER.search(line):
            after_player = True
            i += 1
            continue
        if after_player and _short_title(line):
            # the track or show title printed under a radio player banner
            i += 1
            continue
        after_player = False
        if short and len(line.split()) <= 40 and _NEWSLETTER.search(line) and not re.search(r"[\"“”]", line):
            i += 1
            continue
        out.append(line)
        i += 1
    cleaned = "\n".join(out)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    return cleaned.strip() + "\n" if cleaned.strip() else ""
