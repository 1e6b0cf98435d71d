"""The package list for setuptools; everything else is declared in pyproject.toml.

A setup.py only because pyproject.toml cannot say this: every package found under kb/ and
loaders/ (data folders included, as namespace packages, so their files ship), plus the
data packages whose folders sit at the top of the repository (see kb/paths.py).
"""

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {
    "kb.ontology_files": "ontology",
    "kb.reference_data": "data/reference",
    "kb.graphql_examples": "graphql/examples",
}

setup(
    packages=[*find_namespace_packages(include=["kb", "kb.*", "loaders", "loaders.*"]), *DATA_PACKAGES],
    package_dir=DATA_PACKAGES,
)
