# policing-kb: `make run` builds the KB from the bundled data and serves GraphiQL;
# `make test` runs lint, types and the whole test suite (starting its own Neo4j server).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck pytest bench install build clean ontology vendor screenshots neo4j-server

# Two install levels: `make run` needs only the runtime dependencies (.installed); the lint,
# type and test targets add the dev extra (.installed-dev). Both are editable installs of
# this checkout; tests/test_packaging.py checks a plain `pip install .` too.
$(STAMP): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

build: $(STAMP)
	$(BIN)/policekb load data/sample

run: build
	$(BIN)/policekb serve --host $(HOST) --port $(PORT)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

# The throw-away Neo4j Community server that the Neo4j tests and `make bench` start: built once
# with Maven from Maven Central (jars cached in ~/.m2, classes in build/neo4j-server).
neo4j-server: $(STAMP)
	$(PY) -m kb.store.neo4j_server build

pytest: $(DEV_STAMP) neo4j-server
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(DEV_STAMP) neo4j-server
	$(PY) -m bench

ontology: $(STAMP)
	$(BIN)/policekb ontology --write

# The web pages' JavaScript and CSS (GraphiQL, React, cytoscape), copied from the npm registry at
# the versions pinned in kb/api/static/package*.json into kb/api/static/vendor/ (needs node and
# npm; `make run` and `make test` use the committed copies and need neither).
vendor:
	node kb/api/static/vendor.mjs

# Rewrites the screenshots in docs/screenshots/ from the browser tests (tests/browser).
screenshots: $(STAMP)
	KB_SCREENSHOTS=1 $(BIN)/pytest -q -p no:cacheprovider tests/browser

clean:
	rm -rf $(VENV) .kb .pytest_cache .mypy_cache .ruff_cache build *.egg-info
