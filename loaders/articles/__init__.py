"""Article loader: news stories and press releases (.txt, .md, .html) to facts with evidence.

``extract_file`` reads one article; ``extract_text`` runs the extractors over text already in
hand; :class:`ArticleLoader` is the loader the registry picks for article files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kb.identity import make_id
from kb.model import Entity, Facts, Props
from loaders.articles.clean import clean_text
from loaders.articles.pipeline import extract
from loaders.articles.reader import MAX_TEXT_CHARS, MEDIA_TYPES, SUFFIXES, Document, read_file, utf16_encoding
from loaders.base import LoadError, looks_binary

__all__ = ["ArticleLoader", "extract_file", "extract_text", "source_entity"]


def _headline(text: str) -> str | None:
    """The first line when it reads like a headline (short, no closing full stop)."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first and len(first.split()) <= 25 and not first.endswith((".", ":", "?", "!")):
        return first
    return None


def source_entity(doc: Document, file: str | None = None) -> Entity:
    """The Source entity of an article: id from its URL when known, else from its content hash."""
    url = doc.meta.get("url")
    key = url if url else f"article-{doc.sha256[:24]}"
    title = doc.meta.get("title") or _headline(doc.text)
    props: Props = {"sha256": doc.sha256, "sourceKind": "article", "format": MEDIA_TYPES.get(doc.format, "text/plain")}
    if title:
        props["title"] = title
    for k in ("url", "publisher", "published"):
        if doc.meta.get(k):
            props[k] = doc.meta[k]
    if file:
        props["file"] = file
    name = title or file or key
    return Entity(id=make_id("Source", key, key=key), type="Source", name=name[:200], props=props)


def extract_text(text: str, source: Entity) -> Facts:
    """Facts of an article's text (furniture lines removed), cited to ``source``; ValueError for text
    longer than an article can be (MAX_TEXT_CHARS)."""
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"article text is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    return extract(clean_text(text), source)


def extract_file(path: Path) -> Facts:
    """Read and extract one article file; LoadError (naming the file) when it is not an article."""
    path = Path(path)
    doc = read_file(path)
    src = source_entity(doc, file=path.name)
    try:
        return extract(doc.text, src)
    except RecursionError:  # pathological input: report it as a load error, never a crash
        raise LoadError(path, "text too deeply nested to extract") from None


def text_source(text: str, title: str | None = None, url: str | None = None) -> Entity:
    """A Source entity for text that did not come from a file."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    meta = {k: v for k, v in (("title", title), ("url", url)) if v}
    return source_entity(Document(text=text, sha256=sha, format="text", meta=meta))


class ArticleLoader:
    """Loads article files: plain text, Markdown (with front matter) and HTML."""

    name = "article"

    def accepts(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in SUFFIXES and (utf16_encoding(head) is not None or not looks_binary(head))

    def load(self, path: Path) -> list[Facts]:
        return [extract_file(path)]
