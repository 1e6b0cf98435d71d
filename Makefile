# policing-kb: `make run` builds the KB from the bundled data and serves GraphiQL;
# `make test` runs lint, types and the whole test suite (starting its own Neo4j server).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck pytest bench install build clean ontology neo4j-server

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/policekb load data/sample

run: build
	$(BIN)/policekb serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The throw-away Neo4j Community server that the Neo4j tests and `make bench` start: built once
# with Maven from Maven Central (jars cached in ~/.m2, classes in build/neo4j-server).
neo4j-server: $(STAMP)
	$(PY) -m kb.store.neo4j_server build

pytest: $(STAMP) neo4j-server
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(STAMP) neo4j-server
	$(PY) -m bench

ontology: $(STAMP)
	$(BIN)/policekb ontology --write

clean:
	rm -rf $(VENV) .kb .pytest_cache .mypy_cache .ruff_cache build *.egg-info
