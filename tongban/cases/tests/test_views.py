"""Case pages: the applicant's side (/cases/) and the staff workbench (/workbench/cases/).

Every page and action through the test client; bad input per field re-renders with the message
next to the field and changes nothing (counts()); CSRF on the forms; other people's cases are
404, the wrong role 403; the queue pages run a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tongban.accounts import services as account_services
from tongban.catalog.testing import SYSTEM
from tongban.core.identifiers import make_resident_id

from .. import applying, queries, services
from ..enums import CaseState, Channel, PauseKind
from ..models import Case, Draft
from .conftest import FORM, PDF, PNG, as_user, counts, staff, staged_only, submit

D = dt.date.fromisoformat
pytestmark = pytest.mark.usefixtures("regions_loaded")


def pdf(name="申请书.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def body(response) -> str:
    return response.content.decode()


def apply_post(world, **overrides):
    m1, m2 = world["materials"]
    data = {**FORM, "action": "submit", f"m_{m1.pk}": [pdf()], f"m_{m2.pk}": [pdf("执照.pdf")]}
    data.update(overrides)
    return data


def error_of(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="field__error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    return match.group(1) if match else ""


# --- The guide and the application form -------------------------------------------------------


def test_the_guide_of_an_online_item_links_to_the_form(world, client):
    page = body(client.get(f"/items/{world['item'].code}/"))
    assert f'href="/cases/apply/{world["item"].code}/"' in page


def test_apply_needs_a_signed_in_person(world, client):
    url = f"/cases/apply/{world['item'].code}/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert as_user(world["officer"]).get(url).status_code == 403


def test_the_form_is_prefilled_and_lists_the_materials(world):
    page = body(as_user(world["citizen"]).get(f"/cases/apply/{world['item'].code}/"))
    assert 'id="f-applicant_name" name="applicant_name" value="张三"' in page
    assert 'id="f-contact_name" name="contact_name" value="张三"' in page
    m1, m2 = world["materials"]
    assert f'name="m_{m1.pk}" multiple accept=".pdf,.jpg,.jpeg,.png' in page
    # 营业执照 maps to a licence type, but this applicant holds none: an ordinary upload, no promise.
    assert f'name="m_{m2.pk}" multiple accept=".pdf,.jpg,.jpeg,.png' in page
    assert "免提交" not in page
    assert "每个文件不超过 10 MB" in page


def test_submit_makes_a_case_and_shows_its_number(world, day):
    client = as_user(world["citizen"])
    response = client.post(f"/cases/apply/{world['item'].code}/", apply_post(world))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/submitted/"
    assert (case.state, case.channel, case.applicant_id, case.materials.count()) == (
        CaseState.SUBMITTED,
        Channel.PC,
        world["citizen"].pk,
        2,
    )
    page = body(client.get(response["Location"]))
    assert f'<p class="case-number" id="case-number">{case.number}</p>' in page
    assert "2026-10-12 前完成预审" in page
    mine = body(client.get("/cases/"))
    assert case.number in mine and "已收到您的申请，正在预审" in mine


def test_the_submitted_page_and_my_cases_show_the_query_code_for_progress_without_signing_in(world, day):
    """Issue 11, journey 2: the applicant online has no printed receipt; the query code that
    `/cases/progress/` asks for is on the submitted page and on the case's card in 我的办件."""
    from .. import progress

    client = as_user(world["citizen"])
    client.post(f"/cases/apply/{world['item'].code}/", apply_post(world))
    case = Case.objects.get()
    code = progress.query_code(case)
    assert re.fullmatch(f"[{progress.QUERY_ALPHABET}]{{8}}", code)
    page = body(client.get(f"/cases/{case.number}/submitted/"))
    assert f'<strong class="code" id="query-code">{code}</strong>' in page
    assert 'href="/cases/progress/"' in page
    mine = body(client.get("/cases/"))
    assert f'<dd class="code case-card__query-code">{code}</dd>' in mine
    # nobody else's list shows it
    other = account_services.do_register_person(
        actor=SYSTEM, mobile="13900007777", password="Str0ng-pass-2026", display_name="路人"
    )
    assert code not in body(as_user(other).get("/cases/"))


def test_several_files_per_material(world):
    m1, _m2 = world["materials"]
    data = apply_post(world, **{f"m_{m1.pk}": [pdf("一.pdf"), pdf("二.png", PNG, "image/png")]})
    as_user(world["citizen"]).post(f"/cases/apply/{world['item'].code}/", data)
    assert sorted(Case.objects.get().materials.values_list("name", flat=True)) == [
        "一.pdf",
        "二.png",
        "执照.pdf",
    ]


def test_a_mobile_browser_is_the_mobile_channel(world):
    client = as_user(world["citizen"])
    client.post(
        f"/cases/apply/{world['item'].code}/",
        apply_post(world),
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile Safari",
    )
    assert Case.objects.get().channel == Channel.MOBILE


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "", "请填写联系电话"),
        ("contact_phone", "12345", "联系电话：请输入11位手机号码"),
        ("applicant_name", "", "请填写申请人（单位）名称"),
        ("request", "", "请填写申请事项说明"),
        ("applicant_name", "张" * 501, "申请人（单位）名称：不能超过500个字"),
    ],
)
def test_bad_form_input_is_named_next_to_the_field_and_changes_nothing(world, field, value, message):
    before = counts()
    response = as_user(world["citizen"]).post(
        f"/cases/apply/{world['item'].code}/", apply_post(world, **{field: value})
    )
    page = body(response)
    assert response.status_code == 400
    assert error_of(page, f"f-{field}") == message
    assert "申请未提交" in page and "已选择的文件已随草稿暂存，无需重新选择" in page
    assert staged_only(before, 2)  # both files kept with the draft, no case


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf("假的.pdf", PNG), "“假的.pdf”不是PDF、JPG或PNG文件"),
        (pdf("空.pdf", b""), "“空.pdf”是空文件"),
        (pdf("文档.docx", b"PK\x03\x04", "application/msword"), "“文档.docx”不是PDF、JPG或PNG文件"),
    ],
)
def test_a_bad_file_is_named_next_to_its_material_and_changes_nothing(world, upload, message):
    m1 = world["materials"][0]
    before = counts()
    response = as_user(world["citizen"]).post(
        f"/cases/apply/{world['item'].code}/", apply_post(world, **{f"m_{m1.pk}": [upload]})
    )
    page = body(response)
    assert response.status_code == 400
    if message:
        assert error_of(page, f"m_{m1.pk}") == message
    else:
        assert "请上传必要材料：申请书" in page
    assert staged_only(before, 1)  # the other material's good file is kept


def test_a_file_over_the_limit_is_refused(world, monkeypatch):
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 64)
    monkeypatch.setattr(applying, "MAX_FILE_BYTES", 64)
    m1 = world["materials"][0]
    before = counts()
    big = pdf("大.pdf", PDF + b"0" * 100)
    response = as_user(world["citizen"]).post(
        f"/cases/apply/{world['item'].code}/", apply_post(world, **{f"m_{m1.pk}": [big]})
    )
    assert response.status_code == 400
    assert error_of(body(response), f"m_{m1.pk}") == "“大.pdf”超过 0 MB"
    assert staged_only(before, 1)


def test_a_missing_required_material_is_refused(world):
    m1 = world["materials"][0]
    data = apply_post(world)
    del data[f"m_{m1.pk}"]
    before = counts()
    response = as_user(world["citizen"]).post(f"/cases/apply/{world['item'].code}/", data)
    assert response.status_code == 400 and "请上传必要材料：申请书" in body(response)
    assert staged_only(before, 1)


CONDITIONAL = {
    "sections": [
        {
            "title": "申请人",
            "fields": [
                {
                    "name": "applicant_name",
                    "label": "姓名",
                    "type": "text",
                    "required": True,
                    "prefill": "name",
                },
                {
                    "name": "by_agent",
                    "label": "是否委托代理",
                    "type": "select",
                    "required": True,
                    "choices": [{"value": "no", "label": "否"}, {"value": "yes", "label": "是"}],
                },
            ],
        },
        {
            "title": "委托代理人",
            "when": {"field": "by_agent", "equals": "yes"},
            "fields": [{"name": "agent_name", "label": "代理人姓名", "type": "text", "required": True}],
        },
    ]
}


@pytest.fixture
def conditional_form(world):
    editor = staff("editor", "catalog_editor")
    services.do_set_form(actor=editor, item_pk=world["item"].pk, schema=CONDITIONAL)


def test_conditional_sections_are_marked_for_the_script_and_validated_on_the_server(
    world, conditional_form, django_capture_on_commit_callbacks
):
    client = as_user(world["citizen"])
    url = f"/cases/apply/{world['item'].code}/"
    page = body(client.get(url))
    assert 'data-when-field="by_agent" data-when-equals="yes"' in page
    m1, m2 = world["materials"]
    files = {f"m_{m1.pk}": [pdf()], f"m_{m2.pk}": [pdf()]}
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):  # the staged files are written on commit
        response = client.post(
            url, {"applicant_name": "张三", "by_agent": "yes", "action": "submit", **files}
        )
    assert response.status_code == 400 and error_of(body(response), "f-agent_name") == "请填写代理人姓名"
    assert staged_only(before, 2)
    files = {}  # the staged files go with the corrected form
    response = client.post(
        url,
        {"applicant_name": "张三", "by_agent": "no", "agent_name": "不应保存", "action": "submit", **files},
    )
    assert response.status_code == 302
    assert services.form_data(Case.objects.get()) == {"applicant_name": "张三", "by_agent": "no"}
    assert (
        Case.objects.get().materials.count() == 2
        and not services.staged_files(world["citizen"], world["item"].code).exists()
    )


def test_a_draft_is_saved_on_the_server_and_resumed_on_another_device(world):
    url = f"/cases/apply/{world['item'].code}/"
    response = as_user(world["citizen"]).post(url, {**FORM, "contact_phone": "", "action": "draft"})
    assert response.status_code == 302 and response["Location"] == url
    other_device = as_user(world["citizen"])
    page = body(other_device.get(url))
    assert re.search(r'name="request" rows="4" maxlength="4000"[^>]*>申请办理</textarea>', page)
    assert "已载入您" in page and "保存的草稿" in page
    assert "继续填写" in body(other_device.get("/cases/"))
    # Submitting removes the draft.
    other_device.post(url, apply_post(world))
    assert not Draft.objects.exists()


def test_a_bad_draft_value_is_named_and_nothing_is_saved(world):
    url = f"/cases/apply/{world['item'].code}/"
    response = as_user(world["citizen"]).post(url, {**FORM, "contact_phone": "123", "action": "draft"})
    assert response.status_code == 400
    assert error_of(body(response), "f-contact_phone") == "联系电话：请输入11位手机号码"
    assert not Draft.objects.exists()


def test_an_unknown_item_or_action_is_a_clear_error(world):
    client = as_user(world["citizen"])
    assert client.get("/cases/apply/NOPE/").status_code == 404
    assert client.get("/cases/apply/bad code!/").status_code == 400
    before = counts()
    response = client.post(f"/cases/apply/{world['item'].code}/", {**FORM, "action": "other"})
    assert response.status_code == 400 and counts() == before


def test_forms_enforce_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["citizen"])
    before = counts()
    assert client.post(f"/cases/apply/{world['item'].code}/", apply_post(world)).status_code == 403
    case = submit(world)
    assert client.post(f"/cases/{case.number}/withdraw/", {}).status_code == 403
    officer = Client(enforce_csrf_checks=True)
    officer.force_login(world["officer"])
    assert officer.post(f"/workbench/cases/{case.number}/accept/").status_code == 403
    assert (
        officer.post("/workbench/cases/batch/", {"action": "accept", "numbers": [case.number]}).status_code
        == 403
    )
    assert Case.objects.get().state == CaseState.SUBMITTED
    assert counts()["cases"] == before["cases"] + 1


# --- My cases and the case page -----------------------------------------------------------------


def test_the_case_page_shows_the_timeline_and_the_clock(world, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    page = body(as_user(world["citizen"]).get(f"/cases/{case.number}/"))
    assert "受理日 2026-09-29 起算 5个工作日 = 2026-10-12" in page
    assert "法定时限：受理日 2026-09-29 起算 20个工作日 = 2026-11-02" in page
    assert "提交申请" in page and "受理" in page
    assert 'id="case-state">已受理</span>' in page


def test_the_workbench_history_names_who_acted(world, day):
    officer = world["officer"]
    case = services.do_accept(actor=officer, number=submit(world).number)
    page = body(as_user(officer).get(f"/workbench/cases/{case.number}/"))
    history = page[page.index('class="timeline"') :]
    assert officer.display_name in history and world["citizen"].display_name in history
    assert "user:" not in history


def test_the_officer_sees_the_postal_address_and_the_applicant_only_offered_methods(world):
    case = submit(world)
    address = "武汉市江岸区沿江大道188号 张三 13900000001"
    applicant = as_user(world["citizen"])
    page = body(applicant.get(f"/cases/{case.number}/"))
    assert 'value="window"' in page and 'value="post"' in page and 'value="electronic"' not in page
    applicant.post(f"/cases/{case.number}/delivery/", {"method": "post", "address": address})
    staff_page = body(as_user(world["officer"]).get(f"/workbench/cases/{case.number}/"))
    assert f'<dd id="delivery-address" lang="zh-Hans">{address}</dd>' in staff_page


def test_other_peoples_cases_are_not_found(world):
    case = submit(world)
    stranger = as_user(world["citizen"].__class__.objects.get(pk=services_citizen(2).pk))
    material = case.materials.first()
    for url in (
        f"/cases/{case.number}/",
        f"/cases/{case.number}/submitted/",
        f"/cases/{case.number}/files/{material.pk}/",
    ):
        assert stranger.get(url).status_code == 404
    before = counts()
    assert stranger.post(f"/cases/{case.number}/withdraw/", {}).status_code == 404
    assert counts() == before
    outsider = as_user(world["outsider"])
    assert outsider.get(f"/workbench/cases/{case.number}/").status_code == 404
    assert outsider.post(f"/workbench/cases/{case.number}/accept/").status_code == 404
    assert Case.objects.get().state == CaseState.SUBMITTED


def services_citizen(n):
    from .conftest import citizen

    return citizen(n, name="李四")


def test_the_applicant_downloads_their_file(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # files are written on commit
        case = submit(world)
    material = case.materials.order_by("id").first()
    response = as_user(world["citizen"]).get(f"/cases/{case.number}/files/{material.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert as_user(world["citizen"]).get(f"/cases/{case.number}/files/999999/").status_code == 404


def test_supply_what_was_asked(world, day):
    case = submit(world)
    services.do_request_supplement(actor=world["officer"], number=case.number, items=["身份证复印件不清晰"])
    client = as_user(world["citizen"])
    page = body(client.get(f"/cases/{case.number}/"))
    assert "需要您补正" in page and "身份证复印件不清晰" in page and "2026-10-19 前提交" in page
    before = counts()
    response = client.post(f"/cases/{case.number}/supply/", {"note": ""})
    assert response.status_code == 400 and "请上传补正材料" in body(response)
    response = client.post(f"/cases/{case.number}/supply/", {"files": [pdf("x.pdf", PNG)]})
    assert response.status_code == 400 and "“x.pdf”不是PDF、JPG或PNG文件" in body(response)
    assert counts() == before
    response = client.post(f"/cases/{case.number}/supply/", {"files": [pdf("补正.pdf")], "note": "已补"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and case.materials.filter(stage="supplement").count() == 1


def test_withdraw(world):
    case = submit(world)
    client = as_user(world["citizen"])
    assert client.post(f"/cases/{case.number}/withdraw/", {"reason": "不办了"}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    before = counts()
    response = client.post(f"/cases/{case.number}/withdraw/", {})
    assert response.status_code == 409 and counts() == before


def test_choose_delivery(world):
    case = submit(world)
    client = as_user(world["citizen"])
    before = counts()
    response = client.post(f"/cases/{case.number}/delivery/", {"method": "post", "address": "武汉"})
    assert response.status_code == 400
    assert "邮寄送达请填写完整的收件地址" in body(response)
    response = client.post(f"/cases/{case.number}/delivery/", {"method": "pigeon"})
    assert response.status_code == 400 and "id_method_error" in body(response)
    assert counts() == before
    response = client.post(
        f"/cases/{case.number}/delivery/",
        {"method": "post", "address": "武汉市江岸区某路1号 张三 13900000001"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.delivery == "post"


def test_notifications_are_listed_and_marked_read(world):
    submit(world)
    client = as_user(world["citizen"])
    page = body(client.get("/cases/"))
    assert "1 条未读" in page
    assert client.post("/cases/notifications/read/").status_code == 302
    assert queries.notifications(world["citizen"], unread_only=True).count() == 0


def test_staff_opening_an_applicant_url_go_to_the_workbench(world):
    case = submit(world)
    response = as_user(world["officer"]).get(f"/cases/{case.number}/")
    assert response.status_code == 302 and response["Location"] == f"/workbench/cases/{case.number}/"
    assert as_user(world["officer"]).get("/cases/").status_code == 403


# --- Workbench --------------------------------------------------------------------------------


def test_the_workbench_is_for_staff(world, client):
    assert client.get("/workbench/cases/").status_code == 302
    assert as_user(world["citizen"]).get("/workbench/cases/").status_code == 403
    case = submit(world)
    assert as_user(world["citizen"]).get(f"/workbench/cases/{case.number}/").status_code == 403
    assert as_user(world["citizen"]).post(f"/workbench/cases/{case.number}/accept/").status_code == 403
    assert Case.objects.get().state == CaseState.SUBMITTED


def test_queues_and_search(world):
    case = submit(world)
    client = as_user(world["officer"])
    page = body(client.get("/workbench/cases/"))
    assert case.number in page and "批量受理所选办件" in page
    assert body(client.get("/workbench/cases/?queue=mine")).count(case.number) == 0
    assert client.get("/workbench/cases/?queue=nope").status_code == 400
    for text in (case.number, "张三", world["item"].code[:10]):
        found = body(client.get("/workbench/cases/", {"q": text}))
        assert (
            f'href="/workbench/cases/{case.number}/"'
            in found.split('id="found-title"')[1].split("wb-tabs")[0]
        )
    other = body(as_user(world["outsider"]).get("/workbench/cases/", {"q": case.number}))
    assert f'href="/workbench/cases/{case.number}/"' not in other


@pytest.mark.parametrize("kind", list(queries.QUEUES))
def test_queue_pages_run_a_bounded_number_of_queries(world, kind, django_assert_max_num_queries):
    for _ in range(3):
        submit(world)
    client = as_user(world["officer"])
    client.get(f"/workbench/cases/?queue={kind}")  # warm the session
    with django_assert_max_num_queries(18):
        small = client.get(f"/workbench/cases/?queue={kind}")
    for _ in range(12):
        services.do_accept(actor=world["officer"], number=submit(world).number)
    with django_assert_max_num_queries(18):
        large = client.get(f"/workbench/cases/?queue={kind}")
    assert small.status_code == large.status_code == 200


def test_the_whole_handling_in_the_workbench(world, day):
    case = submit(world)
    officer, officer2, head = (as_user(world[k]) for k in ("officer", "officer2", "head"))
    url = f"/workbench/cases/{case.number}/"
    page = body(officer.get(url))
    assert "预审通过，受理" in page and "申请事项说明" in page and "申请办理" in page
    assert officer.post(url + "accept/").status_code == 302
    page = body(officer.get(url))
    assert "受理日 2026-09-29 起算 5个工作日 = 2026-10-12" in page and "承办：办理本环节" in page
    # A failing step needs a reason: the error is next to the field and nothing changes.
    before = counts()
    response = officer.post(
        url + "step/", {"step-step_index": "0", "step-outcome": "fail", "step-comment": ""}
    )
    assert response.status_code == 400 and "不同意时请写明理由" in body(response)
    response = officer.post(url + "step/", {"step-step_index": "0", "step-outcome": "maybe"})
    assert response.status_code == 400 and 'id="id_step-outcome_error"' in body(response)
    assert counts() == before
    steps = [(officer, 0), (officer2, 1), (head, 2)]
    for client, index in steps:
        response = client.post(
            url + "step/", {"step-step_index": str(index), "step-outcome": "pass", "step-comment": "同意"}
        )
        assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    assert officer.post(url + "conclude/", {"conclude-result_code": ""}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CONCLUDED
    # Post delivery needs a tracking number.
    services.do_choose_delivery(
        actor=world["citizen"], number=case.number, method="post", address="武汉市江岸区某路1号"
    )
    before = counts()
    response = officer.post(url + "deliver/", {"deliver-tracking_number": "!"})
    assert response.status_code == 400 and "请填写快递单号（字母和数字）" in body(response)
    assert counts() == before
    assert officer.post(url + "deliver/", {"deliver-tracking_number": "SF1234567890"}).status_code == 302
    case.refresh_from_db()
    assert (case.state, case.tracking_number) == (CaseState.DELIVERED, "SF1234567890")
    page = body(as_user(world["citizen"]).get(f"/cases/{case.number}/"))
    assert "SF1234567890" in page and "已送达" in page


def test_refuse_return_and_supplement_need_their_input(world):
    case = submit(world)
    officer = as_user(world["officer"])
    url = f"/workbench/cases/{case.number}/"
    before = counts()
    for action, data, field, message in [
        ("refuse", {"refuse-reason": "不"}, "reason", "请写明不予受理的理由"),
        ("return", {"return-reason": ""}, "reason", ""),
        ("supplement", {"supplement-items": "  \n "}, "items", ""),
        ("supplement", {"supplement-items": "\n".join(["材料"] * 31)}, "items", "补正清单过长"),
    ]:
        response = officer.post(url + f"{action}/", data)
        page = body(response)
        assert response.status_code == 400, action
        error = re.search(rf'<p class="wb-error" id="id_{action}-{field}_error">([^<]*)</p>', page)
        assert error and message in error.group(1), action
    assert counts() == before and Case.objects.get().state == CaseState.SUBMITTED
    response = officer.post(url + "supplement/", {"supplement-items": "身份证复印件\n住所证明"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.supplement_items == ["身份证复印件", "住所证明"]


def test_refuse_and_unknown_actions(world):
    case = submit(world)
    officer = as_user(world["officer"])
    url = f"/workbench/cases/{case.number}/"
    assert officer.post(url + "fly/").status_code == 404
    assert officer.get(url + "accept/").status_code == 405
    assert officer.post(url + "refuse/", {"refuse-reason": "不属于本部门职责"}).status_code == 302
    before = counts()
    response = officer.post(url + "accept/")
    assert response.status_code == 409 and "不能进行此操作" in body(response)
    assert counts() == before


def test_pause_resume_extend_assign(world, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    officer, head = as_user(world["officer"]), as_user(world["head"])
    url = f"/workbench/cases/{case.number}/"
    before = counts()
    response = officer.post(url + "pause/", {"pause-kind": "special", "pause-reason": "需要现场勘查"})
    assert response.status_code == 400 and "请选择特别程序的种类" in body(response)
    assert counts() == before
    day("2026-09-30")
    response = officer.post(
        url + "pause/", {"pause-kind": "special", "pause-procedure": "survey", "pause-reason": "需要现场勘查"}
    )
    assert response.status_code == 302
    assert "特别程序结束，恢复计时" in body(officer.get(url))
    day("2026-10-09")
    assert officer.post(url + "resume/").status_code == 302
    case.refresh_from_db()
    assert (case.state, case.paused_days, case.promised_due) == (CaseState.ACCEPTED, 2, D("2026-10-14"))
    # Extension: the approver must be the department head; days 1..10.
    before = counts()
    response = officer.post(
        url + "extend/",
        {"extend-days": "11", "extend-approver": world["head"].pk, "extend-reason": "需要补充调查"},
    )
    assert response.status_code == 400 and "id_extend-days_error" in body(response)
    response = officer.post(
        url + "extend/",
        {"extend-days": "2", "extend-approver": world["officer2"].pk, "extend-reason": "需要补充调查"},
    )
    assert response.status_code == 400 and "id_extend-approver_error" in body(response)
    assert counts() == before
    response = officer.post(
        url + "extend/",
        {"extend-days": "2", "extend-approver": world["head"].pk, "extend-reason": "需要补充调查"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.extension_days, case.promised_due) == (0, D("2026-10-14"))  # until the head approves
    request = case.extension_requests.get()
    response = head.post(
        url + "decide_extension/",
        {"decide_extension-request_id": request.pk, "decide_extension-decision": "approve"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.extension_days, case.promised_due) == (2, D("2026-10-16"))
    assert "延期 2 个工作日（批准人：head）" in body(officer.get(url))
    # Assign (department head only): the officer may not.
    response = officer.post(
        url + "assign/", {"assign-step_index": "0", "assign-assignee": world["officer2"].pk}
    )
    assert response.status_code == 403
    response = head.post(url + "assign/", {"assign-step_index": "0", "assign-assignee": world["officer2"].pk})
    assert response.status_code == 302
    assert case.steps.get(index=0).assignee_id == world["officer2"].pk
    # Now only officer2 may complete it.
    response = officer.post(url + "step/", {"step-step_index": "0", "step-outcome": "pass"})
    assert response.status_code == 403 and "该环节已指派给其他人员" in body(response)
    # Supplement pause from the workbench.
    response = officer2_pause = as_user(world["officer2"]).post(
        url + "pause/",
        {"pause-kind": "supplement", "pause-reason": "材料不清晰", "pause-items": "营业执照复印件"},
    )
    assert officer2_pause.status_code == 302
    assert ClockPauseKind(case) == PauseKind.SUPPLEMENT


def ClockPauseKind(case):
    return queries.open_pause(case).kind


def test_the_wrong_role_is_forbidden(world):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    desk = staff("deskclerk", "window_clerk", department=world["dept"])
    before = counts()
    response = as_user(desk).post(
        f"/workbench/cases/{case.number}/step/", {"step-step_index": "0", "step-outcome": "pass"}
    )
    assert response.status_code == 403
    response = as_user(desk).post(
        f"/workbench/cases/{case.number}/pause/",
        {"pause-kind": "special", "pause-procedure": "survey", "pause-reason": "需要现场勘查"},
    )
    assert response.status_code == 403
    assert counts() == before


def test_staff_download_materials_of_their_department_only(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # files are written on commit
        case = submit(world)
    material = case.materials.first()
    assert (
        as_user(world["officer"]).get(f"/workbench/cases/{case.number}/files/{material.pk}/").status_code
        == 200
    )
    assert (
        as_user(world["outsider"]).get(f"/workbench/cases/{case.number}/files/{material.pk}/").status_code
        == 404
    )


def test_batch_accept_and_complete(world):
    numbers = [submit(world).number for _ in range(3)]
    officer = as_user(world["officer"])
    response = officer.post(
        "/workbench/cases/batch/", {"action": "accept", "queue": "precheck", "numbers": numbers[:2]}
    )
    assert response.status_code == 302 and response["Location"] == "/workbench/cases/?queue=precheck"
    states = dict(Case.objects.values_list("number", "state"))
    assert [states[n] for n in numbers] == [CaseState.ACCEPTED, CaseState.ACCEPTED, CaseState.SUBMITTED]
    response = officer.post(
        "/workbench/cases/batch/", {"action": "complete", "queue": "team", "numbers": numbers}
    )
    assert response.status_code == 302
    page = body(officer.get(response["Location"]))
    assert ("已办理 2 件" in page and f"{numbers[2]}：办件当前状态为" in page) or "没有办理中的环节" in page
    assert list(Case.objects.get(number=numbers[0]).steps.values_list("state", flat=True)) == [
        "done",
        "active",
        "waiting",
    ]
    before = counts()
    officer.post("/workbench/cases/batch/", {"action": "delete", "numbers": numbers})
    officer.post("/workbench/cases/batch/", {"action": "accept", "numbers": []})
    assert counts() == before


# --- Window intake ----------------------------------------------------------------------------


@pytest.fixture
def walk_in(world):
    id_number = make_resident_id(random.Random(77))
    account_services.do_upsert_population_record(actor=SYSTEM, name="王五", id_number=id_number)
    person = account_services.do_register_walk_in(actor=world["clerk"], name="王五", id_number=id_number)
    return person, id_number


def test_window_intake(world, walk_in, day):
    from .conftest import window_item

    person, id_number = walk_in
    item, (m1, m2, _m3) = window_item(world)
    clerk = as_user(world["clerk"])
    assert "查找申请人" in body(clerk.get("/workbench/cases/window/"))
    response = clerk.post("/workbench/cases/window/find/", {"id_number": "123"})
    assert response.status_code == 400 and "id_id_number_error" in body(response)
    response = clerk.post("/workbench/cases/window/find/", {"id_number": make_resident_id(random.Random(78))})
    assert response.status_code == 200 and "没有找到该身份证号码的账号" in body(response)
    assert clerk.post("/workbench/cases/window/find/", {"id_number": id_number}).status_code == 302
    page = body(clerk.get("/workbench/cases/window/", {"q": "食品经营"}))
    assert "王五" in page and f"?item={world['item'].code}" in page
    page = body(clerk.get("/workbench/cases/window/", {"item": item.code}))
    assert 'value="王五"' in page and "告知承诺" in page
    # 容缺 is offered on the 容缺后补 material only: not on the essential one, not on the optional one.
    assert re.findall(r'name="missing_(\d+)"', page) == [str(m2.pk)]
    before = counts()
    # 容缺 of a required material is refused; nothing changes.
    response = clerk.post(
        "/workbench/cases/window/intake/",
        {
            **FORM,
            "item_code": item.code,
            f"m_{m2.pk}": [pdf()],
            f"missing_{m1.pk}": "on",
            f"due_{m1.pk}": "2026-10-10",
        },
    )
    assert response.status_code == 400
    assert "请扫描必要材料：申请书" in body(response) or "不能容缺" in body(response)
    assert counts() == before
    response = clerk.post(
        "/workbench/cases/window/intake/",
        {
            **FORM,
            "item_code": item.code,
            f"m_{m1.pk}": [pdf()],
            f"missing_{m2.pk}": "on",
            f"due_{m2.pk}": "2026-10-10",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workbench/cases/{case.number}/"
    assert (case.channel, case.state, case.applicant_id) == (Channel.WINDOW, CaseState.ACCEPTED, person.pk)
    assert case.missing_materials == [{"material_id": m2.pk, "name": m2.name, "due": "2026-10-10"}]


def test_window_intake_is_for_window_clerks(world):
    assert as_user(world["officer"]).get("/workbench/cases/window/").status_code == 403
    assert as_user(world["citizen"]).get("/workbench/cases/window/").status_code == 403
    before = counts()
    response = as_user(world["clerk"]).post(
        "/workbench/cases/window/intake/", {**FORM, "item_code": world["item"].code}
    )
    assert response.status_code == 400 and counts() == before  # no applicant found first


def test_window_intake_with_a_commitment(world, walk_in):
    _person, id_number = walk_in
    clerk = as_user(world["clerk"])
    clerk.post("/workbench/cases/window/find/", {"id_number": id_number})
    m1 = world["materials"][0]
    response = clerk.post(
        "/workbench/cases/window/intake/",
        {**FORM, "item_code": world["item"].code, f"m_{m1.pk}": [pdf()], "commitment": "on"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.commitment and case.commitment_check_due is not None


# --- Statistics -------------------------------------------------------------------------------


def test_statistics(world, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    submit(world)
    for actor, index in ((world["officer"], 0), (world["officer2"], 1), (world["head"], 2)):
        services.do_complete_step(actor=actor, number=case.number, step_index=index, outcome="pass")
    day("2026-10-09")
    services.do_conclude(actor=world["officer"], number=case.number)
    day("2026-10-20")
    rows, total = queries.statistics(
        region_prefix="42", since=D("2026-01-01"), until=D("2026-12-31"), on=D("2026-10-20")
    )
    assert [(r.name, r.received, r.online, r.concluded, r.on_time, r.overdue) for r in rows] == [
        ("武汉市市场监督管理局", 2, 2, 1, 1, 0)
    ]
    assert (total.online_share, total.on_time_share) == (100.0, 100.0)
    page = body(
        as_user(world["officer"]).get("/workbench/cases/stats/", {"region": "420100", "since": "2026-01-01"})
    )
    assert "武汉市市场监督管理局" in page and "100.0%" in page
    response = as_user(world["officer"]).get("/workbench/cases/stats/", {"since": "2026-13-01"})
    assert response.status_code == 400 and "请输入日期，如 2026-01-01" in body(response)
    response = as_user(world["officer"]).get(
        "/workbench/cases/stats/", {"since": "2026-12-01", "until": "2026-01-01"}
    )
    assert response.status_code == 400 and "结束日期不能早于开始日期" in body(response)
    assert as_user(world["citizen"]).get("/workbench/cases/stats/").status_code == 403
    # An officer of Wuhan sees Wuhan and below, not the province or another city.
    for region in ("420000", "420200"):
        response = as_user(world["officer"]).get("/workbench/cases/stats/", {"region": region})
        assert response.status_code == 403 and "只能查看本部门所在地区及下辖地区的统计" in body(response)
    assert as_user(world["officer"]).get("/workbench/cases/stats/", {"region": "420102"}).status_code == 200
    from .conftest import staff

    for role in ("platform_admin", "inspector"):
        viewer = staff(f"stats-{role}", role)
        assert as_user(viewer).get("/workbench/cases/stats/", {"region": "420000"}).status_code == 200


def test_statistics_average_working_days(world, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    for actor, index in ((world["officer"], 0), (world["officer2"], 1), (world["head"], 2)):
        services.do_complete_step(actor=actor, number=case.number, step_index=index, outcome="pass")
    day("2026-10-09")
    services.do_conclude(actor=world["officer"], number=case.number)
    Case.objects.filter(pk=case.pk).update(concluded_at=dt.datetime(2026, 10, 9, 10, tzinfo=dt.UTC))
    _rows, total = queries.statistics(
        region_prefix="4201", since=D("2026-09-01"), until=D("2026-10-31"), on=D("2026-10-20")
    )
    assert total.average_days == 3.0  # 09-29 -> 10-09: 09-30, 10-08, 10-09 (National Day holiday between)
