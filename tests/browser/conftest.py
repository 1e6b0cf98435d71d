"""Browser tests: a real `policekb serve` on loopback with the sample KB, and headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, installed here with apt-get when missing and we
are root), driven by Playwright's driver from PyPI (the ``dev`` extra) through
``executable_path``; Playwright never downloads a browser of its own. Every request a page
makes is routed through :class:`Network`: loopback requests go on, anything else is refused
and recorded, and each test fails if its pages asked for any other host.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright, Response, Route, sync_playwright

from kb.paths import project_root, sample_dir

CHROMIUM = Path(os.environ.get("KB_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium phones home at start-up (component updates,
# variations, sync); on a closed network those connections are refused and slow it down.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
DOCS = project_root() / "docs"
SCREENSHOTS = os.environ.get("KB_SCREENSHOTS") == "1"  # `make screenshots` rewrites docs/*.png


def _install_chromium() -> None:
    """Debian's chromium, with apt-get (the project installs what its tests need)."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's `chromium` (apt-get install chromium)")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"could not install chromium with apt-get: {done.stderr.strip()[-500:]}")


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        _install_chromium()
    assert CHROMIUM.exists(), f"apt-get installed chromium but {CHROMIUM} is missing"
    return CHROMIUM


@dataclass
class Server:
    """A `policekb serve` process answering on ``url``."""

    url: str
    process: subprocess.Popen[bytes]

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        r = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30)
        answer: dict[str, Any] = r.json()
        assert not answer.get("errors"), answer["errors"]
        return answer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The sample KB loaded by `policekb load` and served by `policekb serve` (uvicorn)."""
    cli = Path(sys.executable).with_name("policekb")
    snapshot = tmp_path_factory.mktemp("browser-kb") / "kb.snapshot"
    subprocess.run([cli, "load", "--data", snapshot, "-q", sample_dir()], check=True, capture_output=True)
    port = _free_port()
    log = (snapshot.parent / "serve.log").open("wb")
    proc = subprocess.Popen(
        [cli, "serve", "--data", snapshot, "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"policekb serve did not start: {(snapshot.parent / 'serve.log').read_text()[-2000:]}")
            time.sleep(0.2)
    yield Server(url, proc)
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@dataclass
class Network:
    """Every request the pages made; those to any host but loopback were refused."""

    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).hostname in LOOPBACK or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("blockedbyclient")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def network() -> Network:
    return Network()


@pytest.fixture(scope="session")
def context(
    playwright: Playwright, chromium: Path, network: Network, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    """Chromium with a new, empty profile; all its pages' requests go through ``network``."""
    ctx = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=str(chromium),
        headless=True,
        args=FLAGS,
        viewport={"width": 1440, "height": 900},
    )
    ctx.route("**/*", network.route)
    yield ctx
    ctx.close()


@dataclass
class Watched:
    """A page, with what went wrong on it (script errors, failed loads, CSP violations)."""

    page: Page
    problems: list[str] = field(default_factory=list)

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.problems.append(f"console: {msg.text}")

    def response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture()
def page(context: BrowserContext, network: Network) -> Iterator[Page]:
    """A fresh tab; the test fails if the page had errors or asked for a host other than loopback."""
    p = context.new_page()
    watched = Watched(p)
    p.on("console", watched.console)
    p.on("pageerror", lambda e: watched.problems.append(f"script error: {e}"))
    p.on("requestfailed", lambda r: watched.problems.append(f"request failed: {r.url} ({r.failure})"))
    p.on("response", watched.response)
    refused_before = len(network.refused)
    yield p
    p.close()
    assert network.refused[refused_before:] == [], "the page asked for hosts other than loopback"
    assert watched.problems == []


def wait_until(page: Page, expression: str, timeout: float = 15.0) -> Any:
    """Poll a JavaScript expression until it is truthy. (Playwright's wait_for_function builds
    its predicate with eval, which the pages' Content-Security-Policy rightly refuses.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: docs/ with KB_SCREENSHOTS=1 (`make screenshots`), else a temp folder."""
    return DOCS if SCREENSHOTS else tmp_path_factory.mktemp("screenshots")


def screenshot(page: Page, path: Path, **kw: Any) -> Path:
    """A PNG of the page (or of part of it: ``clip``) at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), **kw)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    return path
