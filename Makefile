# Closo — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
PORT   ?= 8000

.PHONY: run test lint format bench db-stop clean help

help:
	@echo "make run    – set up everything and serve the portal on :$(PORT) (Ctrl-C stops it)"
	@echo "make test   – run the whole test suite (lint, migrations check, pytest, browser tests)"
	@echo "make lint   – ruff check + format check"
	@echo "make bench  – run the benchmarks in bench/"
	@echo "make db-stop – stop the embedded PostgreSQL"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	@was_running=$$($(PY) -c "from closo import embedded_db; print(int(embedded_db.is_running()))" 2>/dev/null || echo 0); \
	$(PY) manage.py migrate --noinput -v 0 && \
	$(PY) manage.py load_demo && \
	$(PY) manage.py simulate --brand northwind --scenario quiet --days 7 --seed 1 >/dev/null && \
	CLOSO_DB_WAS_RUNNING=$$was_running exec $(PY) manage.py serve --port $(PORT)

test: $(VENV)/.installed-dev
	@scripts/ensure-chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed-dev
	$(PY) bench/brand_creation.py
	$(PY) bench/photo_processing.py
	$(PY) bench/dev_server_load.py
	$(PY) bench/tenants.py
	$(PY) bench/allocation.py
	$(PY) bench/availability.py

db-stop: $(VENV)/.installed
	$(PY) manage.py db stop

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
