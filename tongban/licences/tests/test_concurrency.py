"""Issuing under concurrency, on PostgreSQL (real row locks): officers issuing at the same
instant get distinct serials and numbers, a department's first issues create one seal key, and
a rotation racing an issue leaves a licence that verifies. SQLite serialises writers, so the
test is skipped there; CI runs it on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from .. import services
from ..models import Licence, SealKey
from .conftest import issue_food

pytestmark = pytest.mark.usefixtures("regions_loaded")
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks and concurrent transactions (SQLite serialises writers)",
)


def race(*calls):
    """Run the calls at the same instant in threads; each result is a value or an exception."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=10)
        try:
            return call()
        except Exception as exc:  # the outcome under test
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls, timeout=60))


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_and_a_rotation(world, transactional_db):
    results = race(*[lambda: issue_food(world) for _ in range(4)])
    assert all(isinstance(r, Licence) for r in results), results
    assert sorted(r.serial for r in results) == ["00000001", "00000002", "00000003", "00000004"]
    assert len({r.number for r in results}) == 4
    assert SealKey.objects.filter(department=world["jiangxia"]).count() == 1
    issued, rotated = race(
        lambda: issue_food(world),
        lambda: services.do_rotate_seal_key(actor=world["head"], department=world["jiangxia"].pk),
    )
    assert isinstance(issued, Licence) and isinstance(rotated, SealKey), (issued, rotated)
    assert services.verify_licence(issued.identifier).valid
    for licence in results:
        assert services.verify_licence(licence.identifier).valid
