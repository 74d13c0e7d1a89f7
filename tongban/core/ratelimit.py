"""Rate limits (限流) on the shared cache: one piece for every limit of the platform.

A limit allows `count` hits per `window` seconds for one key (a number, an address, an
account). The window is fixed and starts at the key's first hit; once the count is used up,
every further hit is refused until the window ends (`retry_after` says when). Refused hits do
not move the end of the window.

Two cache operations make it atomic without read-modify-write: `cache.add` (set only if absent)
opens a window and stores its start (an integer, microseconds since the epoch), and `cache.incr`
counts. The counter's key names the window's start, so a counter is only ever incremented during
its own window and expires after it (an expired counter can never be re-created without an
expiry). With Redis (`REDIS_URL`), every worker of every server shares the counters; the
local-memory cache of a default install is per process (fine for one process, the demo and
tests).

On Redis a hit is one command: a Lua script (EVALSHA, `_HIT_SCRIPT`) does the same steps
server-side and atomically — read the window's start or open a window, INCR its counter, set the
counter's expiry on its first hit — on the same keys and values as the generic path, so workers on
either path count together and `peek`/`reset` read and forget both alike. A high-volume caller
may pass `lease=True` (see `hit`): for large rates a process then takes its hits from the shared
count a lease at a time, one command per lease.

Use:

    LIMIT = Rate.setting("SMS_RATE_PER_NUMBER", name="sms-number")
    outcome = hit(LIMIT, key)          # count one; outcome.allowed, .remaining, .retry_after
    check(LIMIT, key)                  # the same, raising TooManyRequests when refused
    reset(LIMIT, key)                  # e.g. after a successful sign-in
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from .crypto import sm3_hex
from .errors import DomainError

# A counter outlives its window by this much, so a slow request can still count into it.
_SLACK_SECONDS = 60
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class TooManyRequests(DomainError):
    code = "rate_limited"
    status = 429
    default_message = "操作过于频繁，请稍后再试"

    def __init__(self, message: str | None = None, *, retry_after: int = 0, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rate:
    """`count` hits per `window` seconds, under a name that keeps its keys apart."""

    name: str
    count: int
    window: int

    @classmethod
    def parse(cls, text: str, *, name: str) -> Rate:
        """'5/1h', '20/10m', '1000/60' (seconds), '5/d'. A count of 0 refuses everything."""
        m = _RATE.match(str(text))
        if m is None:
            raise ValueError(f"{name}: a rate is 'count/window' such as '5/1h', not {text!r}")
        window = int(m.group(2) or 1) * _UNIT[m.group(3)]
        if window <= 0:
            raise ValueError(f"{name}: the window of {text!r} is empty")
        return cls(name=name, count=int(m.group(1)), window=window)

    @classmethod
    def setting(cls, setting: str, *, name: str) -> Rate:
        """The rate in a setting (read at each use, so tests and operators can change it)."""
        return cls.parse(getattr(settings, setting), name=name)


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    count: int  # hits in this window, this one included
    remaining: int  # hits still allowed in this window
    retry_after: int  # seconds until the window ends (at least 1)


def _cache(cache=None):
    return cache if cache is not None else caches[getattr(settings, "RATELIMIT_CACHE", "default")]


def _start_key(rate: Rate, key: str) -> str:
    # Keys may hold personal data (a number, an address): keep only a digest in the cache.
    return f"rl:{rate.name}:{sm3_hex(str(key).encode())[:40]}"


def _outcome(rate: Rate, count: int, start: float, now: float) -> Outcome:
    left = max(1, math.ceil(start + rate.window - now))
    return Outcome(
        allowed=count <= rate.count,
        count=count,
        remaining=max(0, rate.count - count),
        retry_after=left,
    )


def hit(rate: Rate, key: str, *, cache=None, lease: bool = False) -> Outcome:
    """Count one hit for `key` and say whether it is allowed.

    `lease=True` (a high-volume caller such as the data-sharing gateway): on Redis, for a rate of
    at least 2,000 hits a window, this process takes its hits from the shared count in leases of
    `lease_size(rate)` (count // 1000, at most 64) — one command per lease instead of per hit —
    and hands them out locally in order. The shared count then runs ahead of the hits by the
    leases' unused part: a limit is never exceeded; near it, a hit may be refused while another
    process still holds unused leased hits (at most (processes − 1) × (lease − 1) early). A lease
    belongs to its window and is dropped when the window ends; `reset` drops this process's."""
    c = _cache(cache)
    start_key = _start_key(rate, key)
    script = _redis_script(c)
    if script is not None:
        now = time.time()
        full = c.make_and_validate_key(start_key)
        size = lease_size(rate) if lease else 1
        if size > 1:
            taken = _Leases.take((id(c._cache), full), now)
            if taken is not None:
                return _outcome(rate, taken[1], taken[0] / 1_000_000, now)
        start_us, count = script(
            keys=[full], args=[int(now * 1_000_000), rate.window, rate.window + _SLACK_SECONDS, size]
        )
        start_us, count = int(start_us), int(count)
        if size > 1:  # this hit is the lease's first; the rest are handed out here
            _Leases.give((id(c._cache), full), start_us, rate.window, count - size + 2, count)
            count = count - size + 1
        return _outcome(rate, count, start_us / 1_000_000, now)
    for _ in range(3):  # a window may end between two operations: start over
        now = time.time()
        start_us = int(now * 1_000_000)
        if not c.add(start_key, start_us, timeout=rate.window):
            start_us = _micros(c.get(start_key))
            if start_us is None:
                continue
        counter = f"{start_key}:{start_us}"
        if c.add(counter, 1, timeout=rate.window + _SLACK_SECONDS):
            return _outcome(rate, 1, start_us / 1_000_000, now)
        try:
            return _outcome(rate, c.incr(counter), start_us / 1_000_000, now)
        except ValueError:  # the counter expired under us
            continue
    return _outcome(rate, rate.count + 1, time.time(), time.time())  # fail closed


LEASE_MAX = 64


def lease_size(rate: Rate) -> int:
    """Hits a process takes at once with `hit(..., lease=True)`: 1 below 2,000 a window (exact)."""
    return max(1, min(LEASE_MAX, rate.count // 1000))


class _Leases:
    """This process's leased hits: (cache client, full key) -> [window start µs, window end (s),
    next count to hand out, last count of the lease]."""

    lock = threading.Lock()
    held: dict = {}

    @classmethod
    def take(cls, key, now: float) -> tuple[int, int] | None:
        with cls.lock:
            lease = cls.held.get(key)
            if lease is None or now >= lease[1] or lease[2] > lease[3]:
                return None
            lease[2] += 1
            return lease[0], lease[2] - 1

    @classmethod
    def give(cls, key, start_us: int, window: int, first: int, last: int) -> None:
        with cls.lock:
            if len(cls.held) > 10_000:
                cls.held = {}
            cls.held[key] = [start_us, start_us / 1_000_000 + window, first, last]

    @classmethod
    def drop(cls, full_key: str) -> None:
        with cls.lock:
            for key in [k for k in cls.held if k[1] == full_key]:
                del cls.held[key]


def _micros(start) -> int | None:
    """A window's stored start as integer microseconds (None: no window). A float is a start
    stored in seconds by an earlier version of this module."""
    if start is None:
        return None
    return start if isinstance(start, int) else int(float(start) * 1_000_000)


# The hit on Redis, in one round trip. KEYS[1]: the window's start key (full, as the cache makes
# it); ARGV: now in microseconds, the window and the counter's lifetime in seconds, the hits to
# count (1, or a lease). A start key
# holding something else than an integer (an earlier version's pickled float) is replaced.
_HIT_SCRIPT = """
local start = redis.call('GET', KEYS[1])
if not start or not tonumber(start) then
  start = ARGV[1]
  redis.call('SET', KEYS[1], start, 'EX', ARGV[2])
end
local counter = KEYS[1] .. ':' .. start
local count = redis.call('INCRBY', counter, ARGV[4])
if count == tonumber(ARGV[4]) then
  redis.call('EXPIRE', counter, ARGV[3])
end
return {start, count}
"""
_scripts: WeakKeyDictionary = WeakKeyDictionary()  # a RedisCache's client -> its registered script


def _redis_script(c):
    """The registered hit script for `c` when it is Django's RedisCache (kept per cache client with
    one `redis.Redis` of its own: the backend builds a new one per operation), else None. Also
    None when the cache's key function does not make `<start key>:<start>` the full key of the
    counter (the script derives one from the other), so such a cache counts on the generic path."""
    if not isinstance(c, RedisCache):
        return None
    backend = c._cache
    hit = _scripts.get(backend)
    if hit is None:
        probe = c.make_key("rl:probe")
        script = None
        if c.make_key("rl:probe:1") == probe + ":1":
            script = backend.get_client(None, write=True).register_script(_HIT_SCRIPT)
        hit = _scripts[backend] = (script,)
    return hit[0]


def peek(rate: Rate, key: str, *, cache=None) -> Outcome:
    """The state of `key` without counting: `allowed` says whether one more hit would be."""
    c = _cache(cache)
    start_key = _start_key(rate, key)
    now = time.time()
    start_us = _micros(c.get(start_key))
    count = 0 if start_us is None else c.get(f"{start_key}:{start_us}", 0)
    return Outcome(
        allowed=count < rate.count,
        count=count,
        remaining=max(0, rate.count - count),
        retry_after=(
            max(1, math.ceil(start_us / 1_000_000 + rate.window - now))
            if start_us is not None
            else rate.window
        ),
    )


def reset(rate: Rate, key: str, *, cache=None) -> None:
    """Forget the window of `key` (its counter expires on its own), and this process's lease."""
    c = _cache(cache)
    c.delete(_start_key(rate, key))
    if isinstance(c, RedisCache):
        _Leases.drop(c.make_and_validate_key(_start_key(rate, key)))


def wait_text(seconds: int) -> str:
    """'请3分钟后再试' / '请40秒后再试': when to try again, in Chinese."""
    if seconds >= 3600 * 2:
        return f"请{math.ceil(seconds / 3600)}小时后再试"
    if seconds >= 60:
        return f"请{math.ceil(seconds / 60)}分钟后再试"
    return f"请{max(1, seconds)}秒后再试"


def check(rate: Rate, key: str, *, message: str = "操作过于频繁", cache=None) -> Outcome:
    """`hit`, raising TooManyRequests ("<message>，请N分钟后再试") when the hit is refused."""
    outcome = hit(rate, key, cache=cache)
    if not outcome.allowed:
        raise TooManyRequests(f"{message}，{wait_text(outcome.retry_after)}", retry_after=outcome.retry_after)
    return outcome


def check_shared_cache(app_configs=None, **kwargs) -> list:
    """`manage.py check --deploy`: the counters need a cache every worker shares (registered in
    core.apps). A dummy cache counts nothing (an error); local memory counts per process (a
    warning: fine for a single process only)."""
    from django.core import checks

    alias = getattr(settings, "RATELIMIT_CACHE", "default")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend.endswith("DummyCache") or not backend:
        return [
            checks.Error(
                f"Rate limits and lockouts count in cache {alias!r}, which stores nothing: no limit holds.",
                hint="Set REDIS_URL (or RATELIMIT_CACHE to a real cache).",
                id="tongban.E101",
            )
        ]
    if backend.endswith("LocMemCache"):
        return [
            checks.Warning(
                f"Rate limits and lockouts count in cache {alias!r}, local to each process: with "
                "several workers each gives its own allowance.",
                hint="Set REDIS_URL so that every worker shares the counts.",
                id="tongban.W101",
            )
        ]
    return []
