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
_COLUMNS = re.compile(r"\S\s{3,}(?=\S)")
# "By Ruth Evans", "By Ruth Evans, News Reporter", "Published 4 May 2023", "Updated: 10:02"
_BYLINE = re.compile(
    r"^(?:(?:by|written by|words by|reporter:?)\s+(?-i:[A-Z][a-z'’\-]+(?:\s+[A-Z][\w'’\-]+){1,3})(?:\s*[,|]\s*.{0,60})?"
    r"|(?:published|updated|last updated|posted)\s*:?\s+.{0,40}\d.{0,30})$",
    re.I,
)
# a photo credit glued to a caption ("Ruth EvansImage source, Some Agency") or ending it ("Pic: Some Agency")
_IMAGE_CREDIT = re.compile(r"(?:image|picture|photo)\s+(?:source|copyright|credit)\s*[,:]", re.I)
_PIC_CREDIT = re.compile(r"\s+(?:pic|picture|photo|image|credit)\s*:\s*[\w'’&.\- ]{1,40}$", re.I)
_CAPTION_HEAD = re.compile(r"^(?:image|picture|photo|video)\s+caption\s*,?\s*$", re.I)


def _short_title(line: str) -> bool:
    """A short line without sentence punctuation: a song title, a menu item, a caption."""
    words = line.split()
    return 0 < len(words) <= 6 and not _SENTENCE_END.search(line)


def clean_text(text: str) -> str:
    """The article text without furniture; paragraphs separated by blank lines are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    raw = text.split("\n")
    # breadcrumbs and menus: a few words spaced out as columns ("Home   News   Local")
    crumbs = {k for k, ln in enumerate(raw) if len(_COLUMNS.findall(ln)) >= 2 and len(ln.split()) <= 8}
    lines = [_WS.sub(" ", ln).strip() for ln in raw]
    lines = [_PIC_CREDIT.sub("", ln).rstrip() for ln in lines]
    for k in crumbs:
        lines[k] = ""
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
        if out and line == next((x for x in reversed(out) if x), None):
            i += 1  # a caption printed twice
            continue
        if short and (_BYLINE.match(line) or _IMAGE_CREDIT.search(line)):
            i += 1
            continue
        if short and _CAPTION_HEAD.match(line):
            i += 2 if i + 1 < n and len(lines[i + 1].split()) <= 25 else 1  # "Image caption," and the caption
            continue
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
