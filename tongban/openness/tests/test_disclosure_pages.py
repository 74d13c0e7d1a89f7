"""The disclosure pages through the test client: the applicant's form and receipt, the
workbench's actions (single-use forms), the notice PDF, the anonymised register."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from tongban.core.models import AuditEvent
from tongban.core.testing import once_token
from tongban.pdftest import needs_pdftotext, pdf_text

from ..enums_disclosure import RequestState
from ..models_disclosure import DisclosureAnswer, DisclosureExtension, DisclosureRequest
from .disclosure_world import submit, today_fixture, world_fixture  # noqa: F401 (fixtures)

D = dt.date
NEW = "/openness/requests/new/"


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form_post(c: Client, page_url: str, action: str, data: dict):
    page = c.get(page_url).content.decode()
    return c.post(action, data | {"once_token": once_token(page, action)})


def test_the_form_submits_and_shows_the_receipt_with_the_clock(world):
    c = client_of(world.citizen)
    r = form_post(
        c,
        NEW,
        NEW,
        {
            "department": world.body.pk,
            "description": "江夏区2025年食品经营许可统计表",
            "form": "electronic",
            "delivery": "online",
        },
    )
    req = DisclosureRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/openness/requests/{req.pk}/"
    page = c.get(r["Location"]).content.decode()
    assert req.number in page
    assert "收到申请 2026-09-29 起算 20个工作日 = 2026-11-02" in page
    assert "申请回执" in page


def test_a_form_without_description_is_refused_naming_it_and_nothing_is_written(world):
    c = client_of(world.citizen)
    r = form_post(
        c, NEW, NEW, {"department": world.body.pk, "description": "", "form": "paper", "delivery": "post"}
    )
    assert r.status_code == 400
    assert 'id="description-error"' in r.content.decode()
    assert DisclosureRequest.objects.count() == 0


def test_the_same_form_sent_twice_makes_one_request(world):
    c = client_of(world.citizen)
    page = c.get(NEW).content.decode()
    data = {
        "department": world.body.pk,
        "description": "江夏区2025年食品经营许可统计表",
        "form": "electronic",
        "delivery": "online",
        "once_token": once_token(page, NEW),
    }
    first, second = c.post(NEW, data), c.post(NEW, data)
    assert first["Location"] == second["Location"]
    assert DisclosureRequest.objects.count() == 1


def test_staff_get_403_on_the_form_and_anonymous_the_login(world):
    assert client_of(world.handler).get(NEW).status_code == 403
    r = Client().get(NEW)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_the_workbench_runs_a_request_through_extension_and_answer(world, today):
    req = submit(world.citizen, world.body)
    page_url = f"/openness/workbench/requests/{req.pk}/"
    officer, head = client_of(world.handler), client_of(world.head)
    act = f"/openness/workbench/requests/{req.pk}/"
    assert form_post(officer, page_url, act + "accept/", {}).status_code == 302
    r = form_post(officer, page_url, act + "extend/", {"days": "21", "reason": "需要调取档案"})
    assert r.status_code == 400 and 'id="days-error"' in r.content.decode()
    assert (
        form_post(
            officer, page_url, act + "extend/", {"days": "20", "reason": "需要调取多个科室的档案"}
        ).status_code
        == 302
    )
    ext = DisclosureExtension.objects.get()
    # the asker sees no approval form (four eyes: the service refuses too)
    assert act + "approve/" not in officer.get(page_url).content.decode()
    assert form_post(head, page_url, act + "approve/", {"extension": ext.pk, "note": ""}).status_code == 302
    req.refresh_from_db()
    assert (req.extension_days, req.due_on) == (20, D(2026, 11, 30))
    today(D(2026, 11, 16))
    queue = officer.get("/openness/workbench/requests/").content.decode()
    assert "oc-row--ok" in queue and "oc-row--overdue" not in queue  # extended: not overdue
    assert (
        "收到申请 2026-09-29 起算 20个工作日 + 延期20个工作日 = 2026-11-30" in queue
    )  # with its calculation
    answer = {"kind": "withheld", "text": "经审查，所申请信息不予公开。", "ground": "process"}
    assert form_post(officer, page_url, act + "answer/", answer).status_code == 302
    req.refresh_from_db()
    assert req.state == RequestState.ANSWERED
    assert DisclosureAnswer.objects.get().ground == "process"
    page = officer.get(page_url).content.decode()
    assert act + "answer/" not in page  # answered: no second answer form
    assert "收到申请 2026-09-29 起算 20个工作日 + 延期20个工作日 = 2026-11-30" in page


@needs_pdftotext
def test_the_notice_pdf_is_for_the_applicant_and_the_body_only(world):
    req = submit(world.citizen, world.body)
    officer = client_of(world.handler)
    page_url = f"/openness/workbench/requests/{req.pk}/"
    answer = {
        "kind": "partial",
        "text": "统计表予以公开。",
        "withheld": "经营者的联系方式",
        "ground": "privacy",
    }
    form_post(officer, page_url, page_url + "answer/", answer)
    url = f"/openness/requests/{req.pk}/notice.pdf"
    r = client_of(world.citizen).get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = re.sub(r"\s+", "", pdf_text(r.content))
    assert "政府信息公开申请答复告知书" in text
    assert f"{req.number}-GK01" in text
    assert "部分公开" in text and "涉及个人隐私" in text and "第十五条" in text
    assert officer.get(url).status_code == 200
    for other in (world.stranger, world.other_officer, world.inspector):
        assert client_of(other).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_applicant_answers_the_clarification_on_the_page(world, today):
    req = submit(world.citizen, world.body)
    officer = client_of(world.handler)
    wb = f"/openness/workbench/requests/{req.pk}/"
    today(D(2026, 10, 12))
    form_post(officer, wb, wb + "clarify/", {"question": "请说明所需统计表的年度"})
    c = client_of(world.citizen)
    mine = f"/openness/requests/{req.pk}/"
    page = c.get(mine).content.decode()
    assert "需要您补正" in page and "补正期间暂停计时" in page
    today(D(2026, 10, 15))
    r = form_post(c, mine, mine + "clarify/", {"answer": "2025年度"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert (req.state, req.paused_days, req.due_on) == (RequestState.PROCESSING, 3, D(2026, 11, 5))


def test_the_register_shows_no_applicant_and_only_publishable_descriptions(world):
    shown = submit(world.citizen, world.body, description="江夏区2025年政府采购目录")
    submit(world.citizen, world.body, description="关于市民甲本人的行政处罚决定书")
    officer = client_of(world.handler)
    wb = f"/openness/workbench/requests/{shown.pk}/"
    form_post(officer, wb, wb + "answer/", {"kind": "disclosed", "text": "见附件。", "publishable": "1"})
    page = Client().get("/openness/requests/register/").content.decode()
    assert "江夏区2025年政府采购目录" in page
    assert "行政处罚决定书" not in page
    assert "市民甲" not in page
    assert shown.number in page
    assert (
        Client().get("/openness/requests/register/?kind=disclosed&year=2026&department=x").status_code == 200
    )


def test_my_requests_lists_only_mine(world):
    mine = submit(world.citizen, world.body)
    theirs = submit(world.stranger, world.body)
    page = client_of(world.citizen).get("/openness/requests/").content.decode()
    assert mine.number in page and theirs.number not in page
    assert "收到申请 2026-09-29 起算 20个工作日 = 2026-11-02" in page
    assert client_of(world.handler).get("/openness/requests/").status_code == 403


def test_another_body_gets_404_and_it_is_audited(world):
    req = submit(world.citizen, world.body)
    r = client_of(world.other_officer).get(f"/openness/workbench/requests/{req.pk}/")
    assert r.status_code == 404
    assert (
        AuditEvent.objects.filter(action="openness.disclosure.access_refused", object_id=str(req.pk)).count()
        == 1
    )


@pytest.mark.parametrize("action", ["nonsense", "delete"])
def test_an_unknown_action_is_404_and_changes_nothing(world, action):
    req = submit(world.citizen, world.body)
    r = client_of(world.handler).post(f"/openness/workbench/requests/{req.pk}/{action}/", {})
    assert r.status_code == 404
    req.refresh_from_db()
    assert req.state == RequestState.RECEIVED


def test_list_pages_make_a_bounded_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    citizen, officer, public = client_of(world.citizen), client_of(world.handler), Client()
    pages = ((citizen, "/openness/requests/"), (officer, "/openness/workbench/requests/"))
    pages += ((public, "/openness/requests/register/"),)

    def counts() -> list[int]:
        out = []
        for c, url in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    first = submit(world.citizen, world.body)
    form_post(
        officer,
        f"/openness/workbench/requests/{first.pk}/",
        f"/openness/workbench/requests/{first.pk}/answer/",
        {"kind": "disclosed", "text": "见附件。"},
    )
    before = counts()
    for _ in range(5):
        req = submit(world.citizen, world.body)
        wb = f"/openness/workbench/requests/{req.pk}/"
        form_post(officer, wb, wb + "answer/", {"kind": "not_exist", "text": "经检索，本机关未制作该信息。"})
    assert counts() == before


def test_a_double_clicked_answer_answers_once(world):
    req = submit(world.citizen, world.body)
    officer = client_of(world.handler)
    wb = f"/openness/workbench/requests/{req.pk}/"
    token = once_token(officer.get(wb).content.decode(), wb + "answer/")
    data = {"kind": "disclosed", "text": "所申请信息见附件。", "once_token": token}
    first, second = officer.post(wb + "answer/", data), officer.post(wb + "answer/", data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == first["Location"] == wb
    assert DisclosureAnswer.objects.filter(request=req).count() == 1
    assert AuditEvent.objects.filter(action="openness.disclosure.answer").count() == 1
