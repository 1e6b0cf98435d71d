"""The first component: the article's paragraphs and sentences, with offsets."""

from __future__ import annotations

from loaders.articles.doc import ArticleDoc
from loaders.articles.registry import component
from loaders.articles.text import paragraphs, sentences


@component("sentences")
def split(doc: ArticleDoc) -> None:
    """Paragraphs (one per line) and sentences (rule-based) of the text."""
    doc.set_sentences(paragraphs(doc.text), sentences(doc.text))
