"""Concurrency of requests and decisions on PostgreSQL (real row locks, one connection per thread):
the same system's request submitted twice at once makes one request; an approval racing a
withdrawal leaves exactly one of them done."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tongban.core import services as core_services
from tongban.core.errors import Conflict, InvalidInput

from .. import grants
from ..enums import RequestState
from ..models import Grant, ShareRequest
from ..testing import SYSTEM, make_resource, make_system
from .test_grants import FIELDS, data, day, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's (SQLite serialises every write)"
)


def race(*calls):
    """Run the calls at once, each in its own thread and connection; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the loser's error is the result
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def world(transactional_db, day):  # noqa: F811
    from tongban.catalog.testing import make_department

    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    provider = make_department(name="江夏区市场监督管理局")
    requester = make_department(name="江汉区市场监督管理局")

    class W:
        pass

    w = W()
    w.provider, w.requester = provider, requester
    w.conditional = make_resource(provider, code="FR-001", name="法人基本信息", fields=FIELDS)
    w.client_id = make_system(requester)
    w.req_admin = staff("jh_admin", "department_admin", department=requester)
    w.req_steward = staff("jh_steward", "data_steward", department=requester)
    w.prov_admin = staff("jx_admin", "department_admin", department=provider)
    return w


def test_two_identical_requests_at_once_make_one(world):
    results = race(
        lambda: grants.do_submit_request(actor=world.req_admin, data=data(world)),
        lambda: grants.do_submit_request(actor=world.req_steward, data=data(world)),
    )
    made = [r for r in results if isinstance(r, ShareRequest)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert len(made) == 1 and len(refused) == 1, results
    assert refused[0].problems[0].message == "该调用系统对此信息资源已有待审核的申请"
    assert ShareRequest.objects.count() == 1


def test_an_approval_racing_a_withdrawal_leaves_one_outcome(world):
    req = grants.do_submit_request(actor=world.req_admin, data=data(world))
    results = race(
        lambda: grants.do_approve_request(actor=world.prov_admin, pk=req.pk, rate_limit="10/s"),
        lambda: grants.do_withdraw_request(actor=world.req_admin, pk=req.pk),
    )
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1, results
    req.refresh_from_db()
    if isinstance(results[0], Grant):
        assert req.state == RequestState.APPROVED and Grant.objects.count() == 1
    else:
        assert req.state == RequestState.WITHDRAWN and Grant.objects.count() == 0
