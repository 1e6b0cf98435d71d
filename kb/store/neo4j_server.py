"""A throw-away Neo4j Community server for tests and benchmarks.

The server is the Neo4j 5 LTS DBMS from Maven Central, started by the small Java launcher in
``tests/neo4j_server`` (``policekb.Neo4jTestServer``): Bolt and HTTP on free loopback ports,
authentication on with a random password, a fresh home folder in a temporary directory, and
Neo4j Browser served at ``/browser/`` by the HTTP connector. The launcher is built once with
Maven (``mvn compile dependency:build-classpath``) into ``build/neo4j-server`` under the
project; the jars stay in Maven's cache (~/.m2). Nothing fetched is committed.

The child runs until its stdin closes, so it dies with the process that started it. Its output
goes to a file, not a pipe: no reader thread in this process (a process with threads cannot
safely fork, which the RDF exporter does), and a chatty server never blocks.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kb.paths import project_root

READY = "POLICEKB-NEO4J-READY"
MAIN_CLASS = "policekb.Neo4jTestServer"
_PASSWORD_ENV = "POLICEKB_NEO4J_PASSWORD"  # noqa: S105 - a variable name, not a secret
_CONF_ENV = "POLICEKB_NEO4J_CONF"  # more settings, key=value lines
# What the Neo4j distribution's neo4j.conf passes to its JVM, less what only a production server
# needs: without the --add-opens, the page cache and the transaction logs fall back to slower paths.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)
# Settings of this throw-away server beyond the launcher's own (benchmarks print them). A
# database loaded from empty changes its statistics by more than the divergence threshold within
# seconds, so Neo4j would replan every statement as often as every 10 s (planning was over half
# of the server's time in a 10^4 load; in a 10^5 load it is a few per cent either way, and the
# settings measured no faster there). The store's statements seek by index hint, so their plans
# do not depend on the statistics: plan each once. Nor on the size of a list parameter, which
# Neo4j otherwise keys its plan cache on (a batch's row count varies from statement to statement).
TUNING: dict[str, str] = {
    "dbms.cypher.min_replan_interval": "1h",
    "dbms.cypher.statistics_divergence_threshold": "1.0",
    "internal.cypher.use_parameter_size": "false",
}


class BoltServerError(RuntimeError):
    """The throw-away Bolt server could not be built or started."""


def free_port() -> int:
    """A TCP port nothing listens on right now (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launcher_dir() -> Path:
    """The Maven project of the Java launcher."""
    return project_root() / "tests" / "neo4j_server"


def build_dir() -> Path:
    """Where the launcher is built (git ignores build/)."""
    return project_root() / "build" / "neo4j-server"


def _sources_digest(src: Path) -> str:
    h = hashlib.sha256()
    for p in sorted([src / "pom.xml", *(src / "src").rglob("*.java")]):
        h.update(p.relative_to(src).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def build_launcher(timeout: float = 1200.0) -> tuple[list[str], float]:
    """The launcher's class path, building it first when its sources changed; and the build's seconds.

    The first build fetches Neo4j (about 140 MB of jars) from Maven Central into ~/.m2; later
    ones only compile. A lock file keeps two processes from building at once.
    """
    src, out = launcher_dir(), build_dir()
    if not (src / "pom.xml").is_file():
        raise BoltServerError(f"the Neo4j launcher is missing: no {src / 'pom.xml'}")
    out.mkdir(parents=True, exist_ok=True)
    stamp, cp_file = out / "sources.sha256", out / "classpath.txt"
    t0 = time.monotonic()
    with (out / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = _sources_digest(src)
        if not (stamp.is_file() and stamp.read_text() == digest and cp_file.is_file()):
            mvn = shutil.which("mvn")
            if mvn is None:
                raise BoltServerError("the Neo4j test server is built with Maven: install it (Debian package maven)")
            cmd = [mvn, "-B", "-q", "-f", str(src / "pom.xml"), f"-Dpolicekb.build={out}"]
            cmd += ["compile", "dependency:build-classpath", f"-Dmdep.outputFile={cp_file}"]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired as exc:
                raise BoltServerError(f"building the Neo4j test server took over {timeout:.0f} s") from exc
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
                raise BoltServerError(f"building the Neo4j test server failed ({' '.join(cmd)}):\n{tail}")
            stamp.write_text(digest)
    built = time.monotonic() - t0
    return [str(out / "classes"), *cp_file.read_text().strip().split(os.pathsep)], built


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc; 0.0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # utime and stime are the 14th and 15th fields of stat(5); fields[0] here is the 3rd
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).is_file():
        raise BoltServerError("the Neo4j test server needs Java 17 or 21 (JAVA_HOME or java on PATH)")
    return java


@dataclass
class Neo4jTestServer:
    """A Neo4j Community server in a child JVM, on free loopback ports, with a fresh database."""

    database: str = "neo4j"
    user: str = "neo4j"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)
    heap: str = "1g"
    pagecache: str = "256m"
    startup_timeout: float = 240.0
    # C1 only: starts in about half the CPU time and suits short test sessions; a benchmark
    # wants the full JIT (C2), which peaks higher once warm.
    quick_jit: bool = False
    # where the home folder goes (None: the system's temporary folder)
    tmp_parent: str | None = None
    bolt_port: int = 0
    http_port: int = 0
    browser: bool = False
    # server settings (key -> value) and more JVM options (a diagnostic run: a profiler)
    conf: dict[str, str] = field(default_factory=lambda: dict(TUNING))
    jvm_args: tuple[str, ...] = ()
    build_seconds: float = 0.0
    start_seconds: float = 0.0
    _root: Path | None = field(default=None, repr=False)
    _proc: subprocess.Popen[str] | None = field(default=None, repr=False)

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def http_uri(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def browser_url(self) -> str | None:
        """Neo4j Browser's page, when the server serves it."""
        return f"{self.http_uri}/browser/" if self.browser else None

    @property
    def log_dir(self) -> Path | None:
        """The server's logs (neo4j.log, debug.log, query.log) while it runs."""
        return self._root / "home" / "logs" if self._root else None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's JVM has used so far; 0 when it is not running."""
        return process_cpu_seconds(self.pid) if self.pid else 0.0

    def start(self, attempts: int = 3) -> Neo4jTestServer:
        """Build if needed, then start; retried on new ports (a free port can be taken before the JVM binds it)."""
        classpath, self.build_seconds = build_launcher()
        for attempt in range(1, attempts + 1):
            try:
                return self._start_once(classpath)
            except BoltServerError:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def _start_once(self, classpath: list[str]) -> Neo4jTestServer:
        t0 = time.monotonic()
        self._root = Path(tempfile.mkdtemp(prefix="policekb-neo4j-", dir=self.tmp_parent))
        self.bolt_port, self.http_port = free_port(), free_port()
        env = dict(os.environ)
        env[_PASSWORD_ENV] = self.password
        if self.conf:
            env[_CONF_ENV] = "\n".join(f"{k}={v}" for k, v in self.conf.items())
        jit = ["-XX:TieredStopAtLevel=1"] if self.quick_jit else []
        cmd = [_java(), f"-Xms{self.heap}", f"-Xmx{self.heap}", *JVM_FLAGS, *jit, *self.jvm_args]
        cmd += ["-cp", os.pathsep.join(classpath)]
        cmd += [MAIN_CLASS, str(self._root / "home"), str(self.bolt_port), str(self.http_port), self.pagecache]
        log_path = self._root / "server.log"
        with log_path.open("w") as log:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=self._root, env=env
            )
        proc = self._proc
        deadline = time.monotonic() + self.startup_timeout
        while (m := re.search(rf"^{READY} .* browser=(yes|no)$", log_path.read_text(errors="replace"), re.M)) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
                self.stop()
                raise BoltServerError(f"the Neo4j test server did not start (exit {proc.returncode}):\n{tail}")
            time.sleep(0.1)
        self.browser = m.group(1) == "yes"
        self.start_seconds = time.monotonic() - t0
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait(timeout=10)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def __enter__(self) -> Neo4jTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """``python -m kb.store.neo4j_server``: build the launcher (``make neo4j-server``), or run a server."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("action", choices=("build", "run"), help="build only, or run a server until Ctrl-C")
    args = ap.parse_args()
    if args.action == "build":
        classpath, seconds = build_launcher()
        print(f"Neo4j test server built in {seconds:.1f} s ({len(classpath) - 1} jars) in {build_dir()}")
        return
    password = os.environ.get("NEO4J_PASSWORD", "")
    if len(password) < 8:
        raise SystemExit("set NEO4J_PASSWORD (8+ characters): the server's password for user neo4j")
    with Neo4jTestServer(password=password, heap="2g", pagecache="1g") as server:
        print(f"export NEO4J_URI={server.uri} NEO4J_USER={server.user}   # NEO4J_PASSWORD as you set it")
        print(f"Neo4j Browser: {server.browser_url or '(not served)'}  (connect to {server.uri})")
        print("Ctrl-C stops the server and deletes its database", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
