"""Every URL of the platform, pages and API, with a hostile value in each parameter: a NUL byte in
text parameters and an id past the 64-bit range in integer ones. Whoever asks (anonymous, a
citizen, a platform administrator), the answer is never a 5xx; a huge id names no row (404)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tongban.accounts import services as account_services
from tongban.catalog.testing import SYSTEM, ensure_regions

HUGE = "99999999999999999999"  # > 2**63 - 1
PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
# Values that are fine for a parameter, so that only the hostile one differs.
PLAIN = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def routes() -> list[str]:
    """Every route of the URL configuration as one `path()` string (regex routes are skipped:
    only the admin's app index uses them)."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            if not isinstance(entry.pattern, RoutePattern):
                continue
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                found.append(route)

    walk(get_resolver().url_patterns, "/")
    return sorted(set(found))


def variants(route: str) -> list[tuple[str, str]]:
    """(kind, url) for each parameter of `route` made hostile in turn."""
    params = list(PARAM.finditer(route))
    out = []
    for target in params:

        def fill(m: re.Match, target=target) -> str:
            conv = m.group("conv") or "str"
            if m.start() != target.start():
                return PLAIN.get(conv, "x")
            return HUGE if conv == "int" else "a%00b"

        conv = target.group("conv") or "str"
        out.append(("huge" if conv == "int" else "nul", PARAM.sub(fill, route)))
    return out


@pytest.fixture
def callers(db):
    ensure_regions()
    admin = account_services.do_upsert_staff(
        actor=SYSTEM, username="walker", password="a-long-test-password", display_name="巡检",
        roles=["platform_admin"], superuser=True,
    )  # fmt: skip
    citizen = account_services.do_register_person(
        actor=SYSTEM, mobile="13900009999", password="Str0ng-pass-2026", display_name="王五"
    )
    out = {"anonymous": Client()}
    for name, user in (("admin", admin), ("citizen", citizen)):
        out[name] = Client()
        out[name].force_login(user)
    return out


def test_every_route_has_a_parameter_walked():
    walked = [r for r in routes() if PARAM.search(r)]
    assert len(walked) > 30, walked
    assert any(r.startswith("/api/v1/") for r in walked)


def test_no_hostile_parameter_gives_a_server_error(callers):
    failures = []
    for route in routes():
        for kind, url in variants(route):
            for who, client in callers.items():
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    status = response.status_code
                    huge_found = kind == "huge" and who == "admin" and method == "get" and status != 404
                    if status >= 500 or huge_found:
                        failures.append((who, method, url, status))
    assert failures == []
