"""The requests and grants workbench pages: they render for whom they should, 404 for others,
forms carry CSRF, bad input shows the field's error and writes nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tongban.core.models import AuditEvent

from .. import grants
from ..enums import GrantState, RequestState
from ..models import Grant, ShareRequest
from .test_grants import data, day, world  # noqa: F401  (fixtures)


def as_user(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def csrf_forms(html: str) -> tuple[int, int]:
    """(POST forms, those with a CSRF token)."""
    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S)
    return len(forms), sum('name="csrfmiddlewaretoken"' in f for f in forms)


@pytest.fixture
def pending(world):  # noqa: F811
    return grants.do_submit_request(actor=world.req_admin, data=data(world))


def test_the_requests_page_lists_what_may_be_requested(world):  # noqa: F811
    client = as_user(world.req_admin)
    html = client.get("/exchange/workbench/requests/").content.decode()
    assert 'href="/exchange/workbench/requests/new/FR-001/"' in html
    assert 'href="/exchange/workbench/requests/new/FR-002/"' in html
    assert "FR-009" not in html  # 不予共享
    html = client.get("/exchange/workbench/requests/?q=FR-002").content.decode()
    assert "FR-001" not in html and "/requests/new/FR-002/" in html
    # The provider is not offered its own entries; a clerk is offered nothing.
    assert (
        "/requests/new/FR-001/"
        not in as_user(world.prov_admin).get("/exchange/workbench/requests/").content.decode()
    )
    assert (
        "可申请的信息资源"
        not in as_user(world.req_clerk).get("/exchange/workbench/requests/").content.decode()
    )


def test_the_new_request_form_lists_fields_with_sensitivity_and_systems(world):  # noqa: F811
    r = as_user(world.req_steward).get("/exchange/workbench/requests/new/FR-001/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="fields" value="legal_rep_name"' in html
    assert "个人信息" in html and "内部" in html
    assert f'value="{world.client_id}"' in html
    assert "10 个工作日" in html
    assert csrf_forms(html) == (3, 3)  # with the header's language and sign-out forms


def test_submitting_the_form_creates_a_pending_request(world):  # noqa: F811
    client = as_user(world.req_admin)
    r = client.post(
        "/exchange/workbench/requests/new/FR-001/",
        {
            "client_id": world.client_id,
            "fields": ["name", "status"],
            "purpose": "食品经营许可审查",
            "purpose_codes": ["licensing"],
            "legal_basis": "《食品经营许可和备案管理办法》",
            "serves": "11420100MB0000000X4000111222000\nJH-2026-0001",
            "valid_until": "2027-06-30",
            "expected_daily_calls": "300",
        },
    )
    req = ShareRequest.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/exchange/workbench/requests/{req.pk}/"
    assert req.state == RequestState.PENDING
    assert req.serves == ["11420100MB0000000X4000111222000", "JH-2026-0001"]
    page = client.get(r["Location"]).content.decode()
    assert req.number in page
    assert "剩余 10 个工作日" in page
    assert "撤回申请" in page


def test_bad_input_on_the_form_names_the_field_and_writes_nothing(world):  # noqa: F811
    before = ShareRequest.objects.count(), AuditEvent.objects.count()
    r = as_user(world.req_admin).post(
        "/exchange/workbench/requests/new/FR-001/",
        {
            "client_id": world.client_id,
            "purpose": "x",
            "legal_basis": "y",
            "serves": "A",
            "valid_until": "2027-01-01",
        },
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert '<p class="wb-error" id="fields-error">请至少选择一个信息项</p>' in html
    assert '<p class="wb-error" id="purpose_codes-error">请至少选择一个用途</p>' in html
    assert '<p class="wb-error" id="expected_daily_calls-error">预计日调用量须为正整数</p>' in html
    assert (ShareRequest.objects.count(), AuditEvent.objects.count()) == before


def test_the_form_refuses_a_not_shared_resource(world):  # noqa: F811
    client = as_user(world.req_admin)
    r = client.get("/exchange/workbench/requests/new/FR-009/")
    assert r.status_code == 200
    assert "该信息资源为不予共享类，不能申请。" in r.content.decode()
    r = client.post("/exchange/workbench/requests/new/FR-009/", {"fields": ["name"]})
    assert r.status_code == 409
    assert not ShareRequest.objects.exists()


def test_forms_refuse_a_post_without_csrf(world, pending):  # noqa: F811
    r = as_user(world.prov_admin, csrf=True).post(
        f"/exchange/workbench/requests/{pending.pk}/refuse/", {"refuse_reason": "不符"}
    )
    assert r.status_code == 403
    pending.refresh_from_db()
    assert pending.state == RequestState.PENDING


def test_the_provider_sees_the_deadline_and_decides(world, pending, day):  # noqa: F811
    client = as_user(world.prov_admin)
    home = client.get("/exchange/workbench/requests/").content.decode()
    assert pending.number in home and "剩余 10 个工作日" in home
    day("2026-10-21")
    home = client.get("/exchange/workbench/requests/").content.decode()
    assert '<span class="wb-tag">已逾期 2 个工作日</span>' in home
    page = client.get(f"/exchange/workbench/requests/{pending.pk}/").content.decode()
    assert csrf_forms(page) == (4, 4)  # with the header's language and sign-out forms
    r = client.post(
        f"/exchange/workbench/requests/{pending.pk}/approve/",
        {"fields": ["name"], "purpose_codes": ["licensing"], "rate_limit": "nonsense"},
    )
    assert r.status_code == 400
    assert "调用频率上限须写作" in r.content.decode()
    assert not Grant.objects.exists()
    r = client.post(
        f"/exchange/workbench/requests/{pending.pk}/approve/",
        {
            "fields": ["name"],
            "purpose_codes": ["licensing"],
            "rate_limit": "60/m",
            "expires_on": "2027-03-31",
        },
    )
    grant = Grant.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/exchange/workbench/grants/{grant.pk}/"
    assert (grant.fields, grant.rate_limit, str(grant.expires_on)) == (["name"], "60/m", "2027-03-31")


def test_refusing_on_the_page_needs_a_reason(world, pending):  # noqa: F811
    client = as_user(world.prov_admin)
    r = client.post(f"/exchange/workbench/requests/{pending.pk}/refuse/", {"refuse_reason": ""})
    assert r.status_code == 400
    assert '<p class="wb-error" id="refuse_reason-error">请填写拒绝理由</p>' in r.content.decode()
    r = client.post(f"/exchange/workbench/requests/{pending.pk}/refuse/", {"refuse_reason": "不符合共享条件"})
    assert r.status_code == 302
    pending.refresh_from_db()
    assert (pending.state, pending.decision_reason) == (RequestState.REFUSED, "不符合共享条件")


def test_pages_outside_ones_reach_are_404_and_audited(world, pending):  # noqa: F811
    outsider = as_user(world.outsider)
    assert outsider.get(f"/exchange/workbench/requests/{pending.pk}/").status_code == 404
    assert (
        outsider.post(
            f"/exchange/workbench/requests/{pending.pk}/approve/", {"rate_limit": "1/s"}
        ).status_code
        == 404
    )
    assert outsider.post(f"/exchange/workbench/requests/{pending.pk}/withdraw/").status_code == 404
    assert outsider.get("/exchange/workbench/escalated/").status_code == 404
    assert as_user(world.req_clerk).get("/exchange/workbench/requests/new/FR-001/").status_code == 404
    # The requester sees it but may not decide it.
    assert as_user(world.req_clerk).get(f"/exchange/workbench/requests/{pending.pk}/").status_code == 200
    assert (
        as_user(world.req_admin)
        .post(f"/exchange/workbench/requests/{pending.pk}/approve/", {"rate_limit": "1/s"})
        .status_code
        == 404
    )
    pending.refresh_from_db()
    assert pending.state == RequestState.PENDING
    assert AuditEvent.objects.filter(action="exchange.request.access_refused").count() == 5
    assert AuditEvent.objects.filter(
        action="exchange.request.access_refused", object_type="exchange.resource", object_id="FR-001"
    ).exists()
    anonymous = Client().get(f"/exchange/workbench/requests/{pending.pk}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_the_platform_admin_sees_escalated_requests(world, pending):  # noqa: F811
    grants.tick(on=pending.due_on.replace(day=pending.due_on.day + 1))
    html = as_user(world.platform).get("/exchange/workbench/escalated/").content.decode()
    assert pending.number in html
    assert '逾期上报 <span class="wb-tag">1</span>' in html
    page = as_user(world.prov_admin).get(f"/exchange/workbench/requests/{pending.pk}/").content.decode()
    assert "逾期上报平台管理员" in page
    assert "逾期不视为同意" in html


def test_grant_pages_suspend_resume_revoke_and_renew(world, pending):  # noqa: F811
    grant = grants.do_approve_request(actor=world.prov_admin, pk=pending.pk, rate_limit="10/s")
    provider = as_user(world.prov_admin)
    listing = provider.get("/exchange/workbench/grants/?side=given").content.decode()
    assert f"/exchange/workbench/grants/{grant.pk}/" in listing
    page = provider.get(f"/exchange/workbench/grants/{grant.pk}/").content.decode()
    assert csrf_forms(page) == (4, 4)  # with the header's language and sign-out forms
    r = provider.post(f"/exchange/workbench/grants/{grant.pk}/suspend/", {"reason": ""})
    assert r.status_code == 400 and "请填写暂停原因" in r.content.decode()
    assert (
        provider.post(f"/exchange/workbench/grants/{grant.pk}/suspend/", {"reason": "核查"}).status_code
        == 302
    )
    grant.refresh_from_db()
    assert grant.state == GrantState.SUSPENDED
    assert provider.post(f"/exchange/workbench/grants/{grant.pk}/resume/").status_code == 302
    assert provider.post(f"/exchange/workbench/grants/{grant.pk}/explode/").status_code == 404
    # The holder sees it and may renew, but not suspend.
    holder = as_user(world.req_admin)
    page = holder.get(f"/exchange/workbench/grants/{grant.pk}/").content.decode()
    assert f"/exchange/workbench/requests/new/FR-001/?renew={grant.pk}" in page
    assert "暂停授权" not in page
    assert holder.post(f"/exchange/workbench/grants/{grant.pk}/suspend/", {"reason": "x"}).status_code == 404
    form = holder.get(f"/exchange/workbench/requests/new/FR-001/?renew={grant.pk}").content.decode()
    assert "食品经营许可审查核验申请人登记信息" in form
    assert 'value="name" id="field-name" checked' in form
    assert as_user(world.outsider).get(f"/exchange/workbench/grants/{grant.pk}/").status_code == 404
    assert (
        provider.post(f"/exchange/workbench/grants/{grant.pk}/revoke/", {"reason": "超范围使用"}).status_code
        == 302
    )
    grant.refresh_from_db()
    assert grant.state == GrantState.REVOKED
    page = provider.get(f"/exchange/workbench/grants/{grant.pk}/").content.decode()
    history = page[page.index('<ol class="wb-history">') :]
    assert [label for label in ("授权生效", "暂停", "恢复", "撤销") if label in history] == [
        "授权生效",
        "暂停",
        "恢复",
        "撤销",
    ]
    assert "超范围使用" in history
    assert "撤销授权" not in provider.get(f"/exchange/workbench/grants/{grant.pk}/").content.decode()


def test_the_pages_speak_english_when_chosen(world, pending):  # noqa: F811
    client = as_user(world.prov_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/exchange/workbench/requests/").content.decode()
    assert '<html lang="en"' in html
    assert "Requests awaiting our decision" in html
    assert "10 working days left" in html
    html = client.get(f"/exchange/workbench/requests/{pending.pk}/").content.decode()
    assert "Approve and grant" in html and "Reason for refusal (required)" in html


def test_list_pages_read_a_bounded_number_of_queries(world, django_assert_max_num_queries):  # noqa: F811
    from ..testing import make_grant, make_resource, make_system

    for n in range(6):
        resource = make_resource(world.provider, code=f"FR-1{n:02d}", name=f"资源{n}")
        grants.do_submit_request(actor=world.req_admin, data=data(world, code=resource.code, fields=["name"]))
        make_grant(resource, world.requester, make_system(world.requester, name=f"系统{n}"))
    provider, requester = as_user(world.prov_admin), as_user(world.req_admin)
    provider.get("/exchange/workbench/requests/")  # the calendar snapshot, the session
    with django_assert_max_num_queries(14):
        r = provider.get("/exchange/workbench/requests/")
    assert r.content.decode().count("剩余 10 个工作日") == 6
    with django_assert_max_num_queries(14):
        r = requester.get("/exchange/workbench/requests/")
    assert r.content.decode().count("GXSQ2026092900") == 6
    with django_assert_max_num_queries(14):
        r = provider.get("/exchange/workbench/grants/?side=given")
    assert r.content.decode().count("/exchange/workbench/grants/") >= 6
