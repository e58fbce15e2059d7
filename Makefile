# Lindung: `make run` serves the API on http://127.0.0.1:8000, `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
ROLE ?= admin
VILLAGES ?=
STAMP := $(VENV)/.installed

.PHONY: run test token install lint unit integration clean bench

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || { echo "Creating $(VENV) with: $$(./devtools/pick-python.sh)"; $$(./devtools/pick-python.sh) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

install: $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(PY) -m devtools.run

token: $(STAMP)
	@$(PY) -m devtools.tokens --role $(ROLE) --villages "$(VILLAGES)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

test: $(STAMP) lint
	$(PY) -m pytest -q tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)
