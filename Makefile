# CityBrain — the two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test install lint lint-js typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The JavaScript linter (biome, pinned in package-lock.json) for the pages' scripts: development only, installed
# here once; nothing is fetched when it runs.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: the JS lint needs Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

## Set up, load a synthetic city into SQLite and serve it (URL printed).
demo: $(STAMP)
	$(BIN)/citybrain demo

## Set up and run every check: ruff, biome (JS), mypy (strict) and the tests on SQLite and PostgreSQL.
test: $(STAMP) $(NODE_STAMP) lint typecheck pytest

lint: $(STAMP) lint-js
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

## biome: lint, format and import order of src/citybrain/web/static (biome.json); warnings fail.
lint-js: $(NODE_STAMP)
	node_modules/.bin/biome ci --error-on-warnings --colors=off

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup

## The figures of record of docs/benchmarks.md, one after another (about 1.5 h; run it on a quiet machine).
bench: $(STAMP)
	bash bench/record.sh

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
