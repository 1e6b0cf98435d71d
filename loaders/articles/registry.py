"""The registry of article pipeline components: ``@component("name")`` registers a function
``(doc: ArticleDoc) -> None`` under a name (loaders.articles.pipeline runs them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from loaders.articles.doc import ArticleDoc

Component = Callable[[ArticleDoc], None]


@dataclass(frozen=True, slots=True)
class Registered:
    name: str
    func: Component
    summary: str


REGISTRY: dict[str, Registered] = {}


def component(name: str) -> Callable[[Component], Component]:
    """Register ``func`` as the pipeline component ``name``."""

    def deco(func: Component) -> Component:
        REGISTRY[name] = Registered(name, func, (func.__doc__ or "").strip().split("\n")[0])
        return func

    return deco
