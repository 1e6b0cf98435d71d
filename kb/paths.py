"""Where the project's files live.

The ontology (``ontology/``), the reference tables (``data/reference/``) and the documented
GraphQL operations (``graphql/examples/``, which the playground lists) ship inside the
distribution as the data packages ``kb.ontology_files``, ``kb.reference_data`` and
``kb.graphql_examples``: setup.py maps those package names to the top-level folders, so the
files stay where the repository keeps them (``graphql/`` itself is no package: a top-level
``graphql`` would shadow graphql-core) and are found through :mod:`importlib.resources` alike in
a checkout, an editable install and a wheel installed into any environment.

The rest (sample data, the exported schema, the default ``.kb/`` folder) belongs to a project
folder: the checkout when the code runs from one, else the working directory (an installed
package has no project folder of its own); ``KB_HOME`` names another.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

ONTOLOGY_PACKAGE = "kb.ontology_files"
REFERENCE_PACKAGE = "kb.reference_data"
EXAMPLES_PACKAGE = "kb.graphql_examples"


def _package_dir(package: str) -> Path:
    """The folder of a data package. Installs are unpacked (pip never installs a zip), so it
    is a real directory; the check gives a clear error if the package is missing."""
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        raise RuntimeError(
            f"the data package {package} is not installed: reinstall policing-kb (pip install .)"
        ) from None
    if not isinstance(root, Path):
        raise RuntimeError(f"the data package {package} is not a folder on disk ({root!r})")
    return root


def ontology_dir() -> Path:
    """The ontology registry and the files derived from it (``ontology/`` in a checkout)."""
    return _package_dir(ONTOLOGY_PACKAGE)


def reference_dir() -> Path:
    """The reference tables every load starts from (``data/reference/`` in a checkout)."""
    return _package_dir(REFERENCE_PACKAGE)


def examples_dir() -> Path:
    """The documented GraphQL operations (``graphql/examples/`` in a checkout)."""
    return _package_dir(EXAMPLES_PACKAGE)


def checkout_root() -> Path | None:
    """The repository folder when the code runs from a checkout (editable install), else None."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "kb").is_dir() else None


def project_root() -> Path:
    """$KB_HOME, else the checkout, else the working directory."""
    env = os.environ.get("KB_HOME")
    if env:
        return Path(env)
    return checkout_root() or Path.cwd()


def data_dir() -> Path:
    return project_root() / "data"


def sample_dir() -> Path:
    return data_dir() / "sample"
