# orderdesk — `make help` lists the targets.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pytest-xdist processes for `make test` (each with its own databases); 0 runs in this one.
TEST_WORKERS ?= 2
# HTTP worker processes `make bench` serves with; BENCH_ARGS=--smoke for a quick check.
BENCH_WORKERS ?= 2
BENCH_ARGS ?=
# What `make install` installs: exact versions with their hashes, for Python 3.11 on Linux
# (the runtime's alone, which the container image installs, and the runtime's with the dev
# extra's). `make lock` refreshes both from pyproject.toml.
RUNTIME_LOCK := requirements/runtime.txt
LOCK         := requirements/dev.txt
PIP_VERSION  := 26.3
PIP_TOOLS_VERSION := 7.7.0
# `make lock` moves every pin to the newest release pyproject.toml allows; LOCK_ARGS= keeps
# the pins that still fit, LOCK_ARGS='--upgrade-package NAME' moves one.
LOCK_ARGS ?= --upgrade
PIP_COMPILE := CUSTOM_COMPILE_COMMAND='make lock' $(BIN)/pip-compile --quiet --generate-hashes \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

.DEFAULT_GOAL := help
.PHONY: help install lock run test test-fast contract lint format postgres bench bench-tools clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# The Dockerfile installs the same way, from $(RUNTIME_LOCK): keep the two alike.
$(BIN)/orderdesk: pyproject.toml $(LOCK)
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or make PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

install: $(BIN)/orderdesk ## Create .venv and install orderdesk with its dev tools, as locked in requirements/

$(BIN)/pip-compile:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or make PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION) pip-tools==$(PIP_TOOLS_VERSION)

lock: $(BIN)/pip-compile ## Refresh the lock files in requirements/ from pyproject.toml (then `make install`)
	$(PIP_COMPILE) --output-file=$(RUNTIME_LOCK) pyproject.toml
	$(PIP_COMPILE) --extra=dev --constraint=$(RUNTIME_LOCK) --output-file=$(LOCK) pyproject.toml

run: install ## Migrate the SQLite file, load the demo if empty, print the keys, serve on 127.0.0.1:8000 with the webhook worker
	$(BIN)/orderdesk demo --if-empty --base-url http://$(HOST):$(PORT)
	ORDERDESK_WEBHOOK_ALLOW_PRIVATE=$${ORDERDESK_WEBHOOK_ALLOW_PRIVATE:-true} \
		$(BIN)/orderdesk serve --host $(HOST) --port $(PORT) --with-worker

postgres: ## Start the local PostgreSQL if it is installed but stopped
	@bash scripts/ensure-postgres.sh

test: lint postgres bench-tools ## Lint, type-check and check the layering, then run every test, on SQLite and PostgreSQL
	$(BIN)/pytest -n $(TEST_WORKERS) --dist load -m "not alone"
	$(BIN)/pytest -m alone

test-fast: install ## Run the tests on SQLite only
	$(BIN)/pytest -m "not postgres"

contract: install postgres ## Fuzz the API against its OpenAPI document (schemathesis), both backends
	$(BIN)/pytest -m contract

lint: install ## Lint, check formatting, types and the layering (import contracts)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports

format: install ## Format the code
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench-tools: ## Install wrk (Debian's package) if it is missing
	@bash scripts/ensure-wrk.sh

bench: install postgres bench-tools ## Measure create, fetch and list against pgbench on the local PostgreSQL (and SQLite); writes bench/results.json
	$(BIN)/python bench/run.py --workers $(BENCH_WORKERS) $(BENCH_ARGS)

clean: ## Remove the virtual environment and local databases
	rm -rf $(VENV) orderdesk.db orderdesk.db-wal orderdesk.db-shm .pytest_cache
