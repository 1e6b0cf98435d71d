"""Where the project's data files live.

The distribution is installed in editable mode (``make``, the Dockerfile), so the
ontology and data folders sit beside the packages. KB_HOME points elsewhere when needed.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("KB_HOME")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent


def ontology_dir() -> Path:
    return project_root() / "ontology"


def data_dir() -> Path:
    return project_root() / "data"


def reference_dir() -> Path:
    return data_dir() / "reference"


def sample_dir() -> Path:
    return data_dir() / "sample"
