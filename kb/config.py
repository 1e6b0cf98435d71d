"""Settings from the environment and the command line. Secrets are never printed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kb.paths import project_root


def default_data_path() -> Path:
    """Default snapshot file: $KB_DATA, else .kb/kb.snapshot under the project."""
    env = os.environ.get("KB_DATA")
    return Path(env) if env else project_root() / ".kb" / "kb.snapshot"


@dataclass(frozen=True)
class Neo4jSettings:
    """Connection settings for the Neo4j store (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE)."""

    uri: str = "bolt://localhost:7687"
    user: str = "neo4j"
    password: str = field(default="", repr=False)  # never shown in reprs or logs
    database: str | None = None

    @classmethod
    def from_env(cls) -> Neo4jSettings:
        return cls(
            uri=os.environ.get("NEO4J_URI", cls.uri),
            user=os.environ.get("NEO4J_USER", cls.user),
            password=os.environ.get("NEO4J_PASSWORD", ""),
            database=os.environ.get("NEO4J_DATABASE") or None,
        )


@dataclass(frozen=True)
class Settings:
    """Which store to use and where."""

    store: str = "memory"
    data: Path = field(default_factory=default_data_path)
    neo4j: Neo4jSettings = field(default_factory=Neo4jSettings.from_env)
    base_iri: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            store=os.environ.get("KB_STORE", "memory"),
            data=default_data_path(),
            neo4j=Neo4jSettings.from_env(),
            base_iri=os.environ.get("KB_BASE_IRI") or None,
        )
