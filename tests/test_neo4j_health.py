"""Neo4jStore's health check and URI hygiene: credentials in NEO4J_URI are never shown, and
``check()`` says when the server cannot answer (the API's /health relies on it)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kb.app.cli import main as cli_main
from kb.config import Neo4jSettings
from kb.store.base import StoreError
from kb.store.neo4j import CONNECT_TIMEOUT, Neo4jStore, redact_uri
from kb.store.neo4j_server import free_port
from tests.fixtures.bolt import BoltServer

pytestmark = pytest.mark.neo4j

SECRET = "s3cret-in-the-uri"


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("bolt://127.0.0.1:7687", "bolt://127.0.0.1:7687"),
        ("neo4j+s://db.example.org", "neo4j+s://db.example.org"),
        (f"bolt://neo4j:{SECRET}@127.0.0.1:7687", "bolt://***@127.0.0.1:7687"),
        (f"neo4j://{SECRET}@db.example.org:7687/x?y=1", "neo4j://***@db.example.org:7687/x?y=1"),
        (f"bolt://u:{SECRET}@[::1", "bolt://***@[::1"),  # not even parseable
        (f"bolt://u:p@ss:{SECRET}@host", "bolt://***@host"),  # an @ inside the password
    ],
)
def test_redact_uri(uri: str, shown: str) -> None:
    assert redact_uri(uri) == shown
    assert SECRET not in redact_uri(uri)


@pytest.mark.parametrize("uri", [f"bolt://neo4j:{SECRET}@127.0.0.1:{{port}}", f"bolt://neo4j:{SECRET}@[::1"])
def test_credentials_in_the_uri_are_refused_and_never_echoed(
    uri: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    uri = uri.format(port=free_port())
    with pytest.raises(StoreError, match=r"holds credentials") as err:
        Neo4jStore(Neo4jSettings(uri, "neo4j", "another-password", None))
    assert SECRET not in str(err.value) and "***@" in str(err.value)
    assert "NEO4J_PASSWORD" in str(err.value)  # says where the password goes instead
    # the CLI: a clear one-line error, no secret on either stream
    monkeypatch.setenv("NEO4J_URI", uri)
    assert cli_main(["stats", "--store", "neo4j"]) != 0
    out = capsys.readouterr()
    assert "holds credentials" in out.err
    assert SECRET not in out.out + out.err
    assert all(SECRET not in r.getMessage() for r in caplog.records)


class _Relay:
    """A loopback TCP relay to the Bolt server that can be cut and restored, so that a test can
    make the real server unreachable for one store without stopping it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(16)
        self._listener = ls
        self._spawn(self._accept, ls)

    def _spawn(self, fn: object, *args: object) -> None:
        t = threading.Thread(target=fn, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(t)
        t.start()

    def _accept(self, ls: socket.socket) -> None:
        while True:
            try:
                client, _ = ls.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._conns += [client, server]
            self._spawn(self._pump, client, server)
            self._spawn(self._pump, server, client)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Stop listening and drop every relayed connection."""
        if self._listener is not None:
            # shutdown first: on Linux, close alone does not wake the thread blocked in accept(),
            # and the socket would go on accepting
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()
        for t in self._threads:
            t.join(timeout=5)
        self._threads = [t for t in self._threads if t.is_alive()]


@pytest.fixture()
def relay(bolt_server: BoltServer) -> Iterator[_Relay]:
    port = int(bolt_server.uri.rsplit(":", 1)[1])
    r = _Relay(port)
    r.open()
    yield r
    r.cut()


def test_check_says_when_the_server_cannot_answer(bolt_server: BoltServer, relay: _Relay) -> None:
    settings = Neo4jSettings(
        f"bolt://127.0.0.1:{relay.port}", bolt_server.user, bolt_server.password, bolt_server.database
    )
    store = Neo4jStore(settings)
    try:
        store.check()  # reachable: no error
        relay.cut()
        t0 = time.monotonic()
        with pytest.raises(StoreError, match=r"not reachable") as err:
            store.check()
        assert time.monotonic() - t0 < 2 * CONNECT_TIMEOUT
        assert bolt_server.password not in str(err.value)
        relay.open()  # the server is back: so is the store, with no restart
        store.check()
    finally:
        store.close()


def test_a_database_that_is_not_there_is_a_clear_error(bolt_server: BoltServer) -> None:
    settings = Neo4jSettings(bolt_server.uri, bolt_server.user, bolt_server.password, "nosuchdatabase")
    with pytest.raises(StoreError, match=r"(?i)nosuchdatabase") as err:
        Neo4jStore(settings)
    assert bolt_server.password not in str(err.value)
