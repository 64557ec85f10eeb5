# siu: `make demo` runs the whole pipeline on this machine; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PLUGINS := $(sort $(wildcard plugins/*/pyproject.toml))
EDITABLES := -e '.[dev]' -e contract_tests $(foreach p,$(PLUGINS),-e $(dir $(p)))

.PHONY: demo test lint typecheck unit contract bench clean help test-unit test-functional test-e2e

help:
	@echo "make demo             run the embedded default (no AWS account needed)"
	@echo "make test             lint, type-check and run every test, contract suite included"
	@echo "make test-unit        the pure tests only (no moto, subprocess or socket; under 30 s)"
	@echo "make test-functional  the tests on moto, loopback stand-ins, subprocesses and toolchains"
	@echo "make test-e2e         the browser tests (Chromium against the whole stack on loopback)"
	@echo "make bench            print the benchmark figures"

$(STAMP): pyproject.toml contract_tests/pyproject.toml $(PLUGINS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "siu needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(EDITABLES)
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/siu demo

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy siu_core contract_tests/siu_contract $(foreach p,$(PLUGINS),$(dir $(p))$(notdir $(patsubst %/,%,$(dir $(p)))))

# One pytest run: the core's tests, every plugin's own tests, and the contract suite for every
# installed channel plus the Bedrock labeler contract (`--siu-channel all`), as the deploy gate runs it.
unit: $(STAMP)
	$(BIN)/pytest -q -p siu_contract --siu-channel all

test: lint typecheck unit

# The same run cut into the three tiers the root conftest.py gives every test (README, "Tests").
PYTEST_ALL := $(BIN)/pytest -q -p siu_contract --siu-channel all

# The pure tier over every core (pytest-xdist): its tests share no state, so they split freely.
test-unit: $(STAMP)
	$(PYTEST_ALL) -m unit -n auto

test-functional: $(STAMP)
	$(PYTEST_ALL) -m functional

test-e2e: $(STAMP)
	$(PYTEST_ALL) -m e2e

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache
