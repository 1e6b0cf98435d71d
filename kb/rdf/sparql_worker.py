"""The SPARQL worker process: answers queries on the on-disk pyoxigraph store, one at a time.

Started by :mod:`kb.rdf.sparql` as ``python -m kb.rdf.sparql_worker STORE_DIR MEMORY_BYTES``;
reads requests on stdin and writes answers on stdout, each a frame (4-byte big-endian length,
then the bytes). A request is one JSON frame; an answer is a JSON header frame and a body frame.

Why a process: pyoxigraph has no query timeout, so the only way to stop a query that runs too
long (a cross join under ORDER BY) is to kill what runs it; and a query that grows without
bound must not take the server's memory with it, so the worker's data segment is capped
(RLIMIT_DATA) and such a query dies alone. The worker imports nothing of the KB but the
result writers, so it starts in a fraction of a second.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from typing import IO, Any

import pyoxigraph as ox

from kb.rdf.sparql_results import RESPONSE_TYPES, write_boolean, write_graph, write_select

READY = b'{"ready": true}'
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD")


def read_frame(fh: IO[bytes]) -> bytes | None:
    """One frame, or None at the end of the stream (the other side is gone)."""
    head = fh.read(4)
    if len(head) < 4:
        return None
    n = int.from_bytes(head, "big")
    data = fh.read(n)
    return data if len(data) == n else None


def write_frame(fh: IO[bytes], data: bytes) -> None:
    fh.write(len(data).to_bytes(4, "big"))
    fh.write(data)


def answer(store: ox.Store, req: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """(header, body) for one request: {query, select, graph, max_results, prefixes}."""
    text: str = req["query"]
    limit = int(req["max_results"])
    try:
        result = store.query(text)  # the default graph is the merged graph (see kb.rdf.sparql_store)
        if isinstance(result, ox.QuerySolutions):
            fmt = req["select"]
            body, truncated = write_select(result, fmt, limit)
        elif isinstance(result, ox.QueryBoolean):
            fmt, truncated = req["select"], False
            body = write_boolean(result, fmt)
        else:
            fmt = req["graph"]
            body, truncated = write_graph(result, fmt, limit, req.get("prefixes") or {})
    except SyntaxError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        upper = text.upper()
        if any(w in upper for w in _UPDATE_WORDS) and "SELECT" not in upper and "ASK" not in upper:
            return {
                "status": 400,
                "message": f"this endpoint is read-only: SPARQL Update is not accepted ({first})",
            }, b""
        return {"status": 400, "message": f"query does not parse: {first}"}, b""
    except MemoryError:
        return {"status": 503, "message": "the query needed more memory than the endpoint allows"}, b""
    except (OSError, ValueError, TypeError) as exc:  # evaluation errors (pyoxigraph raises OSError)
        return {"status": 400, "message": f"the query could not be evaluated: {str(exc)[:300]}"}, b""
    return {"status": 200, "media_type": RESPONSE_TYPES[fmt], "truncated": truncated}, body


def _limit_memory(limit: int) -> None:
    if limit <= 0:
        return
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError):  # not on every platform: the timeout still stops the query
        pass


def main(argv: list[str]) -> int:
    path, memory = argv[0], int(argv[1])
    _limit_memory(memory)
    store = ox.Store.read_only(path)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # nothing else may write to the answer stream
    sys.stdout = sys.stderr
    write_frame(stdout, READY)  # the store is open: the parent starts timing queries from here
    stdout.flush()
    while (frame := read_frame(stdin)) is not None:
        header, body = answer(store, json.loads(frame))
        write_frame(stdout, json.dumps(header).encode())
        write_frame(stdout, body)
        stdout.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # the parent is shutting down
        os._exit(0)
