# CityBrain — the two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Set up, load a synthetic city into SQLite and serve it (URL printed).
demo: $(STAMP)
	$(BIN)/citybrain demo

## Set up and run every check: ruff, mypy (strict) and the tests on SQLite and PostgreSQL.
test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup

## The figures of record of docs/benchmarks.md, one after another (about 1.5 h; run it on a quiet machine).
bench: $(STAMP)
	bash bench/record.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
