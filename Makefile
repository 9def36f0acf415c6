# The README's verbs. Everything runs from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint format bench venv venv-dev clean messages

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

## make demo: SQLite, the demo journeys, a Celery worker on a filesystem queue (no Redis) and a server on
## 127.0.0.1:8000; Ctrl-C stops both (bin/demo)
demo: venv
	PY=$(PY) bash bin/demo

## make test: installs what is missing, starts throwaway PostgreSQL + Redis + worker, runs every test
test:
	bash .ci/test.sh

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## make messages: collects every marked string into locale/nl/LC_MESSAGES/django.po (translate the new ones there),
## then compiles django.mo, which is committed (tests/i18n/test_catalogue.py checks both)
messages: venv
	$(PY) manage.py makemessages -l nl --no-obsolete --add-location file
	msgfmt --check-format -o locale/nl/LC_MESSAGES/django.mo locale/nl/LC_MESSAGES/django.po

format: venv-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make bench: the DESIGN section 8 workloads against throwaway PostgreSQL + Redis; writes bench/RESULTS.md
bench: venv-dev
	bash .ci/with-services.sh $(PY) bench/run.py

clean:
	rm -rf $(VENV) var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
