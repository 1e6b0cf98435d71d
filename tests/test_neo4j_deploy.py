"""The production setup files: docker compose, Dockerfile, .env.example, the Browser style.

Docker is not available where the tests run, so the compose file is checked by parsing it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from kb.ontology import ontology
from kb.paths import ontology_dir, project_root
from kb.store.neo4j_style import render_grass

ROOT = project_root()


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_runs_neo4j_the_api_and_a_one_shot_loader() -> None:
    c = _compose()
    services = c["services"]
    assert set(services) >= {"neo4j", "api", "loader"}
    neo = services["neo4j"]
    assert neo["image"].startswith("neo4j:5") and "community" in neo["image"]
    # the same Neo4j line as the throw-away server the tests run against
    tested = re.search(r"<neo4j.version>(\d+\.\d+)\.", (ROOT / "tests/neo4j_server/pom.xml").read_text("utf-8"))
    assert tested is not None and neo["image"] == f"neo4j:{tested.group(1)}-community"
    ports = " ".join(neo["ports"])
    assert ":7474" in ports and ":7687" in ports
    assert neo["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")
    assert any(k.startswith("NEO4J_server_memory_heap") for k in neo["environment"])
    assert "NEO4J_server_memory_pagecache_size" in neo["environment"]
    assert {v.split(":")[1] for v in neo["volumes"]} == {"/data", "/logs"}
    assert set(c["volumes"]) == {v.split(":")[0] for v in neo["volumes"]}  # named volumes
    assert "test" in neo["healthcheck"]
    for name in ("api", "loader"):
        svc = services[name]
        assert svc["build"] == "."
        assert svc["depends_on"]["neo4j"]["condition"] == "service_healthy"
        env = svc["environment"]
        assert env["NEO4J_URI"] == "bolt://neo4j:7687"
        assert env["NEO4J_PASSWORD"].startswith("${NEO4J_PASSWORD")  # from .env, never written here
    assert services["api"]["command"][:4] == ["policekb", "serve", "--store", "neo4j"]
    assert "0.0.0.0" in services["api"]["command"]  # noqa: S104 - inside the container
    assert services["loader"]["command"] == ["policekb", "load", "--store", "neo4j", "data/sample"]
    assert services["loader"]["restart"] == "no"


def test_no_secret_is_written_into_the_setup_files() -> None:
    services = _compose()["services"]
    for svc in services.values():
        for key, value in (svc.get("environment") or {}).items():
            if "PASSWORD" in key or "AUTH" in key:
                assert "${NEO4J_PASSWORD:?" in str(value), key  # only ever from .env
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^NEO4J_PASSWORD=\S{8,}$", example, re.M)
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in (ROOT / ".dockerignore").read_text(encoding="utf-8").split()


def test_dockerfile_installs_the_project_and_serves_from_neo4j() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert "pip install -e ." in text
    assert re.search(r'CMD \["policekb", "serve", "--store", "neo4j", "--host", "0.0.0.0"\]', text)
    assert re.search(r"^USER (?!root)", text, re.M)  # not run as root
    for folder in ("kb", "loaders", "ontology", "data"):
        assert re.search(rf"^COPY {folder} {folder}$", text, re.M)
        assert (ROOT / folder).is_dir()


def test_grass_file_is_generated_from_the_registry() -> None:
    text = render_grass()
    assert (ontology_dir() / "neo4j-browser.grass").read_text(encoding="utf-8") == text
    rules = dict(re.findall(r"node\.(\w+) \{\n(.*?)\n\}", text, re.S))
    onto = ontology()
    assert set(rules) == set(onto.classes)
    for name, body in rules.items():
        assert f"color: {onto.classes[name].color};" in body
        assert 'caption: "{name}";' in body
    # parents before subclasses: Browser merges label rules in file order
    assert text.index("node.Person {") < text.index("node.Officer {")


def test_grass_text_colours_are_readable() -> None:
    text = render_grass()
    for name, body in re.findall(r"node\.(\w+) \{\n(.*?)\n\}", text, re.S):
        fg = re.search(r"text-color-internal: (#[0-9a-f]{6})", body)
        assert fg is not None
        colour = ontology().classes[name].color
        assert fg.group(1) in ("#000000", "#ffffff")
        # light backgrounds get black text
        if colour.lower() in ("#f1c40f", "#bdc3c7"):
            assert fg.group(1) == "#000000", name


def test_docs_cover_production_setup_and_browser() -> None:
    doc = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Production setup" in doc and "docker compose up" in doc
    assert "## Explore in Neo4j Browser" in doc and "neo4j-browser.grass" in doc
    assert "http://localhost:7474" in doc
    assert Path(ontology_dir() / "browser-queries.cypher").is_file()
