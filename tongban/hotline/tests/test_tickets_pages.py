"""The pages: the citizen's 留言 (signed in, anonymous with the SMS code, throttled), 我的诉求,
the ticket page, the anonymous follow-up; the workbench's intake, queue, ticket page and
actions, with each viewer seeing only what is theirs (404 otherwise) and the caller masked."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import TestCase

from tongban.accounts import gateways
from tongban.core.testing import once_token

from ..models import Ticket
from ..services import do_dispatch
from .tickets_world import clock_fixture, phone_ticket, run, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def code_for(mobile: str) -> str:
    return re.findall(r"(\d{6})", gateways.outbox(mobile)[-1])[0]


def ask_code(client, mobile: str, **extra):
    """Ask for the SMS code (sent after commit) and return the response."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/hotline/code/", {"contact_phone": mobile, **extra})


MESSAGE = {
    "kind": "complaint",
    "category": "urban",
    "text": "纸坊大街夜间施工噪音扰民，请处理",
    "region_code": "420115",
    "address": "纸坊大街",
}


def test_anonymous_message_needs_the_sms_code_and_is_throttled(client, world, settings):
    settings.HOTLINE_MESSAGE_RATE = "2/1h"
    page = client.get("/hotline/")
    assert page.status_code == 200 and 'id="message-form"' in page.content.decode()
    refused = client.post("/hotline/", MESSAGE | {"contact_phone": "13800000001", "code": ""})
    assert refused.status_code == 400 and "请填写短信验证码" in refused.content.decode()
    assert Ticket.objects.count() == 0
    sent = ask_code(client, "13800000001")
    assert sent.status_code == 200 and 'value="13800000001"' in sent.content.decode()
    wrong = client.post("/hotline/", MESSAGE | {"contact_phone": "13800000001", "code": "000000"})
    assert wrong.status_code == 400 and Ticket.objects.count() == 0
    # (2 of 2 allowed posts used by the refusals above: the throttle counts every try.)
    code = code_for("13800000001")
    limited = client.post("/hotline/", MESSAGE | {"contact_phone": "13800000001", "code": code})
    assert limited.status_code == 429 and Ticket.objects.count() == 0
    settings.HOTLINE_MESSAGE_RATE = "10/1h"
    done = client.post("/hotline/", MESSAGE | {"contact_phone": "13800000001", "code": code})
    assert done.status_code == 302 and done["Location"] == "/hotline/follow/"
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.citizen_id, ticket.contact_phone_masked) == ("web", None, "138****0001")
    # Follow-up: the number, the phone and a fresh code (a minute later: one code a minute per
    # number, so the limits' counters are cleared); a wrong phone answers like a wrong number.
    for c in caches.all():
        c.clear()
    ask_code(client, "13800000001", next="follow")
    shown = client.post(
        "/hotline/follow/",
        {"number": ticket.number, "contact_phone": "13800000001", "code": code_for("13800000001")},
    )
    assert shown.status_code == 200 and 'id="ticket-status"' in shown.content.decode()
    assert "13800000001" not in shown.content.decode().split('id="ticket-status"')[1]
    ask_code(client, "13800000002", next="follow")
    other = client.post(
        "/hotline/follow/",
        {"number": ticket.number, "contact_phone": "13800000002", "code": code_for("13800000002")},
    )
    assert other.status_code == 404 and 'id="ticket-status"' not in other.content.decode()


def test_signed_in_message_mine_and_ticket_page(client, world):
    client.force_login(world.citizen)
    form = client.get("/hotline/").content.decode()
    assert 'name="code"' not in form
    response = client.post("/hotline/", MESSAGE | {"once_token": once_token(form, "/hotline/")})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/hotline/t/{ticket.number}/"
    assert ticket.citizen_id == world.citizen.pk
    mine = client.get("/hotline/mine/").content.decode()
    assert ticket.number in mine
    page = client.get(f"/hotline/t/{ticket.number}/")
    assert page.status_code == 200 and "已受理" in page.content.decode()
    client.force_login(world.stranger)
    assert client.get(f"/hotline/t/{ticket.number}/").status_code == 404
    assert ticket.number not in client.get("/hotline/mine/").content.decode()


def test_workbench_intake_queue_and_actions(client, world):
    client.force_login(world.operator)
    form = client.get("/hotline/desk/intake/").content.decode()
    bad = client.post("/hotline/desk/intake/", {"kind": "complaint", "text": "短"})
    assert bad.status_code == 400 and "至少5个字" in bad.content.decode()
    done = client.post(
        "/hotline/desk/intake/",
        MESSAGE
        | {
            "contact_name": "李女士",
            "contact_phone": "13700000001",
            "urgency": "normal",
            "once_token": once_token(form, "/hotline/desk/intake/"),
        },
    )
    ticket = Ticket.objects.get()
    assert done.status_code in (302, 303) and done["Location"] == f"/hotline/desk/t/{ticket.number}/"
    page = client.get(done["Location"]).content.decode()
    assert "137****0001" in page and "13700000001" not in page and "李女士" in page
    assert ticket.number in client.get("/hotline/desk/").content.decode()
    assert ticket.calls.filter(answered=True).count() == 1
    dispatch = client.post(
        f"/hotline/desk/t/{ticket.number}/dispatch/",
        {
            "unit_id": world.county.pk,
            "once_token": once_token(page, f"/hotline/desk/t/{ticket.number}/dispatch/"),
        },
    )
    assert dispatch.status_code in (302, 303)
    ticket.refresh_from_db()
    assert (ticket.state, ticket.unit_id) == ("dispatched", world.county.pk)
    # The county's staff see it, masked; another unit's staff get 404 and cannot act.
    client.force_login(world.county_staff)
    page = client.get(f"/hotline/desk/t/{ticket.number}/").content.decode()
    assert "137****0001" in page and "李女士" not in page and 'id="form-accept"' in page
    assert ticket.number in client.get("/hotline/desk/").content.decode()
    client.force_login(world.city_staff)
    assert client.get(f"/hotline/desk/t/{ticket.number}/").status_code == 404
    assert client.post(f"/hotline/desk/t/{ticket.number}/accept/").status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == "dispatched"
    client.force_login(world.county_staff)
    assert client.post(f"/hotline/desk/t/{ticket.number}/accept/").status_code in (302, 303)
    ticket.refresh_from_db()
    assert ticket.state == "accepted"
    metrics_page = client.get("/hotline/desk/metrics/").content.decode()
    assert world.county.name in metrics_page
    # A citizen has no workbench.
    client.force_login(world.citizen)
    assert client.get("/hotline/desk/").status_code == 404


def test_an_anonymous_report_hides_the_caller_from_the_unit(client, world):
    ticket = phone_ticket(world, kind="report", text="举报某餐馆使用过期食材", anonymous_to_unit=True)
    run(do_dispatch, actor=world.operator, number=ticket.number, unit_id=world.county.pk)
    client.force_login(world.county_staff)
    page = client.get(f"/hotline/desk/t/{ticket.number}/").content.decode()
    assert "匿名（仅平台可见）" in page and "139****5678" not in page and "张先生" not in page
    client.force_login(world.operator)
    page = client.get(f"/hotline/desk/t/{ticket.number}/").content.decode()
    assert "139****5678" in page and "张先生" in page


def test_the_api_shows_a_ticket_to_its_staff_only(client, world):
    ticket = phone_ticket(world, kind="report", text="举报某餐馆使用过期食材", anonymous_to_unit=True)
    run(do_dispatch, actor=world.operator, number=ticket.number, unit_id=world.county.pk)
    assert client.get(f"/api/v1/hotline/tickets/{ticket.number}").status_code == 401
    client.force_login(world.county_staff)
    body = client.get(f"/api/v1/hotline/tickets/{ticket.number}").json()
    assert (body["state"], body["unit_id"], body["caller_phone"]) == ("dispatched", world.county.pk, "")
    assert [e["action"] for e in body["events"]] == ["intake", "dispatch"]
    queue = client.get("/api/v1/hotline/tickets").json()
    assert [r["number"] for r in queue["rows"]] == [ticket.number] and queue["next_after"] is None
    client.force_login(world.city_staff)
    assert client.get(f"/api/v1/hotline/tickets/{ticket.number}").status_code == 404
    assert client.get("/api/v1/hotline/tickets").json()["rows"] == []
    client.force_login(world.operator)
    assert client.get(f"/api/v1/hotline/tickets/{ticket.number}").json()["caller_phone"] == "139****5678"
    client.force_login(world.citizen)
    assert client.get("/api/v1/hotline/tickets").status_code == 403
    assert client.get(f"/api/v1/hotline/tickets/{ticket.number}").status_code == 404
