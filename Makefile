# The README's verbs. Everything runs from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint format bench venv venv-dev clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

## make demo: SQLite + eager Celery, the demo journeys, a server on 127.0.0.1:8000
demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## make test: installs what is missing, starts throwaway PostgreSQL + Redis + worker, runs every test
test:
	bash .ci/test.sh

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make bench: the DESIGN section 8 workloads against throwaway PostgreSQL + Redis; writes bench/RESULTS.md
bench: venv-dev
	bash .ci/with-services.sh $(PY) bench/run.py

clean:
	rm -rf $(VENV) var db.sqlite3
