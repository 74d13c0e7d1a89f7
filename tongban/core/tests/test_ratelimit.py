"""The one rate-limit piece (core.ratelimit): a window anchored at the first hit, counted with
atomic cache operations. The shared-counter and concurrency tests use a real Redis
through independent cache clients, as two workers would have (the `redis_workers` fixture of
tongban/conftest.py: TEST_REDIS_URL, default redis://127.0.0.1:6379/15, a key prefix per test)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from tongban.core import ratelimit
from tongban.core.ratelimit import Rate, TooManyRequests


@pytest.fixture
def later(monkeypatch):
    real = time.time

    def move(seconds: float) -> None:
        monkeypatch.setattr(time, "time", lambda: real() + seconds)

    return move


# --- the window (local memory) ---------------------------------------------------------------


def test_count_hits_per_window_then_refuse_until_it_ends(later):
    rate = Rate(name="t-window", count=3, window=600)
    outcomes = [ratelimit.hit(rate, "k") for _ in range(5)]
    assert [o.allowed for o in outcomes] == [True, True, True, False, False]
    assert [o.remaining for o in outcomes] == [2, 1, 0, 0, 0]
    assert 599 <= outcomes[-1].retry_after <= 600
    assert ratelimit.hit(rate, "other").allowed  # keys are apart
    later(300)  # refused hits did not move the end of the window
    refused = ratelimit.hit(rate, "k")
    assert not refused.allowed and 299 <= refused.retry_after <= 300
    later(601)
    fresh = ratelimit.hit(rate, "k")
    assert fresh.allowed and fresh.count == 1


def test_peek_counts_nothing_and_reset_forgets():
    rate = Rate(name="t-peek", count=2, window=60)
    assert ratelimit.peek(rate, "k").allowed
    ratelimit.hit(rate, "k")
    ratelimit.hit(rate, "k")
    state = ratelimit.peek(rate, "k")
    assert not state.allowed and state.count == 2 and ratelimit.peek(rate, "k").count == 2
    ratelimit.reset(rate, "k")
    assert ratelimit.peek(rate, "k").count == 0 and ratelimit.hit(rate, "k").count == 1


def test_check_says_in_chinese_when_to_try_again():
    rate = Rate(name="t-check", count=1, window=3600)
    ratelimit.check(rate, "k", message="操作过于频繁")
    with pytest.raises(TooManyRequests) as exc:
        ratelimit.check(rate, "k", message="操作过于频繁")
    assert exc.value.status == 429 and exc.value.code == "rate_limited"
    assert exc.value.message == "操作过于频繁，请60分钟后再试" and exc.value.retry_after == 3600


def test_keys_are_digests_not_the_personal_data_they_count():
    ratelimit.hit(Rate(name="t-digest", count=1, window=60), "13800000001")
    local = caches["default"]
    assert isinstance(local, LocMemCache)
    assert not any("13800000001" in key for key in local._cache)


@pytest.mark.parametrize(
    ("text", "count", "window"),
    [("5/1h", 5, 3600), ("20/10m", 20, 600), ("1000/60", 1000, 60), ("5/d", 5, 86400), ("0/1s", 0, 1)],
)
def test_rates_are_read_from_settings_text(text, count, window):
    assert Rate.parse(text, name="x") == Rate(name="x", count=count, window=window)


@pytest.mark.parametrize("text", ["", "5", "five/1h", "5/0", "5/1w", "-1/1h"])
def test_a_bad_rate_setting_is_refused_by_name(text):
    with pytest.raises(ValueError, match="SMS_RATE"):
        Rate.parse(text, name="SMS_RATE")


def test_wait_text():
    assert [ratelimit.wait_text(s) for s in (1, 59, 60, 61, 900, 7199, 7200, 86400)] == [
        "请1秒后再试",
        "请59秒后再试",
        "请1分钟后再试",
        "请2分钟后再试",
        "请15分钟后再试",
        "请120分钟后再试",
        "请2小时后再试",
        "请24小时后再试",
    ]


@pytest.mark.parametrize(
    ("backend", "ids"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", ["tongban.W101"]),
        ("django.core.cache.backends.dummy.DummyCache", ["tongban.E101"]),
        ("django.core.cache.backends.redis.RedisCache", []),
    ],
)
@pytest.mark.django_db  # the deployment checks include the models' database checks
def test_check_deploy_names_a_cache_the_workers_do_not_share(settings, backend, ids):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/15"}}
    from django.core.checks import run_checks

    found = [
        m.id for m in run_checks(include_deployment_checks=True) if m.id in ("tongban.W101", "tongban.E101")
    ]
    assert found == ids


# --- shared by workers, atomic (real Redis) ---------------------------------------------------


@pytest.fixture
def workers(redis_workers):
    """`make()`: a new, independent Redis cache client, as another worker process has."""

    def make():
        return caches[redis_workers()]

    return make


def test_two_workers_share_the_counts(workers):
    one, two = workers(), workers()
    assert one is not two and one._cache.get_client() is not two._cache.get_client()
    rate = Rate(name="t-shared", count=4, window=60)
    seen = [ratelimit.hit(rate, "13800000001", cache=(one, two)[i % 2]) for i in range(6)]
    assert [o.count for o in seen] == [1, 2, 3, 4, 5, 6]
    assert [o.allowed for o in seen] == [True] * 4 + [False] * 2
    assert not ratelimit.peek(rate, "13800000001", cache=workers()).allowed  # a third worker sees it
    ratelimit.reset(rate, "13800000001", cache=one)
    assert ratelimit.hit(rate, "13800000001", cache=two).count == 1


def test_counting_is_atomic_under_concurrency(workers):
    rate = Rate(name="t-race", count=5, window=60)
    clients = [workers() for _ in range(16)]
    start = threading.Barrier(len(clients))
    results = []
    lock = threading.Lock()

    def worker(cache):
        start.wait()
        outcome = ratelimit.hit(rate, "k", cache=cache)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.count for o in results) == list(range(1, 17))  # no hit lost, none counted twice
    assert sum(o.allowed for o in results) == 5


def test_a_hit_on_redis_is_one_command(redis_workers, settings):
    """The common case is one round trip: the hit script (EVALSHA), whether it opens the window
    or counts in it; seen by Redis itself (MONITOR, filtered to this test's keys)."""
    import redis

    alias = redis_workers()
    cache = caches[alias]
    location = settings.CACHES[alias]["LOCATION"]
    prefix = settings.CACHES[alias]["KEY_PREFIX"]
    rate = Rate(name="t-one", count=2, window=60)
    raw = redis.Redis.from_url(location)
    with raw.monitor() as monitor:
        seen = [ratelimit.hit(rate, "k", cache=cache) for _ in range(3)]
        sentinel = f"{prefix}-done"
        redis.Redis.from_url(location).echo(sentinel)
        commands = []
        while True:
            seen_by_redis = monitor.next_command()
            command = seen_by_redis["command"]
            if sentinel in command:
                break
            if prefix in command and seen_by_redis.get("client_type") != "lua":  # not the script's own
                commands.append(command.split()[0].upper())
    assert [(o.count, o.allowed) for o in seen] == [(1, True), (2, True), (3, False)]
    assert commands in (["EVALSHA"] * 3, ["EVALSHA", "EVAL", "EVALSHA", "EVALSHA"])


def test_a_window_stored_by_an_earlier_version_is_replaced_not_miscounted(workers):
    """An earlier version stored the window's start as a float (seconds): the script starts a
    new window over it rather than counting into a counter no one reads."""
    cache = workers()
    rate = Rate(name="t-old", count=5, window=60)
    cache.set(ratelimit._start_key(rate, "k"), time.time() - 10, timeout=60)
    first = ratelimit.hit(rate, "k", cache=cache)
    assert (first.count, first.allowed) == (1, True) and 59 <= first.retry_after <= 60
    assert ratelimit.peek(rate, "k", cache=cache).count == 1


def test_leases_count_large_rates_a_lease_at_a_time_and_never_exceed_them(workers):
    """Two workers with `lease=True` on a rate of 3,000 a window (leases of 3): the shared count
    moves a lease at a time, the hits handed out are each counted once, the limit is never
    exceeded and at most (workers − 1) × (lease − 1) hits are refused early."""
    one, two = workers(), workers()
    rate = Rate(name="t-lease", count=3000, window=600)
    assert ratelimit.lease_size(rate) == 3 and ratelimit.lease_size(Rate(name="x", count=1999, window=1)) == 1
    seen = [ratelimit.hit(rate, "grant-1", cache=(one, two)[i % 2], lease=True) for i in range(3010)]
    allowed = [o for o in seen if o.allowed]
    assert 3000 - 2 <= len(allowed) <= 3000
    assert sorted(o.count for o in allowed) == sorted(set(o.count for o in allowed))  # each position once
    assert max(o.count for o in allowed) <= 3000
    assert all(not o.allowed for o in seen[3004:])  # past the limit, nothing more
    assert ratelimit.peek(rate, "grant-1", cache=workers()).count >= 3010  # leases counted in full


def test_a_leased_hit_is_one_command_per_lease(redis_workers, settings):
    import redis

    alias = redis_workers()
    cache = caches[alias]
    location, prefix = settings.CACHES[alias]["LOCATION"], settings.CACHES[alias]["KEY_PREFIX"]
    rate = Rate(name="t-lease-one", count=64_000, window=60)  # leases of 64
    ratelimit.hit(rate, "k0", cache=cache, lease=True)  # the script loaded
    with redis.Redis.from_url(location).monitor() as monitor:
        seen = [ratelimit.hit(rate, "k", cache=cache, lease=True) for _ in range(65)]
        sentinel = f"{prefix}-done"
        redis.Redis.from_url(location).echo(sentinel)
        commands = []
        while sentinel not in (command := monitor.next_command())["command"]:
            if prefix in command["command"] and command.get("client_type") != "lua":
                commands.append(command["command"].split()[0].upper())
    assert [o.count for o in seen] == list(range(1, 66)) and all(o.allowed for o in seen)
    assert commands == ["EVALSHA", "EVALSHA"]  # the 1st and the 65th hit
