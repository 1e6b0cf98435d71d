"""The ASGI application: GraphQL (and GraphiQL) at /graphql, /health, entity IRI pages."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from graphql import GraphQLError
from kb.api.context import DEADLINE_S, MAX_RESPONSE_BYTES, Budget, BudgetExceeded, Context, off_loop
from kb.api.pages import iri_endpoint
from kb.api.playground import playground_response
from kb.api.schema import build_schema
from kb.config import Settings
from kb.ontology import ontology
from kb.rdf.sparql import sparql_routes
from kb.store import open_store
from kb.store.base import Store

log = logging.getLogger("kb.api")
MAX_BODY_BYTES = 64 * 1024  # a GraphQL request larger than this is refused before it is read in full
CHECK_EVERY_S, STALE_S = 1.0, 3.0  # how often /health's monitor checks the store; when it is late


class KBGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view; each operation runs off the event loop within its budget (kb.api.context)."""

    def __init__(self, store: Store, base: str, *, ide: bool, introspection: bool, deadline: float) -> None:
        super().__init__(
            build_schema(introspection), graphql_ide="graphiql" if ide else None, allow_queries_via_get=True
        )
        self.store, self.base, self.deadline = store, base, deadline

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(self.store, self.base, Budget(self.deadline))

    async def render_graphql_ide(self, request: Request) -> Response:
        # GraphiQL from the package's own static files (kb/api/playground.py), not a CDN.
        return playground_response(request)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        budget: Budget = kwargs["context"].budget
        run = super().execute_single(*args, **kwargs)
        with contextlib.suppress(BudgetExceeded):
            result: ExecutionResult = await off_loop(run, budget, kwargs["request"].receive)
        if budget.stopped is not None:  # one clear error, not one per field that stopped
            log.warning("GraphQL request stopped: %s", budget.stopped)
            result = ExecutionResult(data=None, errors=[GraphQLError(budget.stopped, original_error=BudgetExceeded())])
        return result

    async def parse_http_body(self, request: Any) -> Any:
        # strawberry reads fields off whatever JSON the body holds: a string, number or null body
        # would fail with an AttributeError (a 500) instead of a clear 400.
        try:
            return await super().parse_http_body(request)
        except AttributeError as e:
            raise HTTPException(400, "The request body must be a JSON object with a `query`.") from e

    # orjson: several times faster than the json module on a nested answer. Its decode error
    # subclasses json.JSONDecodeError, so bad bodies still get a 400.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        body = orjson.dumps(data)
        if len(body) > MAX_RESPONSE_BYTES:
            message = f"The answer would be larger than {MAX_RESPONSE_BYTES // 2**20} MB. Ask for smaller pages."
            return orjson.dumps({"data": None, "errors": [{"message": message}]})
        return body


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with a GraphQL-shaped 413 error."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        too_big, seen = declared.isdigit() and int(declared) > self.limit, 0

        async def counting() -> Message:
            nonlocal seen
            msg = await receive()
            seen += len(msg.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return msg

        try:
            if too_big:
                raise _TooLarge
            await self.app(scope, counting, send)
        except _TooLarge:
            message = f"Request body too large (limit {self.limit} bytes)."
            await JSONResponse({"errors": [{"message": message}]}, status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    pass


class Health:
    """The store's health, checked (Store.check) every CHECK_EVERY_S in a thread of its own, so that
    /health answers at once whatever the load; a check that has not come back for STALE_S means
    the store hangs. What is wrong is said by the error's class, never its text (it may hold a URI)."""

    def __init__(self, store: Store) -> None:
        self.store, self.answered = store, time.monotonic()
        self.problem: str | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while True:
            try:
                self.store.check()
                problem = None
            except Exception as exc:  # any failure means the store is not usable
                problem = f"the store failed ({type(exc).__name__})"
                log.warning("health check: %s", problem)
            self.problem, self.answered = problem, time.monotonic()
            if self.stop.wait(CHECK_EVERY_S):
                return

    def now(self) -> str | None:
        """None when the store is usable, else what is wrong."""
        late = time.monotonic() - self.answered
        return f"the store has not answered its check for {late:.0f} s" if late > STALE_S else self.problem


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    try:
        app.state.store.warm()  # search and hub indexes now, not in the first requests
        threading.Thread(target=app.state.health.run, name="kb-health", daemon=True).start()
        # The store is loaded by now and lives as long as the server: move it out of the cyclic
        # garbage collector's view, so that collections triggered by request garbage do not
        # traverse millions of long-lived objects (pauses of hundreds of ms at 10^6 entities).
        gc.collect()
        gc.freeze()
        # Threads take turns every 1 ms, not 5: a quick request (or /health) then waits less for the
        # interpreter behind a long one (kb.api.context runs every operation in a worker thread).
        sys.setswitchinterval(0.001)
        yield
    finally:
        app.state.health.stop.set()
        if app.state.close_store:  # from_env's store, closed even when start-up failed
            app.state.store.close()


def create_app(
    store: Store, *, ide: bool = True, introspection: bool = True, base: str | None = None, deadline: float = DEADLINE_S
) -> Starlette:
    """The web application over ``store`` (read-only).

    ``ide`` serves GraphiQL on GET /graphql; ``introspection`` allows schema introspection (turn
    both off in production). ``base`` is the IRI base (default: the registry's); ``deadline``
    the seconds one GraphQL request may take.
    """
    base = (base or ontology().base).rstrip("/")
    view = KBGraphQL(store, base, ide=ide, introspection=introspection, deadline=deadline)

    monitor = Health(store)

    async def health(request: Request) -> Response:
        if (problem := monitor.now()) is None:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)

    async def index(request: Request) -> Response:
        if ide:
            return RedirectResponse("/graphql")
        return JSONResponse({"graphql": "/graphql", "health": "/health", "entities": "/id/{type}/{key}"})

    routes: list[BaseRoute] = [
        Route("/", index, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/graphql", BodyLimit(view), methods=["GET", "POST"]),
        Route("/id/{slug}/{key:path}", iri_endpoint, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(packages=[("kb.api", "static")]), name="static"),
        *sparql_routes(store, base),  # the SPARQL endpoint over the same store
    ]
    app = Starlette(routes=routes, lifespan=_lifespan)
    app.state.store, app.state.base, app.state.graphql_view, app.state.health = store, base, view, monitor
    app.state.close_store = False
    return app


def from_env() -> Starlette:
    """The API over the store the environment names (KB_STORE, KB_DATA, NEO4J_*), one per worker
    process; KB_IDE=0 and KB_INTROSPECTION=0 turn the playground and introspection off, KB_BASE_IRI
    sets the IRI base, KB_DEADLINE the seconds one GraphQL request may take."""
    settings, env = Settings.from_env(), os.environ
    store = open_store(settings, follow=True)  # a memory store reopens its snapshot after a load
    ide, intro = (
        env.get(k, "").strip().lower() not in ("0", "false", "no", "off") for k in ("KB_IDE", "KB_INTROSPECTION")
    )
    deadline = float(env.get("KB_DEADLINE") or DEADLINE_S)
    app = create_app(store, ide=ide, introspection=intro, base=settings.base_iri, deadline=deadline)
    app.state.close_store = True
    return app
