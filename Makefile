# tongban — the two commands: `make run` (demo on SQLite) and `make test` (the whole suite).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/tongban
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint test-sqlite test-postgres bench-smoke system-deps bench bench-catalog bench-identity \
	bench-cases bench-licences bench-search bench-exchange lock clean messages

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

## The English catalogue regenerated from the sources (tongban/locale/en/LC_MESSAGES/django.po):
## new strings appear untranslated for you to fill in, unused ones go; a test keeps it complete.
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l en --no-obsolete -v 0

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

# The suite runs in PYTEST_WORKERS processes (pytest-xdist; each has its own test database).
PYTEST_WORKERS ?= 2
PYTEST := $(VENV)/bin/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS)

# Every test runs on PostgreSQL, the production database (test-postgres), when one answers at
# PG_URL; SQLite, the embedded default of `make run`, then runs the browser tests and the tests of
# the code that takes another path per database (marked `embedded`, tongban/conftest.py). With no
# PostgreSQL reachable, the whole suite runs on SQLite. Each test runs once: CI stays under 30 minutes.
test-sqlite: setup system-deps
	@if scripts/pg-ready "$(PG_URL)"; then \
	  echo "SQLite: the browser tests and the embedded ones (the rest runs on PostgreSQL)"; \
	  $(PYTEST) -m "browser or embedded"; \
	else \
	  $(PYTEST); \
	fi

# $(1) with DATABASE_URL=$(PG_URL) when that PostgreSQL answers; else skipped, naming $(2)
# (failing under CI=true).
define on_postgres
	@if scripts/pg-ready "$(PG_URL)"; then \
	  DATABASE_URL="$(PG_URL)" $(1); \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "CI=true but no PostgreSQL answers at $(PG_URL): failing."; exit 1; \
	else \
	  echo "No PostgreSQL reachable at $(PG_URL): skipping $(2) (set PG_URL to run it)."; \
	fi
endef

# The browser tests (layout, language, accessibility in a real Chromium) run once, in the SQLite
# half: what they check does not depend on the database; so do the few marked `sqlite_only`
# (tongban/conftest.py SQLITE_ONLY: the demo's seeding test, `make run`'s path).
test-postgres: setup system-deps
	$(call on_postgres,$(PYTEST) -m "not browser and not sqlite_only",the PostgreSQL half)

## Every benchmark in its smoke mode (tiny sizes, each on its own throwaway *bench* database,
## no timing asserted): a change that breaks a benchmark fails the build. Two at a time (each
## worker migrates its own template database). See bench/README.md.
bench-smoke: setup
	$(call on_postgres,$(VENV)/bin/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) bench/test_smoke.py,the benchmarks' smoke run)

## The whole suite: lint, then SQLite, then PostgreSQL, then the benchmarks' smoke run.
test: lint test-sqlite test-postgres bench-smoke

## Benchmarks (not tests; each creates its own *bench* database, prints a table, writes
## var/bench/<name>.json): all of them in turn, or one. See bench/README.md.
bench: bench-catalog bench-identity bench-cases bench-licences bench-search bench-exchange

## Catalogue search p95 at province scale (724,000 items).
BENCH_CATALOG_URL ?= postgres://postgres@127.0.0.1:5432/tongban_bench
bench-catalog: setup
	DATABASE_URL="$(BENCH_CATALOG_URL)" $(PY) bench/catalog_search.py $(BENCH_CATALOG_ARGS)

## Token issuance and userinfo per second vs a bare view (creates its own *bench* database).
BENCH_IDENTITY_URL ?= postgres://postgres@127.0.0.1:5432/tongban_bench_identity
bench-identity: setup
	DATABASE_URL="$(BENCH_IDENTITY_URL)" $(PY) bench/identity.py $(BENCH_IDENTITY_ARGS)

## Case lifecycles/s, deadlines/s and workbench queue p95 over 1M cases (creates its own *bench* database).
BENCH_CASES_URL ?= postgres://postgres@127.0.0.1:5432/tongban_bench_cases
bench-cases: setup
	DATABASE_URL="$(BENCH_CASES_URL)" $(PY) bench/case_lifecycle.py $(BENCH_CASES_ARGS)

## Licence verification and holder queries per second with every use logged, bulk import rate (creates its own *bench* database).
BENCH_LICENCES_URL ?= postgres://postgres@127.0.0.1:5432/tongban_bench_licences
bench-licences: setup
	DATABASE_URL="$(BENCH_LICENCES_URL)" $(PY) bench/licenses.py $(BENCH_LICENCES_ARGS)

## The search page with filters on the seeded demo: page and query p50/p95 per kind of search.
BENCH_SEARCH_URL ?= postgres://postgres@127.0.0.1:5432/tongban_bench_search
bench-search: setup
	DATABASE_URL="$(BENCH_SEARCH_URL)" $(PY) bench/search_page.py $(BENCH_SEARCH_ARGS)

## 核查比对 through the data-sharing gateway (logged, rate-limited) vs a bare view, at 10^5 and 10^7
## people; the databases (<name>, <name>_small) are kept and their people reused between runs.
BENCH_EXCHANGE_URL ?= postgres://postgres@127.0.0.1:5432/tongban_bench_exchange
bench-exchange: setup
	DATABASE_URL="$(BENCH_EXCHANGE_URL)" $(PY) bench/exchange.py $(BENCH_EXCHANGE_ARGS)

## Re-pin Python dependencies from requirements.in into requirements.lock.
lock:
	rm -rf var/lockenv && "$$(scripts/find-python)" -m venv var/lockenv
	var/lockenv/bin/pip install --quiet -r requirements.in
	(echo "# Pinned from requirements.in by \`make lock\` (pip freeze of a clean venv). Install with \`make setup\`."; \
	  var/lockenv/bin/pip freeze) > requirements.lock
	rm -rf var/lockenv

clean:
	rm -rf $(VENV) node_modules var staticfiles
