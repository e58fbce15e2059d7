# Lindung: `make run` serves the API on http://127.0.0.1:8000, `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
ROLE ?= admin
VILLAGES ?=
STAMP := $(VENV)/.installed
# The interpreter .venv is built with: 3.12 (Lambda runtime) where present, else python3.
PYTHON_CMD ?= $(shell ./devtools/pick-python.sh)

.PHONY: run test test-py311 token install lint unit integration clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || { echo "Creating $(VENV) with: $(PYTHON_CMD)"; $(PYTHON_CMD) -m venv $(VENV); }
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

# The same suite on the machine's default python3 (3.11 here): the code must run on both.
test-py311:
	$(MAKE) test VENV=.venv-py311 PYTHON_CMD=python3

clean:
	rm -rf $(VENV) .venv-py311 .pytest_cache .ruff_cache
