"""The ASGI application: GraphQL (and GraphiQL) at /graphql, /health, entity IRI pages."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from kb.api.context import Context
from kb.api.fastpost import POST_OPERATIONS, Prepared, Replay, plain_json, read_body, simple_request
from kb.api.pages import iri_endpoint
from kb.api.playground import playground_response
from kb.api.schema import build_schema
from kb.api.web import static_files
from kb.ontology import ontology
from kb.store.base import Store

log = logging.getLogger(__name__)

# A GraphQL request larger than this is refused before it is read in full.
MAX_BODY_BYTES = 64 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class KBGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with a fresh :class:`Context` (and DataLoaders) per request."""

    def __init__(self, store: Store, base: str, *, ide: bool, introspection: bool) -> None:
        super().__init__(
            build_schema(introspection), graphql_ide="graphiql" if ide else None, allow_queries_via_get=True
        )
        self.store = store
        self.base = base
        self.fast_post = True  # False: every request takes strawberry's full handling (tests compare)
        self.prepared = Prepared(self.schema)

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(self.store, self.base, request)

    async def render_graphql_ide(self, request: Request) -> Response:
        # GraphiQL from the package's own static files (kb/api/playground.py), not a CDN.
        return playground_response(request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A plain JSON POST (what API clients send) goes straight to the schema (kb.api.fastpost);
        everything else (GET, the IDE, other content types, streaming, batches, anything
        malformed) takes strawberry's full request handling. Both answer through strawberry's
        own context, result processing and response methods."""
        if not self.fast_post or scope["type"] != "http" or scope["method"] != "POST" or not plain_json(scope):
            await super().__call__(scope, receive, send)
            return
        body = await read_body(receive)
        replay = Replay(body)
        data = simple_request(body)
        if data is None or not await self._answer(scope, replay, send, data):
            await super().__call__(scope, replay.again(), send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, data: dict[str, Any]) -> bool:
        request = Request(scope, receive)
        sub_response = await self.get_sub_response(request)
        result = await self.prepared.run(data, await self.get_context(request, sub_response))
        if result is None:
            context = await self.get_context(request, sub_response)
            try:
                result = await self.schema.execute(
                    data.get("query"),
                    root_value=None,  # this view has no root value (GraphQL[Context, None])
                    variable_values=data.get("variables"),
                    context_value=context,
                    operation_name=data.get("operationName"),
                    allowed_operation_types=POST_OPERATIONS,
                    operation_extensions=data.get("extensions"),
                )
            except Exception:  # strawberry's handling turns these into its HTTP errors
                return False
            if not isinstance(result, ExecutionResult):
                return False
            if not result.errors and context.validated is not None:
                self.prepared.remember(data["query"], data.get("operationName"), context.validated)
        response_data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        response = self.create_response(response_data, sub_response)
        await response(scope, receive, send)
        return True

    async def parse_http_body(self, request: Any) -> Any:
        # strawberry reads fields off whatever JSON the body holds: a string, number or null
        # body would fail with an AttributeError (a 500) instead of a clear 400.
        try:
            return await super().parse_http_body(request)
        except AttributeError as e:
            raise HTTPException(400, "The request body must be a JSON object with a `query`.") from e

    # orjson: several times faster than the json module on a nested answer of a few hundred
    # fields. Its decode error subclasses json.JSONDecodeError, so bad bodies still get a 400.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with a GraphQL-shaped 413 error."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return msg

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        resp = JSONResponse(
            {"errors": [{"message": f"Request body too large (limit {self.limit} bytes)."}]}, status_code=413
        )
        await resp(scope, receive, send)


class _TooLarge(Exception):
    pass


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.store.warm()  # search and hub indexes now, not in the first requests
    # The store is loaded by now and lives as long as the server: move it out of the cyclic
    # garbage collector's view, so that collections triggered by request garbage do not
    # traverse millions of long-lived objects (pauses of hundreds of ms at 10^6 entities).
    gc.collect()
    gc.freeze()
    yield


def _extra_routes(store: Store, base: str) -> list[BaseRoute]:
    """The SPARQL endpoint over the same store."""
    from kb.rdf.sparql import sparql_routes

    routes: list[BaseRoute] = list(sparql_routes(store, base))
    return routes


def create_app(store: Store, *, ide: bool = True, introspection: bool = True, base: str | None = None) -> Starlette:
    """The web application over ``store`` (read-only).

    ``ide`` serves GraphiQL on GET /graphql; ``introspection`` allows schema introspection
    (turn both off in production). ``base`` is the IRI base (default: the registry's).
    """
    base = (base or ontology().base).rstrip("/")
    view = KBGraphQL(store, base, ide=ide, introspection=introspection)
    gql = BodyLimit(view)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def index(request: Request) -> Response:
        if ide:
            return RedirectResponse("/graphql")
        return JSONResponse({"graphql": "/graphql", "health": "/health", "entities": "/id/{type}/{key}"})

    async def entity_page(request: Request) -> Response:
        return await iri_endpoint(request, store, base)

    routes: list[BaseRoute] = [
        Route("/", index, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/graphql", gql, methods=["GET", "POST"]),
        Route("/id/{slug}/{key:path}", entity_page, methods=["GET", "HEAD"]),
        Mount("/static", static_files(), name="static"),
        *_extra_routes(store, base),
    ]
    app = Starlette(routes=routes, lifespan=_lifespan)
    app.state.store = store
    app.state.base = base
    app.state.graphql_view = view
    return app
