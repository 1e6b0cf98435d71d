"""A throw-away Bolt server for tests and benchmarks: ArcadeDB with its Bolt plugin.

Neo4j itself cannot be installed everywhere the test suite runs, so the suite and the
benchmarks start ArcadeDB (PyPI ``arcadedb-embedded``, which bundles a JRE) in a child
process, listening for Bolt on a free loopback port, with a fresh database in a
temporary folder. The child runs until its stdin closes, so it dies with its parent.

Run as ``python -m kb.store.neo4j_server ROOT BOLT_PORT HTTP_PORT HTTPS_PORT DATABASE``; the root
password is read from the ARCADEDB_ROOT_PASSWORD environment variable (never argv,
which other users can read).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

READY = "POLICEKB-BOLT-READY"
_PASSWORD_ENV = "ARCADEDB_ROOT_PASSWORD"  # noqa: S105 - a variable name, not a secret


class BoltServerError(RuntimeError):
    """The throw-away Bolt server could not be started."""


def free_port() -> int:
    """A TCP port nothing listens on right now (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ArcadeBoltServer:
    """An ArcadeDB server with the Bolt plugin, in a child process."""

    database: str = "kb"
    user: str = "root"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)
    startup_timeout: float = 120.0
    heap: str = "2g"
    port: int = 0
    _root: Path | None = field(default=None, repr=False)
    _proc: subprocess.Popen[str] | None = field(default=None, repr=False)

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def start(self, attempts: int = 3) -> ArcadeBoltServer:
        """Start the server; retried on new ports (a free port can be taken before the JVM binds it)."""
        for attempt in range(1, attempts + 1):
            try:
                return self._start_once()
            except BoltServerError:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def _start_once(self) -> ArcadeBoltServer:
        try:
            import arcadedb_embedded  # noqa: F401
        except ImportError as exc:
            raise BoltServerError(
                "the Bolt test server needs the PyPI package arcadedb-embedded "
                "(pip install -e '.[dev]'), or set NEO4J_URI to a running Neo4j"
            ) from exc
        self._root = Path(tempfile.mkdtemp(prefix="policekb-arcadedb-"))
        self.port = free_port()
        env = dict(os.environ)
        env[_PASSWORD_ENV] = self.password
        env.setdefault("ARCADEDB_JVM_ARGS", f"-Xmx{self.heap}")
        cmd = [sys.executable, "-m", "kb.store.neo4j_server", str(self._root), str(self.port), str(free_port())]
        cmd += [str(free_port()), self.database]
        # The child writes ArcadeDB's logs to its working directory: keep them in the temp root.
        # Its output goes to a file, not a pipe: no reader thread in this process (a process with
        # threads cannot safely fork, which the RDF exporter does), and a chatty server never blocks.
        log_path = self._root / "server.log"
        with log_path.open("w") as log:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=self._root, env=env
            )
        proc = self._proc
        deadline = time.monotonic() + self.startup_timeout
        while READY not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                lines = log_path.read_text(errors="replace").splitlines()
                tail = "\n".join(lines[-25:])
                self.stop()
                raise BoltServerError(f"ArcadeDB Bolt server did not start (exit {proc.returncode}):\n{tail}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait(timeout=10)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def __enter__(self) -> ArcadeBoltServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve(root: str, bolt_port: int, http_port: int, https_port: int, database: str) -> None:
    import arcadedb_embedded as arcadedb

    password = os.environ.pop(_PASSWORD_ENV, "")
    server = arcadedb.create_server(
        os.path.join(root, "databases"),
        root_password=password,
        config={
            "host": "127.0.0.1",
            "http_port": http_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": bolt_port,
            # its own HTTPS port too: the default range (2490-2499) is shared by every server
            "server_httpsIncomingPort": https_port,
        },
    )
    server.start()
    try:
        server.create_database(database)
        print(READY, flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    finally:
        server.stop()


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
