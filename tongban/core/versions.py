"""Version tokens in the shared cache (Redis in production) for per-process snapshots of small,
rarely written tables (the working-day calendar, the hotline's deadline rules).

A process keeps its snapshot while the token it was built under is current; a write retires the
token when it commits (`retire`), and every process reads the table again on next use. Without a
reachable cache `current` returns None: the caller then reads uncached.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache

log = logging.getLogger(__name__)


def current(key: str, what: str) -> str | None:
    """The token now current for `key` (made on first use); None when the cache is down."""
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            version = cache.get(key)
        return version
    except Exception:
        log.warning("%s version unavailable from the cache; reading uncached", what)
        return None


def retire(key: str, what: str) -> None:
    """A write committed: a new token, so that every process's snapshot is stale."""
    try:
        cache.set(key, uuid.uuid4().hex, timeout=None)
    except Exception:
        log.warning("could not publish the new %s version; other processes keep theirs", what)
