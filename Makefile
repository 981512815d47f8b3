# Two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

# The first Python >= 3.12 found: on PATH, then in pyenv. Override with `make PYTHON=/path/to/python3.12`.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3) $(wildcard /usr/local/bin/python3.1[2-9]); do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v $$p; break; fi; done)

.PHONY: run test venv migrate seed worker beat lint check-deploy clean bench

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
		if [ -z "$(PYTHON)" ]; then \
			echo "No Python 3.12 or newer found. Install one, e.g. 'apt-get install python3.13 python3.13-venv' (Debian 13)"; \
			echo "or 'pyenv install 3.12', then run make again (or pass PYTHON=/path/to/python3.12)."; exit 1; \
		fi; \
		echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

seed: migrate
	$(BIN)/python manage.py seed_demo

# Local helpers run in development mode unless told otherwise (DEBUG=false SECRET_KEY=...).
run migrate seed worker beat: export DEBUG ?= true

# Serves the portal on SQLite with tasks run in-process and mail printed to this terminal.
run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The import contracts first (pyproject.toml, [tool.importlinter]), then the SPC package's tests
# on their own and without Django (spc/pytest.ini), then the suite.
test: $(STAMP)
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python -m pytest spc
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmark, a separate command (README, "Benchmark"): seeds PostgreSQL, serves the portal
# with gunicorn on loopback, drives locust at it and writes docs/benchmark.md.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	BIN=$(BIN) bash bench/run.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo

worker: $(STAMP)
	$(BIN)/celery -A ncsup worker --loglevel=info

beat: $(STAMP)
	$(BIN)/celery -A ncsup beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 media
