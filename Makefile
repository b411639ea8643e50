# Fieldnotes. `make run` and `make test` work on a fresh clone with Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test test-faults test-burst test-migrations lint format migrate seed setup clean backup restore

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Set up everything, then serve the app with its Celery worker and beat (Ctrl-C stops all).
run: seed
	@$(BIN)/python -c "import config.env" >/dev/null
	@mkdir -p var/broker/queue var/broker/processed var/broker/control var/mail
	@echo ""
	@echo "  Fieldnotes is starting on http://127.0.0.1:8000/"
	@echo "  Demo logins (password: fieldnotes-demo):"
	@echo "    admin@demo.test (office admin)   advisor@demo.test   advisor2@demo.test"
	@echo "    student1@demo.test .. student3@demo.test, and 40 more students with six months of history"
	@echo "    alumni1@demo.test .. alumni12@demo.test, alumni-pending@demo.test (awaiting approval)"
	@echo "    second office: admin@other.test student@other.test alumni@other.test"
	@echo "  Emails are printed in this terminal. Ctrl-C stops web, worker and beat."
	@echo ""
	$(BIN)/honcho start -f Procfile.dev

## Set up, then run the whole test suite.
test: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_ARGS)

## The outbox under faults (tests/faults): real PostgreSQL, redis-server, Celery and SMTP; minutes.
test-faults: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -m faults $(PYTEST_ARGS)

## 5,000 due emails while 20 users browse (tests/faults/test_outbox_burst.py): real worker, beat, gunicorn; about two minutes.
test-burst: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -m burst $(PYTEST_ARGS)

## The data-migration tests, on a database built by the real migrations (the suite skips them).
test-migrations: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -m migrations --migrations --create-db $(PYTEST_ARGS)

## Ruff, then the layering contracts of docs/architecture.md (import-linter, pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## Back up the database (DATABASE_URL) into BACKUP_DIR (var/backups), keeping the newest BACKUP_KEEP (14).
backup: $(STAMP)
	$(BIN)/python manage.py backup_db

## Restore FILE=... into the database (DATABASE_URL), or TARGET_DB=name; REPLACE=1 empties a non-empty one first.
restore: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/<db>-<time>.dump [TARGET_DB=name] [REPLACE=1]"; exit 2; }
	$(BIN)/python manage.py restore_db "$(FILE)" $(if $(TARGET_DB),--target-db "$(TARGET_DB)") $(if $(REPLACE),--replace)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles .pytest_cache
