"""Read an article file into clean main text plus whatever metadata it states.

Text and Markdown files may open with YAML front matter (title, url, publisher, published);
HTML goes through trafilatura for the main text and the page metadata. Page furniture that
survives (advert markers, radio banners, newsletter blurbs, author biographies, "More from"
footers) is removed line by line by :mod:`loaders.articles.clean`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from loaders.articles.clean import clean_text
from loaders.base import LoadError, looks_binary

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES

MEDIA_TYPES = {"text": "text/plain", "markdown": "text/markdown", "html": "text/html"}

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.M)
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+", re.M)
# An article is a few thousand words; these caps keep a mistaken or hostile file from tying up a load.
MAX_FILE_BYTES = 20 * 1024 * 1024  # HTML pages carry markup, scripts and styles besides the text
MAX_TEXT_CHARS = 1_000_000  # the main text, after markup and furniture are removed
_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_DATE_PATTERNS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%d/%m/%Y", "%Y/%m/%d")


@dataclass(slots=True)
class Document:
    """An article ready for extraction."""

    text: str
    sha256: str
    format: str  # "text", "markdown" or "html"
    meta: dict[str, str] = field(default_factory=dict)


def iso_date(value: object) -> str | None:
    """An ISO date (YYYY-MM-DD) from a front-matter or metadata value, else None."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    s = value.strip()
    m = re.match(r"(\d{4}-\d{2}-\d{2})", s)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            return None
    s = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    for pat in _DATE_PATTERNS:
        try:
            return dt.datetime.strptime(s, pat).date().isoformat()
        except ValueError:
            continue
    return None


def utf16_encoding(head: bytes) -> str | None:
    """The UTF-16 byte order of text that starts with a byte-order mark, or whose NUL bytes fall in
    every other place (UTF-16 written without one); None for anything else."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    sample = head[: len(head) // 2 * 2][:4096]
    if len(sample) >= 8:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
    return None


def decode(data: bytes, path: Path | str) -> str:
    """Bytes to text: UTF-8 when valid, UTF-16 when it says so, else the detected charset; LoadError
    when none works."""
    if not data.strip():
        raise LoadError(path, "empty file: no article text")
    enc16 = utf16_encoding(data[:8192])
    if enc16:
        try:
            text16 = data.decode(enc16).lstrip("\ufeff")
        except UnicodeDecodeError:
            raise LoadError(path, f"cannot decode the text: it looks like {enc16.upper()} but is not") from None
        if not text16.strip():
            raise LoadError(path, "empty file: no article text")
        return text16
    if looks_binary(data[:8192]):
        raise LoadError(path, "binary file, not an article (text, Markdown or HTML expected)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise LoadError(path, "cannot decode the text: not UTF-8 and no other character set fits")
    text = str(best)
    # Detected text that is mostly control or replacement characters is not prose.
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    if bad > max(3, len(text) // 50):
        raise LoadError(path, f"cannot decode the text: detected {best.encoding} but the result is not text")
    return text


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(metadata, body) from YAML front matter; a malformed block is kept as text."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    meta: dict[str, str] = {}
    for key in ("title", "url", "publisher", "source", "site", "author"):
        v = data.get(key)
        if isinstance(v, str | int | float) and str(v).strip():
            meta["publisher" if key in {"source", "site"} else key] = str(v).strip()
    for key in ("published", "date", "published_at", "pubdate"):
        if key in data:
            d = iso_date(data[key])
            if d:
                meta["published"] = d
                break
    return meta, text[m.end() :]


def markdown_to_text(text: str) -> str:
    """Plain text of simple Markdown: headings, emphasis, links and bullets unwrapped."""
    text = _MD_HEADING.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPH.sub(r"\2", text)
    return _MD_BULLET.sub("", text)


def html_to_text(html: str, path: Path | str) -> tuple[str, dict[str, str]]:
    """Main text and metadata of an HTML page (trafilatura)."""
    import trafilatura

    meta: dict[str, str] = {}
    try:
        body = trafilatura.extract(html, include_comments=False, include_tables=True, favor_precision=True)
        if not body:
            body = trafilatura.extract(html, include_comments=False, favor_recall=True)
        md = trafilatura.extract_metadata(html)
    except Exception as exc:  # trafilatura raises assorted parser errors on broken markup
        raise LoadError(path, f"cannot parse the HTML: {type(exc).__name__}") from None
    if md is not None:
        for key, attr in (("title", "title"), ("url", "url"), ("publisher", "sitename"), ("author", "author")):
            v = getattr(md, attr, None)
            if isinstance(v, str) and v.strip():
                meta[key] = v.strip()
        d = iso_date(getattr(md, "date", None))
        if d:
            meta["published"] = d
    return body or "", meta


def read_document(data: bytes, path: Path | str, suffix: str | None = None) -> Document:
    """Decode, unwrap and clean an article's bytes."""
    sfx = (suffix if suffix is not None else Path(path).suffix).lower()
    raw = decode(data, path)
    sha = hashlib.sha256(data).hexdigest()
    looks_html = sfx in HTML_SUFFIXES or (
        sfx not in MARKDOWN_SUFFIXES | TEXT_SUFFIXES and re.match(r"\s*<(!doctype html|html)", raw, re.I)
    )
    if looks_html:
        body, meta = html_to_text(raw, path)
        fmt = "html"
    else:
        meta, body = split_front_matter(raw)
        fmt = "markdown" if sfx in MARKDOWN_SUFFIXES else "text"
        if fmt == "markdown":
            body = markdown_to_text(body)
    body = clean_text(body)
    if not body.strip():
        raise LoadError(path, "no article text after removing markup and page furniture")
    if len(body) > MAX_TEXT_CHARS:
        raise LoadError(
            path, f"article text is {len(body):,} characters; the limit is {MAX_TEXT_CHARS:,} (one article per file)"
        )
    return Document(text=body, sha256=sha, format=fmt, meta=meta)


def read_file(path: Path) -> Document:
    """Read an article file; LoadError (naming the file) when it cannot be read as an article."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(path, f"file is {size:,} bytes; an article file may be at most {MAX_FILE_BYTES:,} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read: {exc.strerror or exc}") from None
    return read_document(data, path)
