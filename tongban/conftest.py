"""Project-wide test set-up."""

from fnmatch import fnmatch

import pytest

# The tests that `make test` also runs on SQLite, the embedded default (`make run`), besides the
# browser tests: those of the code that takes another path per database (search, the audit
# chain's locking, the usage and call logs, rollups, the draw's snapshot, the ticks) and of the
# demo's seeding. Every test runs on PostgreSQL, the production database. Without a PostgreSQL
# to run on, `make test` runs the whole suite on SQLite.
EMBEDDED = (
    "tongban/core/tests/test_search.py",
    "tongban/core/tests/test_audit*.py",
    "tongban/core/tests/test_catalogue.py",
    "tongban/core/tests/test_commands.py",
    "tongban/demo/tests/test_seed.py",
    "tongban/demo/tests/test_scale.py",
    "tongban/catalog/tests/test_queries.py",
    "tongban/catalog/tests/test_search_filters.py",
    "tongban/portal/tests/test_views.py",
    "tongban/openness/tests/test_search.py",
    "tongban/exchange/tests/test_calllog.py",
    "tongban/exchange/tests/test_gateway.py",
    "tongban/licences/tests/test_usage*.py",
    "tongban/licences/tests/test_queries.py",
    "tongban/licences/tests/test_verify*.py",
    "tongban/licences/tests/test_import*.py",
    "tongban/insight/tests/test_rollups*.py",
    "tongban/supervision/tests/test_draw_services.py",
    "tongban/supervision/tests/test_draw_verify.py",
    "tongban/supervision/tests/test_iot_ingest.py",
    "tongban/cases/tests/test_tick.py",
)


# Of those, the ones that run on SQLite only: the demo's own seeding test seeds the core demo twice
# (minutes) for what `make run` does on SQLite; on PostgreSQL the whole demo is seeded once per
# run by the modules that use it (tongban/cases/tests/story_support.py) and checked there.
SQLITE_ONLY = ("tongban/demo/tests/test_seed.py",)


def pytest_configure(config):
    """One folder per test run that its processes (pytest-xdist's workers inherit the
    environment) share, e.g. the seeded demo's snapshot (tongban/cases/tests/story_support.py);
    removed when the run ends."""
    import os
    import tempfile

    if not hasattr(config, "workerinput") and "TONGBAN_TEST_SHARED" not in os.environ:
        config._tongban_shared = tempfile.mkdtemp(prefix="tongban-test-run-")
        os.environ["TONGBAN_TEST_SHARED"] = config._tongban_shared


def pytest_unconfigure(config):
    import os
    import shutil

    shared = getattr(config, "_tongban_shared", None)
    if shared:
        shutil.rmtree(shared, ignore_errors=True)
        os.environ.pop("TONGBAN_TEST_SHARED", None)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if any(fnmatch(path, pattern) for pattern in EMBEDDED):
            item.add_marker(pytest.mark.embedded)
        if any(fnmatch(path, pattern) for pattern in SQLITE_ONLY):
            item.add_marker(pytest.mark.sqlite_only)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many accounts; the production hasher's cost is tested by Django itself."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "tongban.accounts.hashers.ClientSecretHasher",  # OIDC client secrets, as in production
    ]


@pytest.fixture(autouse=True)
def _own_audit_anchor_file(settings, tmp_path):
    """Each test's audit chain (in its own database) gets its own anchor file, never var/'s."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"


@pytest.fixture(autouse=True)
def _fresh_calendar_snapshots():
    """Each test's database starts over (its transaction is rolled back, which bumps no version):
    no calendar snapshot may survive from the test before."""
    from tongban.core import workdays

    workdays.changed()
    yield


def clear_rate_limits(settings, keep=()) -> None:
    """Empty the rate-limit cache (local-memory only; a test that uses Redis brings its own key
    prefix), but for the keys in `keep`."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches[settings.RATELIMIT_CACHE]
    if isinstance(cache, LocMemCache):
        kept = cache.get_many(keep) if keep else {}
        cache.clear()
        cache.set_many(kept)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate limits and lockouts count in the cache (tongban.core.ratelimit), which outlives each
    test's rolled-back database: every test starts with no counts."""
    clear_rate_limits(settings)
    yield


@pytest.fixture
def redis_workers(settings):
    """Cache aliases on a real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/15), one per
    simulated worker: `make()` adds one (its own client and connection pool, as another worker
    process has) and returns its alias. All share one key prefix for this test, deleted after.
    Skips when no Redis answers, except under CI=true, where that fails."""
    import os
    import uuid

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at {url}")
    prefix = f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    aliases = []

    def make() -> str:
        aliases.append(f"worker{len(aliases) + 1}")
        settings.CACHES = {
            **settings.CACHES,
            aliases[-1]: {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": prefix,
            },
        }
        return aliases[-1]

    yield make
    raw = redis.Redis.from_url(url)
    for key in raw.scan_iter(f"{prefix}:*"):
        raw.delete(key)


@pytest.fixture(scope="module")
def browser():
    """One real Chromium per test module (see tongban/browsertest.py)."""
    from tongban.browsertest import launch

    with launch() as b:
        yield b


@pytest.fixture(scope="module")
def regions_loaded(django_db_setup, django_db_blocker):
    """Hubei's regions (a load is some 250 queries), loaded once per module outside the per-test
    transactions, and removed afterwards when this module loaded them, so that every module
    starts from the database it expects. Modules opt in by naming the fixture (or with
    `pytestmark = pytest.mark.usefixtures("regions_loaded")`)."""
    from tongban.catalog.testing import remove_regions
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services

    with django_db_blocker.unblock():
        loaded_here = not core_queries.provinces().exists()
        if loaded_here:
            core_services.do_load_regions(actor="system:test")
    yield
    if loaded_here:
        with django_db_blocker.unblock():
            remove_regions()
