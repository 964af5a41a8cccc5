# CityBrain — the two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
# `make demo HOST=0.0.0.0 PORT=8400 DEMO_ARGS="--days 90"`: where the demo listens, and any other `citybrain demo`
# option (`citybrain demo --help`).
HOST ?= 127.0.0.1
PORT ?= 8311
DEMO_ARGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test install java lint lint-js typecheck pytest bench clean

# The first run downloads and installs the dependencies (a few minutes): pip shows each package as it goes.
$(STAMP): pyproject.toml
	@echo "==> 1/3 creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> 2/3 upgrading pip"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on --upgrade pip
	@echo "==> 3/3 installing CityBrain and its dependencies into $(VENV) (the first time: a few minutes)"
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -e '.[dev]'
	touch $(STAMP)
	@echo "==> $(VENV) is ready"

# Node.js packages for development only, pinned in package-lock.json and installed here once (nothing is fetched when
# they run): the JavaScript linter (biome) for the pages' scripts, and the OpenID provider (oidc-provider) the OIDC
# sign-in tests run against.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: the JS lint and the OIDC tests need Node.js 20+ and npm (apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP) java

## Java 17+ for the Spark engine (CITYBRAIN_ENGINE=spark) and its parity tests; `make demo` and DuckDB never need it.
java:
	@command -v java >/dev/null 2>&1 || [ -x "$$JAVA_HOME/bin/java" ] || { echo "java not found: the Spark engine and its tests need Java 17 or newer (apt-get install openjdk-17-jre-headless, or set JAVA_HOME)" >&2; exit 1; }
	@v=$$( ( [ -x "$$JAVA_HOME/bin/java" ] && "$$JAVA_HOME/bin/java" -version || java -version ) 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); \
	[ "$${v:-0}" -ge 17 ] || { echo "Java $$v found: the Spark engine needs Java 17 or newer (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }

## Set up, load a synthetic city into SQLite and serve it on HOST:PORT (URLs and the operator key printed last).
demo: $(STAMP)
	$(BIN)/citybrain demo --host $(HOST) --port $(PORT) $(DEMO_ARGS)

## Set up and run every check: ruff, biome (JS), mypy (strict) and the tests on SQLite and PostgreSQL.
test: $(STAMP) $(NODE_STAMP) java lint typecheck pytest

lint: $(STAMP) lint-js
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

## biome: lint, format and import order of src/citybrain/web/static (biome.json); warnings fail.
lint-js: $(NODE_STAMP)
	node_modules/.bin/biome ci --error-on-warnings --colors=off

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) java
	$(BIN)/pytest -n 2 --dist loadgroup --durations=25

## The figures of record of docs/benchmarks.md, one after another (about 1.5 h; run it on a quiet machine).
bench: $(STAMP)
	bash bench/record.sh

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
