# The two commands that matter: `make run` and `make test`. Both work from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-unit test-integration lint typecheck bench clean install gate

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@# gunicorn's C HTTP parser builds from source: without a C compiler, gunicorn parses in Python.
	$(BIN)/pip install --quiet -c constraints.txt -e '.[fast]' 2>/dev/null \
	  || echo "note: gunicorn_h1c not built (no C compiler?): gunicorn uses its Python HTTP parser"
	touch $(STAMP)

install: $(STAMP)

## Serve the gateway on http://127.0.0.1:8000 in the embedded mode (SQLite, in-process jobs).
run: $(STAMP)
	$(BIN)/sms-gateway init
	$(BIN)/sms-gateway serve

## Every test, then ruff, mypy and the import-layer contracts (lint-imports). Integration tests use DATABASE_URL/REDIS_URL or local servers on default ports
## and are skipped, with the reason printed, when those are not running (CI=true: they fail).
test: $(STAMP)
	$(BIN)/pytest -q
	$(BIN)/ruff check sms_gateway parsers routing tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test-unit: $(STAMP)
	$(BIN)/pytest -q tests/unit tests/providers

## Train the shipped complaint gate (parsers/data/complaint_gate.json) again from the shipped SMS
## sets, after one changes; it prints what it catches of the report-only sets and costs of the
## development complaints (../shared/data/surabaya_dev.csv, which only measures: nothing learnt).
gate: $(STAMP)
	$(BIN)/python -m bench.complaint_gate --shipped --out parsers/data/complaint_gate.json

lint: $(STAMP)
	$(BIN)/ruff check sms_gateway parsers routing tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
