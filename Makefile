# tongban — the two commands: `make run` (demo on SQLite) and `make test` (the whole suite).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/tongban
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint test-sqlite test-postgres system-deps bench bench-identity bench-cases lock clean

## Environment only: .venv with the pinned Python packages, node_modules from the lockfile,
## compiled translations and collected static files.
setup: $(VENV)/.installed node_modules/.installed var/.translations

$(VENV)/.installed: requirements.lock scripts/find-python
	@python=$$(scripts/find-python) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating .venv with $$python"; "$$python" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --silent --no-audit --no-fund
	@touch $@

var/.translations: $(VENV)/.installed $(shell find tongban -name '*.po' 2>/dev/null)
	@mkdir -p var
	@if ! command -v msgfmt >/dev/null; then \
	  echo "gettext (msgfmt) is missing: the English UI falls back to Chinese. Run 'make system-deps' as root."; \
	elif [ -d tongban/locale ]; then $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0; fi
	@touch $@

## Debian packages the browser tests and PDF notices need (chromium, CJK fonts, gettext).
system-deps:
	@scripts/system-deps

## The demo on SQLite: migrate, seed (idempotent), serve until Ctrl-C.
run: setup
	$(MANAGE) migrate --verbosity 0
	$(MANAGE) seed demo
	@$(MANAGE) demo_info --host $(HOST) --port $(PORT)
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test-sqlite: setup system-deps
	$(VENV)/bin/pytest -q -p no:cacheprovider

test-postgres: setup system-deps
	@if scripts/pg-ready "$(PG_URL)"; then \
	  DATABASE_URL="$(PG_URL)" $(VENV)/bin/pytest -q -p no:cacheprovider; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "CI=true but no PostgreSQL answers at $(PG_URL): failing."; exit 1; \
	else \
	  echo "No PostgreSQL reachable at $(PG_URL): skipping the PostgreSQL half (set PG_URL to run it)."; \
	fi

## The whole suite: lint, then SQLite, then PostgreSQL.
test: lint test-sqlite test-postgres

## Benchmarks (not tests): see bench/README.md.
bench: setup
	DATABASE_URL="$(PG_URL)" $(PY) bench/catalog_search.py

## Token issuance and userinfo per second vs a bare view (creates its own *bench* database).
BENCH_IDENTITY_URL ?= postgres://postgres@127.0.0.1:5432/tongban_bench_identity
bench-identity: setup
	DATABASE_URL="$(BENCH_IDENTITY_URL)" $(PY) bench/identity.py

## Case lifecycles/s, deadlines/s and workbench queue p95 over 1M cases (creates its own *bench* database).
BENCH_CASES_URL ?= postgres://postgres@127.0.0.1:5432/tongban_bench_cases
bench-cases: setup
	DATABASE_URL="$(BENCH_CASES_URL)" $(PY) bench/case_lifecycle.py $(BENCH_CASES_ARGS)

## Re-pin Python dependencies from requirements.in into requirements.lock.
lock:
	rm -rf var/lockenv && "$$(scripts/find-python)" -m venv var/lockenv
	var/lockenv/bin/pip install --quiet -r requirements.in
	(echo "# Pinned from requirements.in by \`make lock\` (pip freeze of a clean venv). Install with \`make setup\`."; \
	  var/lockenv/bin/pip freeze) > requirements.lock
	rm -rf var/lockenv

clean:
	rm -rf $(VENV) node_modules var staticfiles
