"""Issue 10 §6: Django admin writes to regions, departments and the calendar are audited in the
same transaction, like every other write (core.admin_audit.AuditedAdminMixin)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tongban.core import audit
from tongban.core.identifiers import make_credit_code
from tongban.core.models import AuditEvent, CalendarDay, CalendarYear, Department, Region

pytestmark = pytest.mark.django_db

JIANGHAN = "420103000000"


def events_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def department_form(**overrides) -> dict:
    form = {
        "name": "江汉区测试局",
        "short_name": "",
        "credit_code": make_credit_code(random.Random("admin-audit"), region="420103", kind="11"),
        "region": JIANGHAN,
        "parent": "",
        "kind": "bureau",
        "phone": "",
        "address": "",
        "hours": "",
        "description": "",
    }
    form.update(overrides)
    return form


def test_department_create_change_and_delete_in_the_admin_are_audited(regions, admin_client, admin_user):
    seq = last_seq()
    r = admin_client.post("/admin/core/department/add/", department_form())
    assert r.status_code == 302, r.content.decode()[:2000]
    dept = Department.objects.get(name="江汉区测试局")
    [created] = events_since(seq)
    assert (created.action, created.actor, created.object_type, created.object_id) == (
        "core.department.admin_create",
        f"user:{admin_user.pk}",
        "core.department",
        str(dept.pk),
    )
    assert created.data["fields"]["name"] == "江汉区测试局" and created.data["fields"]["region"] == JIANGHAN

    seq = last_seq()
    r = admin_client.post(
        f"/admin/core/department/{dept.pk}/change/",
        department_form(phone="027-12345", credit_code=dept.credit_code),
    )
    assert r.status_code == 302
    [changed] = events_since(seq)
    assert (changed.action, changed.data) == (
        "core.department.admin_change",
        {"fields": {"phone": "027-12345"}},
    )

    seq = last_seq()
    r = admin_client.post(f"/admin/core/department/{dept.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not Department.objects.filter(pk=dept.pk).exists()
    [deleted] = events_since(seq)
    assert (deleted.action, deleted.object_id, deleted.data) == (
        "core.department.admin_delete",
        str(dept.pk),
        {"was": "江汉区测试局"},
    )
    assert audit.verify_chain().ok


def test_region_change_and_bulk_delete_are_audited(regions, admin_client):
    village = Region.objects.get(code="420115001200")
    seq = last_seq()
    r = admin_client.post(
        f"/admin/core/region/{village.code}/change/",
        {
            "code": village.code,
            "gb_code": "",
            "name": "青龙新村",
            "level": village.level,
            "parent": village.parent_id,
            "full_name": village.full_name,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    [changed] = events_since(seq)
    assert (changed.action, changed.object_id, changed.data) == (
        "core.region.admin_change",
        village.code,
        {"fields": {"name": "青龙新村"}},
    )
    seq = last_seq()
    r = admin_client.post(
        "/admin/core/region/",
        {"action": "delete_selected", "_selected_action": [village.code], "post": "yes"},
    )
    assert r.status_code == 302 and not Region.objects.filter(code=village.code).exists()
    assert [(e.action, e.object_id) for e in events_since(seq)] == [
        ("core.region.admin_delete", village.code)
    ]


def test_calendar_admin_writes_are_audited(calendar, admin_client):
    seq = last_seq()
    r = admin_client.post(
        "/admin/core/calendaryear/add/", {"year": 2027, "source": "国务院办公厅通知（测试）"}
    )
    assert r.status_code == 302
    assert [e.action for e in events_since(seq)] == ["core.calendaryear.admin_create"]
    # Days go through the calendar service (its own event), one by one or as a bulk delete.
    r = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert r.status_code == 302
    seq = last_seq()
    r = admin_client.post(
        "/admin/core/calendarday/",
        {"action": "delete_selected", "_selected_action": ["2027-01-01"], "post": "yes"},
    )
    assert r.status_code == 302 and not CalendarDay.objects.filter(date=dt.date(2027, 1, 1)).exists()
    assert [e.action for e in events_since(seq)] == ["core.calendar.set_day"]


def test_a_refused_admin_form_writes_and_records_nothing(regions, admin_client):
    seq, before = last_seq(), Department.objects.count()
    r = admin_client.post("/admin/core/department/add/", department_form(region="999999999999"))
    assert r.status_code == 200  # the form again, with its error
    assert Department.objects.count() == before and events_since(seq) == []
    assert CalendarYear.objects.filter(year=2027).count() == 0
