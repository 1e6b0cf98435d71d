"""The fast lane for plain JSON POSTs (kb.api.app): request helpers and prepared operations.

API clients send one operation as a JSON object in a POST. kb.api.app answers such a request
straight from the schema, skipping strawberry's generic request handling; and an operation it
has run before without errors (same schema, query text and operation name) runs with
graphql-core directly: its parse, validation and limits gave the same answer last time, and the
cost estimate, which depends on the variables, is checked again. Any error, or anything else
unusual, goes back to strawberry's full handling, so the answer is always strawberry's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from inspect import isawaitable
from typing import Any

import orjson
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graphql import ExecutionResult as CoreResult
from graphql import OperationType as CoreOperationType
from graphql import execute, get_operation_ast
from kb.api.idcache import IdentityCache
from kb.api.limits import MAX_COMPLEXITY, cached_estimate

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]

POST_OPERATIONS = OperationType.from_http("POST")
# Accept values that ask for a plain JSON answer (others may ask strawberry for a stream).
_PLAIN_ACCEPT = {b"", b"*/*", b"application/json", b"application/graphql-response+json"}


def plain_json(scope: Scope) -> bool:
    content_type = accept = b""
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            content_type = value
        elif name == b"accept":
            accept = value
    return content_type.split(b";")[0].strip().lower() == b"application/json" and accept.strip() in _PLAIN_ACCEPT


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class Replay:
    """A receive callable that gives a body already read, then waits for the disconnect."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent = False

    def again(self) -> Replay:
        return Replay(self.body)

    async def __call__(self) -> Message:
        if not self.sent:
            self.sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return {"type": "http.disconnect"}


def simple_request(body: bytes) -> dict[str, Any] | None:
    """The request when it is one operation of the expected shape, else None."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        return None
    if not isinstance(data.get("variables"), dict | None) or not isinstance(data.get("extensions"), dict | None):
        return None
    if not isinstance(data.get("operationName"), str | None):
        return None
    return data


class Prepared:
    """Operations that ran once through strawberry without errors, run again with graphql-core."""

    def __init__(self, schema: Any, max_cost: int = MAX_COMPLEXITY) -> None:
        # a strawberry.Schema (its graphql-core schema and execution context class are used)
        self.schema = schema
        self.max_cost = max_cost
        self._documents: IdentityCache[Any] = IdentityCache(256)

    def remember(self, query: str, operation_name: str | None, document: Any) -> None:
        """``document`` (parsed from ``query``) passed parsing, validation and the limits."""
        operation = get_operation_ast(document, operation_name) if document is not None else None
        if operation is not None and operation.operation == CoreOperationType.QUERY:
            self._documents.put((self.schema,), (query, operation_name), document)

    async def run(self, data: dict[str, Any], context: Any) -> ExecutionResult | None:
        """The result of an operation remembered before, or None (not remembered, too costly
        with these variables, or any error: strawberry's handling answers those)."""
        document = self._documents.get((self.schema,), (data["query"], data.get("operationName")))
        if document is None or data.get("extensions"):
            return None
        core = self.schema._schema
        variables, operation_name = data.get("variables"), data.get("operationName")
        if cached_estimate(core, document, variables, operation_name, self.max_cost) > self.max_cost:
            return None
        result = execute(
            core,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # strawberry passes it so too
            executor_class=self.schema.execution_context_class,
        )
        if isawaitable(result):
            result = await result
        if not isinstance(result, CoreResult) or result.errors:
            return None
        return ExecutionResult(data=result.data, errors=None)
