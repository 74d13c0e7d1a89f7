"""Public operational statistics (/exchange/stats/, /exchange/stats.json): exact figures from
made call-log rows, the daily rollup (idempotent, days split at local midnight, today live and
never stored), the p95 rule, and no personal data on the page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tongban.core.models import AuditEvent

from .. import stats
from ..models import CallStatDay
from ..testing import make_call, make_resource
from .use_support import WANG_ID, department

pytestmark = pytest.mark.django_db


def local(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def days():
    today = timezone.localdate()
    return {"today": today, "y1": today - dt.timedelta(days=1), "y2": today - dt.timedelta(days=2)}


@pytest.fixture
def calls(days):
    """FR-002: yesterday 20 calls (17 ok at 1..17 ms, 2 refused, 1 failed), one at 23:59:59;
    the day before 3 ok; today 4 (3 ok, 1 refused). RK-002: yesterday 1 ok. A call at 00:00:00
    today belongs to today."""
    provider = department("武汉市市场监督管理局")
    make_resource(provider, code="FR-002", name="企业状态核查", mount_target="legal_person.verify_status")
    y1, y2, today = days["y1"], days["y2"], days["today"]
    for ms in range(1, 17):
        make_call(service_code="FR-002", at=local(y1, 10), latency_ms=float(ms), subject="91420115MA4K0000XX")
    make_call(service_code="FR-002", at=local(y1, 23, 59, 59), latency_ms=17.0)
    make_call(
        service_code="FR-002",
        at=local(y1, 11),
        outcome="refused",
        latency_ms=0.5,
        error_code="FIELD_NOT_GRANTED",
    )
    make_call(
        service_code="FR-002", at=local(y1, 12), outcome="refused", latency_ms=0.4, error_code="RATE_LIMITED"
    )
    make_call(
        service_code="FR-002",
        at=local(y1, 13),
        outcome="failed",
        latency_ms=3000.0,
        error_code="PROVIDER_DOWN",
    )
    for ms in (4.0, 6.0, 8.0):
        make_call(service_code="FR-002", at=local(y2, 9), latency_ms=ms)
    make_call(service_code="FR-002", at=local(today, 0, 0, 0), latency_ms=2.0)
    make_call(service_code="FR-002", at=local(today, 0, 0, 1), latency_ms=3.0)
    make_call(service_code="FR-002", at=local(today, 0, 0, 2), latency_ms=30.0)
    make_call(service_code="FR-002", at=local(today, 0, 0, 3), outcome="refused", latency_ms=0.2)
    make_call(service_code="RK-002", at=local(y1, 9), latency_ms=7.5, subject=WANG_ID)
    return provider


def test_p95_is_nearest_rank():
    assert stats.p95([]) is None
    assert stats.p95([5.0]) == 5.0
    assert stats.p95([float(i) for i in range(1, 21)]) == 19.0  # ceil(0.95*20)=19th
    assert stats.p95([float(i) for i in range(1, 18)]) == 17.0  # ceil(16.15)=17th
    assert stats.p95([float(i) for i in range(1, 101)]) == 95.0


def test_histogram_and_bound():
    assert stats.histogram([0.5, 1.0, 1.5, 20.0, 20.1, 99999.0]) == [2, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert stats.p95_bound([0] * 14) is None
    assert stats.p95_bound([19, 1] + [0] * 12) == 1.0  # rank 19 of 20 falls in the first bucket
    assert stats.p95_bound([18, 2] + [0] * 12) == 2.0
    assert stats.p95_bound([0] * 13 + [1]) == float("inf")


def test_rollup_exact_and_idempotent(calls, days):
    audit_before = AuditEvent.objects.count()
    assert stats.rollup() == 2  # the day before yesterday and yesterday; never today
    rows = {(r.day, r.service_code): r for r in CallStatDay.objects.all()}
    assert set(rows) == {(days["y2"], "FR-002"), (days["y1"], "FR-002"), (days["y1"], "RK-002")}
    fr = rows[(days["y1"], "FR-002")]
    assert (fr.calls, fr.ok, fr.refused, fr.failed) == (20, 17, 2, 1)
    assert fr.p95_ms == 17.0  # ok latencies 1..17: rank ceil(16.15)=17
    assert sum(fr.histogram) == 17
    assert fr.histogram[:5] == [1, 1, 3, 5, 7]  # ≤1, ≤2, ≤5, ≤10, ≤20
    old = rows[(days["y2"], "FR-002")]
    assert (old.calls, old.ok, old.p95_ms) == (3, 3, 8.0)
    rk = rows[(days["y1"], "RK-002")]
    assert (rk.calls, rk.ok, rk.p95_ms) == (1, 1, 7.5)
    assert AuditEvent.objects.count() == audit_before + 2
    first = sorted(
        CallStatDay.objects.values_list("day", "service_code", "calls", "ok", "refused", "failed", "p95_ms")
    )

    # Again: from the last day rolled up (yesterday), replacing it; nothing added twice.
    assert stats.rollup() == 1
    again = sorted(
        CallStatDay.objects.values_list("day", "service_code", "calls", "ok", "refused", "failed", "p95_ms")
    )
    assert again == first
    assert CallStatDay.objects.count() == 3

    # A late row for yesterday, and a full re-run from the start: still one row per day and service.
    make_call(service_code="FR-002", at=local(days["y1"], 15), outcome="refused")
    assert stats.rollup(since=days["y2"]) == 2
    assert CallStatDay.objects.count() == 3
    assert CallStatDay.objects.get(day=days["y1"], service_code="FR-002").refused == 3


def test_nothing_to_roll_up():
    assert stats.rollup() == 0
    assert CallStatDay.objects.count() == 0


def test_window_includes_today_live(calls, days):
    stats.rollup()
    services = {s.code: s for s in stats.window()}
    assert set(services) == {"FR-002", "RK-002"}
    fr = services["FR-002"]
    assert fr.name == "企业状态核查"
    assert fr.provider == "武汉市市场监督管理局"
    assert len(fr.days) == 30
    assert fr.days[-1].day == days["today"] and fr.days[0].day == days["today"] - dt.timedelta(days=29)
    assert [d.calls for d in fr.days[-3:]] == [3, 20, 4]
    assert sum(d.calls for d in fr.days[:-3]) == 0
    assert fr.days[-1].p95_ms == 30.0 and fr.days[-1].refused == 1
    assert fr.calls == 27 and fr.refused == 3
    assert fr.refused_share == pytest.approx(3 / 27)
    # 23 answered calls (4, 6, 8; 1..17; 2, 3, 30): the 22nd is ≤ 20 ms, the 23rd (30 ms) is not
    assert fr.p95_bound_ms == 20.0
    assert not CallStatDay.objects.filter(day=days["today"]).exists()
    assert services["RK-002"].name == "RK-002"  # not catalogued: its code stands for its name


def test_today_only_without_rollup(calls, days):
    services = {s.code: s for s in stats.window()}
    assert [d.calls for d in services["FR-002"].days[-3:]] == [0, 0, 4]
    assert "RK-002" not in services  # only yesterday's calls, not rolled up yet


def test_stats_page_and_json(calls, days):
    call_command("exchange", "rollup")
    r = Client().get("/exchange/stats/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "企业状态核查" in html and "FR-002" in html
    assert 'data-code="FR-002"' in html
    summary = html.split('id="stats-summary"')[1].split("</table>")[0]
    row = summary.split('data-code="FR-002"')[1].split("</tr>")[0]
    assert ">27<" in row and "11.1%" in row and "≤ 20 毫秒" in row
    assert html.count("<rect ") == 60  # 30 bars for each of the two services
    assert 'role="img"' in html
    # Nothing personal: no subject, no masked subject, no caller.
    assert WANG_ID not in html and "test-system" not in html

    data = Client().get("/exchange/stats.json").json()
    assert data["window_days"] == 30
    fr = next(s for s in data["services"] if s["code"] == "FR-002")
    assert (fr["calls"], fr["refused"], fr["refused_share"], fr["p95_ms_at_most"]) == (27, 3, 0.1111, 20.0)
    assert fr["days"][-2] == {
        "date": days["y1"].isoformat(),
        "calls": 20,
        "ok": 17,
        "refused": 2,
        "failed": 1,
        "p95_ms": 17.0,
    }
    text = json.dumps(data, ensure_ascii=False)
    assert WANG_ID not in text and "test-system" not in text and "subject" not in text


def test_empty_page():
    r = Client().get("/exchange/stats/")
    assert r.status_code == 200
    assert 'id="no-calls"' in r.content.decode()
    assert Client().get("/exchange/stats.json").json()["services"] == []


def test_rollup_command_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--since"):
        call_command("exchange", "rollup", "--since", "2026-13-01")
    assert CallStatDay.objects.count() == 0


def test_the_rollup_task(calls, days):
    from ..tasks import rollup

    assert rollup.call() == {"days": 2}
    assert CallStatDay.objects.count() == 3
    assert rollup.call() == {"days": 1}  # yesterday again, replaced
    assert CallStatDay.objects.count() == 3
