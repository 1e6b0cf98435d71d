# policing-kb: the library, loaders and GraphQL API (`policekb`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml setup.py README.md ./
COPY kb/__init__.py kb/__init__.py
COPY loaders/__init__.py loaders/__init__.py
# the data packages setup.py maps to these folders (kb.ontology_files, kb.reference_data)
COPY ontology/__init__.py ontology/__init__.py
COPY data/reference/__init__.py data/reference/__init__.py
RUN pip install -e . && useradd --create-home --uid 10001 kb

# The code, the ontology and the bundled data (editable install: they stay beside the packages;
# a plain `pip install .` works too, with the ontology and reference data inside the package).
COPY kb kb
COPY loaders loaders
COPY ontology ontology
COPY data data
COPY graphql graphql
RUN pip install --no-deps -e .

USER kb
EXPOSE 8000
CMD ["policekb", "serve", "--store", "neo4j", "--host", "0.0.0.0"]
