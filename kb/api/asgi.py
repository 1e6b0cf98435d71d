"""An ASGI application factory configured from the environment, for uvicorn workers.

    uvicorn --factory kb.api.asgi:app --host 0.0.0.0 --port 8000 --workers 2

Each worker process opens its own store (KB_STORE, KB_DATA, NEO4J_*), so a multi-core machine
serves requests in parallel. KB_IDE=0 and KB_INTROSPECTION=0 turn the playground and schema
introspection off (production); KB_BASE_IRI sets the IRI base.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from kb.api.app import create_app
from kb.config import Settings
from kb.store import open_store


def _flag(name: str, default: bool = True) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def app() -> Starlette:
    """The API over the store the environment names (one store per worker process)."""
    settings = Settings.from_env()
    store = open_store(settings, follow=True)  # a memory store reopens its snapshot after a load
    application = create_app(
        store, ide=_flag("KB_IDE"), introspection=_flag("KB_INTROSPECTION"), base=settings.base_iri
    )

    inner = application.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Starlette) -> AsyncIterator[None]:
        try:
            async with inner(a):
                yield
        finally:
            store.close()

    application.router.lifespan_context = lifespan
    return application
