"""A plain (non-editable) install works: ``pip install .`` of a copy of the checkout into a
fresh virtual environment gives a ``policekb`` that loads the sample data and serves it, with
the ontology and the reference data read from inside the installed package.

Slow (it builds the package and installs its dependencies, from pip's cache when warm), and
part of ``make test``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import venv
from pathlib import Path

import httpx
import pytest

from kb.paths import checkout_root

ROOT = checkout_root()
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
# The installed package must be what the subprocesses import, never a checkout PYTHONPATH names.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _copy_checkout(dest: Path) -> None:
    """The files a clean clone has (tracked, plus new files git would not ignore)."""
    assert ROOT is not None
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for rel in filter(None, out.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    if data is None:
        r = httpx.get(url, headers=headers, timeout=60)
    else:
        r = httpx.post(url, content=data, headers=headers, timeout=60)
    return r.status_code, r.content


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the project installed from a copy of the checkout (not editable)."""
    if ROOT is None or not (ROOT / ".git").exists():
        pytest.skip("needs the project's git checkout to copy from")
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    _copy_checkout(src)
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    res = subprocess.run(
        [str(py), "-m", "pip", "install", "-v", "--disable-pip-version-check", str(src)],
        capture_output=True,
        text=True,
        cwd=base,
        env=ENV,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    warnings = [
        line.strip()
        for line in (res.stdout + res.stderr).splitlines()
        if "Warning:" in line and ("setuptools" in line.lower() or "BuildBackend" in line)
    ]
    assert not warnings, "setuptools warned while building:\n" + "\n".join(warnings)
    shutil.rmtree(src / "build", ignore_errors=True)
    return env_dir


def test_installed_package_holds_the_ontology_and_reference_data(installed: Path, tmp_path: Path) -> None:
    py = installed / "bin" / "python"
    code = (
        "import kb, kb.paths, kb.ontology;"
        "print(kb.__file__); print(kb.paths.ontology_dir()); print(kb.paths.reference_dir());"
        "print(len(kb.ontology.ontology().classes)); print(kb.paths.examples_dir())"
    )
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=ENV, check=True)
    kb_file, onto_dir, ref_dir, n_classes, examples_dir = out.stdout.split("\n")[:5]
    site = str(installed)
    assert all(p.startswith(site) for p in (kb_file, onto_dir, ref_dir, examples_dir))
    assert int(n_classes) >= 14
    for name in ("registry.toml", "concepts.toml", "policekb.ttl", "shapes.ttl", "context.jsonld"):
        assert (Path(onto_dir) / name).is_file(), name
    for name in ("forces.csv", "bodies.csv", "ranks.csv"):
        assert (Path(ref_dir) / name).is_file(), name
    assert ROOT is not None
    for src in (ROOT / "graphql" / "examples").glob("*.graphql"):
        for shipped in (src, src.with_suffix(".json")):
            if shipped.exists():
                assert (Path(examples_dir) / shipped.name).read_bytes() == shipped.read_bytes(), shipped.name
    assert not list(installed.glob("lib/python*/site-packages/__editable__*")), "the install must not be editable"


def test_installed_policekb_loads_and_serves(installed: Path, tmp_path: Path) -> None:
    assert ROOT is not None
    exe = installed / "bin" / "policekb"
    snapshot = tmp_path / "kb.snapshot"
    env = {k: v for k, v in ENV.items() if not k.startswith(("KB_", "NEO4J_"))}
    env["KB_DATA"] = str(snapshot)
    load = subprocess.run(
        [str(exe), "load", str(ROOT / "data" / "sample"), "-q"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert load.returncode == 0, load.stderr
    assert "loaded" in load.stdout and snapshot.is_file()
    port = _free_port()
    server = subprocess.Popen(
        [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, body = _get(base + "/health")
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    out = server.stdout.read().decode() if server.stdout else ""
                    pytest.fail(f"policekb serve did not come up: {out[-2000:]}")
                time.sleep(0.3)
        assert status == 200
        query = json.dumps({"query": '{ force(id: "metropolitan") { name officers(first: 3) { node { name } } } }'})
        status, body = _get(base + "/graphql", query.encode(), {"content-type": "application/json"})
        assert status == 200
        assert json.loads(body)["data"]["force"]["name"] == "Metropolitan Police Service"
        status, body = _get(base + "/id/force/metropolitan", headers={"accept": "text/turtle"})
        assert status == 200 and b"Metropolitan Police Service" in body
        # The playground and the entity pages, with the scripts they load, from the package data.
        status, body = _get(base + "/graphql", headers={"accept": "text/html"})
        assert status == 200 and b"/static/vendor/graphiql/graphiql.min.js" in body
        # Its example tabs come from graphql/examples, shipped as the data package kb.graphql_examples.
        examples = sorted(p.stem for p in (ROOT / "graphql" / "examples").glob("*.graphql"))
        assert examples and all(name.encode() in body for name in examples)
        status, body = _get(base + "/id/force/metropolitan", headers={"accept": "text/html"})
        assert status == 200 and b"<h1>Metropolitan Police Service</h1>" in body
        for asset in ("vendor/graphiql/graphiql.min.js", "vendor/react/react.production.min.js", "entity-graph.js"):
            status, body = _get(f"{base}/static/{asset}")
            assert status == 200 and len(body) > 1000, asset
        ask = "PREFIX pkb: <https://w3id.org/policing-kb/ontology#> ASK { ?o a pkb:Officer }"
        status, body = _get(base + "/sparql?" + urllib.parse.urlencode({"query": ask}))
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()
