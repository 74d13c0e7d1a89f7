"""Catalogue statistics per department and province: entries (current, published), mounted and
the mounted share, requests received and calls, exact; retired entries and drafts do not count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from .. import catalogue, queries
from ..models import CallLog, ShareRequest
from .catalogue_world import SYSTEM, entry_values, world_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def publish(dept, code):
    catalogue.do_create_entry(actor=SYSTEM, provider_id=dept.pk, code=code, values=entry_values())
    return catalogue.do_publish_entry(actor=SYSTEM, code=code)


def request_for(resource, requester, n):
    now = timezone.now()
    return ShareRequest.objects.create(
        number=f"SQ-{n}", resource=resource, requester=requester, client_id="c", fields=["holder"],
        purpose="p", purpose_codes=["supervision"], legal_basis="b", valid_until=dt.date(2030, 1, 1),
        expected_daily_calls=1, submitted_by="x", submitted_at=now, due_on=dt.date(2030, 1, 1),
    )  # fmt: skip


def call(code, outcome="ok"):
    CallLog.objects.create(at=timezone.now(), service_code=code, outcome=outcome)


def test_empty():
    stats = queries.catalogue_stats()
    assert (stats.total.entries, stats.total.mounted, stats.total.mounted_share, stats.departments) == (
        0,
        0,
        0.0,
        [],
    )


def test_figures_are_exact(world, django_assert_max_num_queries):
    market, other = world["market"], world["other"]
    m1 = publish(market, "BM-420115-SP-001")
    for i in (2, 3, 4):
        publish(market, f"BM-420115-SP-00{i}")
    publish(market, "BM-420115-SP-005")
    catalogue.do_retire_entry(actor=SYSTEM, code="BM-420115-SP-005", reason="下线")  # no longer counts
    catalogue.do_create_entry(
        actor=SYSTEM, provider_id=market.pk, code="BM-420115-SP-006", values=entry_values()
    )
    o1 = publish(other, "BM-420103-SP-001")
    publish(other, "BM-420103-SP-002")
    for code in ("BM-420115-SP-001", "BM-420115-SP-002", "BM-420115-SP-003", "BM-420103-SP-001"):
        catalogue.do_mount(actor=SYSTEM, code=code, kind="table", target="exchange.CreditRecord")
    catalogue.do_suspend_mount(actor=SYSTEM, code="BM-420115-SP-003")  # suspended: not mounted
    # A revision in draft does not add an entry.
    catalogue.do_edit_entry(actor=SYSTEM, code="BM-420115-SP-001", values={"name": "改"})
    request_for(m1, other, 1)
    request_for(m1, other, 2)
    request_for(o1, market, 3)
    for _ in range(5):
        call("BM-420115-SP-001")
    call("BM-420115-SP-002", "refused")
    call("BM-420103-SP-001")
    call("XX-999")  # a code nobody catalogued
    with django_assert_max_num_queries(6):
        stats = queries.catalogue_stats()
    by_name = {
        f.name: (f.entries, f.mounted, f.mounted_share, f.requests, f.calls) for f in stats.departments
    }
    assert by_name == {
        "武汉市江夏区市场监督管理局": (4, 2, 50.0, 2, 6),
        "武汉市江汉区行政审批局": (2, 1, 50.0, 1, 1),
    }
    assert [f.name for f in stats.departments] == ["武汉市江夏区市场监督管理局", "武汉市江汉区行政审批局"]
    t = stats.total
    assert (t.name, t.entries, t.mounted, t.mounted_share, t.requests, t.calls) == ("全省", 6, 3, 50.0, 3, 7)
    one = queries.catalogue_stats(other.pk)
    assert (one.total.entries, one.total.mounted, one.total.requests, one.total.calls) == (2, 1, 1, 1)
    assert one.departments == [one.total]


def test_share_rounds_to_one_decimal(world):
    for i in range(1, 4):
        publish(world["market"], f"BM-420115-SP-00{i}")
    catalogue.do_mount(actor=SYSTEM, code="BM-420115-SP-001", kind="table", target="exchange.CreditRecord")
    assert queries.catalogue_stats().total.mounted_share == 33.3
    empty = queries.catalogue_stats(world["other"].pk).total
    assert (empty.name, empty.entries, empty.mounted_share) == ("武汉市江汉区行政审批局", 0, 0.0)
