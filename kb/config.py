"""Settings from the environment and the command line. Secrets are never printed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kb.paths import project_root

SNAPSHOT_NAME = "kb.snapshot"


def data_path(value: str | Path) -> Path:
    """The snapshot file a ``--data`` / ``KB_DATA`` value names: a folder (one that exists, or
    written with a trailing slash) means ``kb.snapshot`` inside it."""
    text = str(value)
    p = Path(text)
    return p / SNAPSHOT_NAME if p.is_dir() or text.endswith(("/", os.sep)) else p


def default_data_path() -> Path:
    """Default snapshot file: $KB_DATA, else .kb/kb.snapshot under the project."""
    env = os.environ.get("KB_DATA")
    return data_path(env) if env else project_root() / ".kb" / SNAPSHOT_NAME


def judgements_path_for(data: Path) -> Path:
    """The judgements file kept beside a KB: ``kb.judgements.txt`` beside ``kb.snapshot``."""
    return data.with_name(f"{data.stem}.judgements.txt")


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
    # The judgements file (kb.app.judgements); None: beside the snapshot (for Neo4j too: there is
    # no file beside a server, so it sits where the memory store's snapshot would).
    judgements: Path | None = None

    @property
    def judgements_path(self) -> Path:
        return self.judgements or judgements_path_for(self.data)

    @classmethod
    def from_env(cls) -> Settings:
        j = os.environ.get("KB_JUDGEMENTS")
        return cls(
            store=os.environ.get("KB_STORE", "memory"),
            data=default_data_path(),
            neo4j=Neo4jSettings.from_env(),
            base_iri=os.environ.get("KB_BASE_IRI") or None,
            judgements=Path(j) if j else None,
        )
