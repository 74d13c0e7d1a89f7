"""The authorization matrix: every endpoint of the site (URL configuration, the ninja API and the
admin) x every kind of actor, each cell asserting the exact status (and, for a redirect, where
to), no 5xx, and for a refused write that nothing changed.

`test_every_endpoint_has_a_row` fails when a route or API operation has no row in rows.py, so a
new endpoint cannot be added without deciding who may use it.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import quote, urlsplit

import pytest

from .routes import api_operations, url_routes
from .rows import all_rows
from .snapshot import snapshot
from .table import ADMIN_LOGIN, LOGIN, Refusal

pytestmark = pytest.mark.django_db

ROWS = all_rows()


# Cells of a leak found but not yet fixed, as strict xfails with the reason: {(row, actor): reason}.
# Empty: every leak of issue 10 §4 is closed. A fix turns its xfail into a strict failure, so an
# entry cannot outlive its leak.
KNOWN_LEAKS: dict[tuple[str, str], str] = {}


def _fill(value, ids):
    """`value` with {placeholders} from the world; a placeholder standing alone may be any value."""
    if isinstance(value, str):
        whole = value[1:-1] if value.startswith("{") and value.endswith("}") else None
        if whole in ids and not isinstance(ids[whole], str):
            return ids[whole]
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _expected(row, actor, url, ids):
    """(status, location or None, refused?) of a cell."""
    value = row.expect(actor)
    if callable(value):
        value = value(ids)
    if value == LOGIN:
        return 302, "/accounts/login/?next=" + quote(url, safe="/"), True
    if value == ADMIN_LOGIN:
        return 302, "/admin/login/?next=" + quote(url, safe="/"), True
    if isinstance(value, Refusal):
        return value.status, _fill(value.location, ids), True
    if isinstance(value, tuple):
        return value[0], _fill(value[1], ids), False
    return value, None, value >= 400


def _same_place(location: str | None, expected) -> bool:
    if location is None:
        return False
    if isinstance(expected, re.Pattern):
        return expected.fullmatch(urlsplit(location).path) is not None
    if "?" in expected or "#" in expected:
        return location == expected
    return urlsplit(location).path == expected


def _cells():
    for row in ROWS:
        for actor in row.actors:
            marks = ()
            reason = KNOWN_LEAKS.get((row.name, actor))
            if reason:
                marks = (pytest.mark.xfail(strict=True, reason="issue 10 §4: " + reason),)
            yield pytest.param(row, actor, id=f"{row.name}-{actor}", marks=marks)


@pytest.mark.parametrize(("row", "actor"), list(_cells()))
def test_cell(world, row, actor):
    ids = world.fresh_ids()
    url = _fill(row.url, ids)
    client, headers = world.client(actor)
    status, location, refused = _expected(row, actor, url, ids)
    before = snapshot() if row.writes and refused else None
    data = _fill(row.data or {}, ids)
    if row.json:
        response = getattr(client, row.method)(
            url, json.dumps(data), content_type="application/json", **headers
        )
    else:
        if row.method == "post":
            data = {"csrfmiddlewaretoken": headers["HTTP_X_CSRFTOKEN"], **data}
        response = getattr(client, row.method)(url, data, **headers)
    got = (response.status_code, response.get("Location"))
    if os.environ.get("AUTHZ_DUMP"):
        with open(os.environ["AUTHZ_DUMP"], "a") as f:
            f.write(f"{row.name}\t{actor}\t{got}\t{(status, location)}\n")
    assert response.status_code < 500, f"{row.name} x {actor}: server error {got}"
    assert response.status_code == status, f"{row.name} x {actor}: expected {(status, location)}, got {got}"
    if location is not None:
        assert _same_place(got[1], location), (
            f"{row.name} x {actor}: expected {(status, location)}, got {got}"
        )
    if before is not None:
        assert snapshot() == before, f"{row.name} x {actor}: a refused write changed something"


def test_every_endpoint_has_a_row():
    """A route or API operation without a row fails the build; so does a row for no endpoint."""
    covered = {row.route for row in ROWS}
    endpoints = url_routes() | api_operations()
    assert sorted(endpoints - covered) == [], "endpoints without a row in tongban/authz_tests/rows.py"
    assert sorted(covered - endpoints) == [], "rows for endpoints that do not exist"
