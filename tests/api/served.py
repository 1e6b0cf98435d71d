"""The API served for real: uvicorn in its own process on a loopback port, over a snapshot.

Timing tests (deadlines, /health under load, clients that go away) need the server out of the
test process, as it runs in production: its own interpreter, its own GIL.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from kb.paths import project_root


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve(snapshot: Path, deadline: float, timeout: float = 120.0) -> Iterator[Served]:
    """``uvicorn --factory kb.api.app:from_env`` over ``snapshot``, stopped (by its pid) on exit."""
    port = free_port()
    env = {**os.environ, "KB_STORE": "memory", "KB_DATA": str(snapshot), "KB_DEADLINE": str(deadline), "KB_IDE": "0"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project_root()), os.environ.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "kb.api.app:from_env", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--log-level", "info", "--no-access-log"]
    with tempfile.TemporaryDirectory(prefix="kb-served-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=project_root())
        served = Served(f"http://127.0.0.1:{port}", proc, log)
        try:
            t0 = time.monotonic()
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited: {served.logged()[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{served.url}/health", timeout=1.0).status_code == 200:
                        break
                if time.monotonic() - t0 > timeout:
                    raise RuntimeError(f"the server did not start in {timeout:.0f} s")
                time.sleep(0.1)
            yield served
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
