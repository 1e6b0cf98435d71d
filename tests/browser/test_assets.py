"""The vendored web assets: what vendor.mjs wrote, pinned by the npm lock file, each with its
licence, and nothing in the pages that points anywhere but the server itself."""

from __future__ import annotations

import hashlib
import json
import re
from importlib.resources import files
from pathlib import Path

import pytest

STATIC = Path(str(files("kb.api") / "static"))
TEMPLATES = Path(str(files("kb.api") / "templates"))
VENDOR = STATIC / "vendor"
MANIFEST = json.loads((VENDOR / "MANIFEST.json").read_text())


def test_the_vendored_files_are_what_vendor_mjs_wrote() -> None:
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()} - {"MANIFEST.json"}
    listed = {f"{name}/{file}" for name, m in MANIFEST.items() for file in m["files"]}
    assert on_disk == listed
    for name, m in MANIFEST.items():
        for file, meta in m["files"].items():
            data = (VENDOR / name / file).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (meta["bytes"], meta["sha256"]), f"{name}/{file}"


def test_versions_are_pinned_by_package_json_and_the_lock_file() -> None:
    pkg = json.loads((STATIC / "package.json").read_text())
    lock = json.loads((STATIC / "package-lock.json").read_text())["packages"]
    assert set(pkg["vendor"]) == set(MANIFEST)
    for name, m in MANIFEST.items():
        assert pkg["dependencies"][name] == m["version"] == lock[f"node_modules/{name}"]["version"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", m["version"]), "pin exact versions"
        assert lock[f"node_modules/{name}"]["integrity"].startswith("sha512-")


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_package_has_its_licence_beside_it(name: str) -> None:
    licence = (VENDOR / name / "LICENSE").read_text()
    assert MANIFEST[name]["license"] == "MIT" and "Permission is hereby granted" in licence
    if json.loads((STATIC / "package.json").read_text())["vendor"][name].get("bundles"):
        third = (VENDOR / name / "THIRD-PARTY-LICENSES.txt").read_text()
        # GraphiQL's build inlines GraphQL.js, CodeMirror, markdown-it ...: each with its licence.
        for bundled in ("graphql@", "codemirror@", "markdown-it@", "@graphiql/react@"):
            assert f"\n{bundled}" in third


def test_pages_load_nothing_from_other_hosts() -> None:
    pages = [*TEMPLATES.glob("*.html"), *STATIC.glob("*.js"), *STATIC.glob("*.css")]
    assert len(pages) >= 6
    for page in pages:
        text = page.read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), page.name
