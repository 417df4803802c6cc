# The platform's commands. `make run` and `make test` are the two a newcomer needs.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint bench messages clean

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Embedded mode: SQLite and Celery eager, whatever the shell's environment says.
run: install
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py migrate --no-input -v 0
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py collectstatic --no-input -v 0
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py load_demo
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite against PostgreSQL and Redis (tests/run.py says what it skipped and why).
test: install
	$(PY) -m tests.run $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: install
	$(PY) -m bench

# Refresh the catalogues after changing strings; the compiled .mo files are committed so that
# a fresh machine needs no gettext.
messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .mypy_cache .ruff_cache
