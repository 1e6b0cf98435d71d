"""The article extractor as a pipeline of small registered components.

Each component is a function ``(doc: ArticleDoc) -> None`` registered under a name
(loaders.articles.registry); it reads what earlier components left on the doc and adds its own
part. ``extract`` runs them in the default order; ``run`` runs any selection, so each component
can be tested on its own:

sentences  paragraphs and sentences with offsets
names      mentions of forces, bodies, people, organisations, places -> entities
people     officers' forces and posts, people's posts and memberships
places     forces to the places they cover, programmes to partner forces
quotes     quotations and their speakers
events     incidents, allegations, investigations (hearings, trials, reviews) and outcomes
relations  the case chains and the bodies around them (referrals, oversight)
figures    statistics with subject, measure and period
"""

from __future__ import annotations

from collections.abc import Iterable

from kb.model import Entity, Facts
from loaders.articles import (  # noqa: F401 - imported for their registrations
    cases,
    chains,
    figures,
    names,
    people,
    places,
    sentences,
    speakers,
)
from loaders.articles.doc import ArticleDoc
from loaders.articles.registry import REGISTRY, Registered

ORDER = ("sentences", "names", "people", "places", "quotes", "events", "relations", "figures")


def components() -> dict[str, Registered]:
    """Every registered component by name."""
    return dict(REGISTRY)


def run(text: str, source: Entity, selection: Iterable[str] = ORDER) -> ArticleDoc:
    """Run the named components, in the order given, over ``text``."""
    doc = ArticleDoc(text, source)
    for n in selection:
        REGISTRY[n].func(doc)
    return doc


def extract(text: str, source: Entity) -> Facts:
    """The facts of one article's text, cited to ``source``."""
    return run(text, source).facts()
