"""What can be rated (评价对象), registered by the app that owns it.

好差评 rates concluded services: a case (办件, resolved by ratings itself over cases' queries) and
a 12345 ticket (工单, registered by the hotline app in its AppConfig.ready()). The ratings app
never imports the owner's models: it asks the registered resolver, which answers with a
`Subject` or None (no such thing, or not the caller's to rate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    """One ratable thing as the rating binds it (GB/T 39734: item, department, node, channel)."""

    kind: str  # "case" | "ticket"
    ref: str  # the case number or ticket number
    owner_user_id: int | None  # who may rate online (None: only through an SMS/QR token)
    concluded_at: dt.datetime | None  # 办结 time; None while not concluded (not ratable yet)
    department_id: int | None  # the handling department (accounts Department id)
    region_code: str  # 6-digit administrative division code of the handling unit
    item_code: str = ""  # implementation item code (实施清单编码), "" for tickets
    item_name: str = ""
    title: str = ""  # what the rater sees ("营业执照 设立登记", "工单 12345…")
    channel: str = "web"  # the channel the service was delivered through (web, app, window, phone ...)


Resolver = Callable[[str], Subject | None]
_RESOLVERS: dict[str, Resolver] = {}


def register(kind: str, resolver: Resolver) -> None:
    """Make `kind` ratable: `resolver(ref)` returns the Subject or None."""
    _RESOLVERS[kind] = resolver


def resolve(kind: str, ref: str) -> Subject | None:
    resolver = _RESOLVERS.get(kind)
    return resolver(ref) if resolver else None


def kinds() -> tuple[str, ...]:
    return tuple(sorted(_RESOLVERS))
