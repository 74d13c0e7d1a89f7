"""Requests and grants: every transition and refusal, deadlines on the platform calendar,
escalation (never approval), automatic approval, reach (404, audited), the tick."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tongban.accounts import services as account_services
from tongban.catalog.testing import make_department
from tongban.core import services as core_services
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import grants
from ..enums import GrantState, RequestState, ShareType
from ..models import Grant, ShareRequest
from ..testing import SYSTEM, make_resource, make_system

D = dt.date.fromisoformat
FIELDS = [
    {"key": "name", "name": "名称", "type": "C", "length": 200, "sensitivity": "public"},
    {"key": "legal_rep_name", "name": "法定代表人", "type": "C", "length": 60, "sensitivity": "personal"},
    {"key": "status", "name": "登记状态", "type": "C", "length": 20, "sensitivity": "internal"},
]


def staff(username: str, *roles: str, department=None):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=department.pk if department else None,
    )


@pytest.fixture
def day(monkeypatch):
    def set_day(value: str) -> dt.date:
        d = D(value)
        monkeypatch.setattr(grants, "today", lambda: d)
        return d

    set_day("2026-09-29")
    return set_day


@pytest.fixture
def world(regions_loaded, db, day):
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    provider = make_department(name="江夏区市场监督管理局")
    requester = make_department(name="江汉区市场监督管理局")
    other = make_department(name="武昌区民政局")

    class W:
        pass

    w = W()
    w.provider, w.requester, w.other = provider, requester, other
    w.conditional = make_resource(provider, code="FR-001", name="法人基本信息", fields=FIELDS)
    w.open = make_resource(
        provider, code="FR-002", name="企业状态核验", fields=FIELDS[:1], share_type=ShareType.UNCONDITIONAL
    )
    w.closed = make_resource(
        provider, code="FR-009", name="内部档案", share_type=ShareType.NONE, share_basis="保密规定"
    )
    w.client_id = make_system(requester)
    w.req_admin = staff("jh_admin", "department_admin", department=requester)
    w.req_steward = staff("jh_steward", "data_steward", department=requester)
    w.req_clerk = staff("jh_clerk", "window_clerk", department=requester)
    w.prov_admin = staff("jx_admin", "department_admin", department=provider)
    w.prov_clerk = staff("jx_clerk", "approving_officer", department=provider)
    w.outsider = staff("wc_admin", "department_admin", department=other)
    w.platform = staff("platform", "platform_admin")
    return w


def data(w, **kw) -> grants.RequestInput:
    values = {
        "code": "FR-001",
        "client_id": w.client_id,
        "fields": ["name", "status"],
        "purpose": "食品经营许可审查核验申请人登记信息",
        "purpose_codes": ["licensing"],
        "legal_basis": "《食品经营许可和备案管理办法》第十五条",
        "serves": ["11420100MB0000000X4000111222000"],
        "valid_until": "2027-09-30",
        "expected_daily_calls": 200,
    }
    values.update(kw)
    return grants.RequestInput(**values)


def counts() -> tuple[int, int, int]:
    return ShareRequest.objects.count(), Grant.objects.count(), AuditEvent.objects.count()


def actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- Submitting ---------------------------------------------------------------------------------


def test_a_conditional_request_waits_ten_working_days_across_national_day(world):
    req = grants.do_submit_request(actor=world.req_steward, data=data(world))
    req.refresh_from_db()
    assert req.state == RequestState.PENDING
    assert req.number == "GXSQ2026092900001"
    # 09-30, 10-08, 10-09, 10-10 (adjusted Saturday), 10-12 .. 10-16, 10-19
    assert req.due_on == D("2026-10-19")
    assert req.fields == ["name", "status"]
    assert req.resource_id == world.conditional.pk
    assert req.requester_id == world.requester.pk
    assert req.submitted_by == f"user:{world.req_steward.pk}"
    assert not Grant.objects.exists()
    assert actions(req) == ["exchange.request.submit"]
    assert grants.working_days_left(req) == 10


def test_the_deadline_skips_a_weekend(world, day):
    day("2026-11-05")  # a Thursday
    req = grants.do_submit_request(actor=world.req_admin, data=data(world))
    assert req.due_on == D("2026-11-19")
    assert req.number == "GXSQ2026110500001"


def test_the_deadline_is_a_setting(world, settings):
    settings.EXCHANGE_DECISION_WORKING_DAYS = 2
    req = grants.do_submit_request(actor=world.req_admin, data=data(world))
    assert req.due_on == D("2026-10-08")


def test_an_unconditional_resource_is_approved_automatically_and_logged(world):
    req = grants.do_submit_request(actor=world.req_admin, data=data(world, code="FR-002", fields=["name"]))
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    assert req.decided_by == "system:auto"
    assert req.decision_reason == "无条件共享，自动同意"
    grant = Grant.objects.get(request=req)
    assert grant.automatic is True
    assert grant.granted_by == "system:auto"
    assert (grant.code, grant.fields, grant.purpose_codes) == ("FR-002", ["name"], ["licensing"])
    assert grant.client_id == world.client_id
    assert grant.department_id == world.requester.pk
    assert grant.expires_on == D("2027-09-30")
    assert grant.rate_limit == "1000/d"
    assert grant.resource_id == world.open.pk
    assert actions(req) == ["exchange.request.submit", "exchange.request.approve"]
    assert actions(grant) == ["exchange.grant.create"]
    approve = AuditEvent.objects.get(action="exchange.request.approve")
    assert approve.actor == "system:auto"
    assert approve.data["automatic"] is True


def test_a_not_shared_resource_cannot_be_requested(world):
    before = counts()
    with pytest.raises(grants.NotShareable) as e:
        grants.do_submit_request(actor=world.req_admin, data=data(world, code="FR-009", fields=["name"]))
    assert e.value.code == "not_shareable"
    assert e.value.status == 409
    assert "保密规定" in e.value.message
    assert counts() == before


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"fields": []}, "fields", "请至少选择一个信息项"),
        ({"fields": ["name", "id_number"]}, "fields", "信息项 id_number 不在可选范围内"),
        ({"fields": "name"}, None, None),  # a string is split: fine
        ({"purpose": "  "}, "purpose", "请填写用途说明"),
        ({"purpose": "x" * 2001}, "purpose", "用途说明不能超过2000字"),
        ({"purpose_codes": []}, "purpose_codes", "请至少选择一个用途"),
        ({"purpose_codes": ["marketing"]}, "purpose_codes", "用途代码 marketing 不在可选范围内"),
        ({"legal_basis": ""}, "legal_basis", "请填写申请依据"),
        ({"serves": []}, "serves", "请填写所服务的事项编码或办件编号"),
        ({"serves": ["x" * 61]}, "serves", "xxxxxxxxxxxxxxxxxxxx… 超过60字"),
        ({"valid_until": "2026-09-29"}, "valid_until", "使用期限须晚于今天"),
        ({"valid_until": "2030-01-01"}, "valid_until", "使用期限不能超过1098天"),
        ({"valid_until": "tomorrow"}, "valid_until", "使用期限须为日期，如 2027-12-31"),
        ({"valid_until": None}, "valid_until", "请填写使用期限"),
        ({"expected_daily_calls": "0"}, "expected_daily_calls", "预计日调用量须在1到100000000之间"),
        ({"expected_daily_calls": "many"}, "expected_daily_calls", "预计日调用量须为正整数"),
        ({"expected_daily_calls": 1.5}, "expected_daily_calls", "预计日调用量须为正整数"),
        ({"client_id": ""}, "client_id", "请选择调用系统"),
        ({"client_id": "no-such-client"}, "client_id", "调用系统须为本部门已登记的接入系统"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, change, field, message):
    before = counts()
    if field is None:
        grants.do_submit_request(actor=world.req_admin, data=data(world, **change))
        return
    with pytest.raises(InvalidInput) as e:
        grants.do_submit_request(actor=world.req_admin, data=data(world, **change))
    assert [(p.field, p.message) for p in e.value.problems] == [(field, message)]
    assert counts() == before


def test_every_bad_field_is_named_at_once(world):
    with pytest.raises(InvalidInput) as e:
        grants.do_submit_request(
            actor=world.req_admin, data=data(world, fields=[], purpose="", expected_daily_calls=None)
        )
    assert [p.field for p in e.value.problems] == ["fields", "purpose", "expected_daily_calls"]


def test_the_calling_system_must_be_the_requesters_client_credentials_client(world):
    from tongban.accounts import clients

    foreign = make_system(world.other)
    interactive = clients.do_register_client(
        actor=SYSTEM,
        name="江汉网上办事",
        department_id=world.requester.pk,
        redirect_uris=["https://jh.example.gov.cn/cb"],
    ).client.client_id
    before = counts()
    for client_id, message in [
        (foreign, "调用系统须为本部门已登记的接入系统"),
        (interactive, "调用系统须使用客户端凭证（client_credentials）方式接入"),
    ]:
        with pytest.raises(InvalidInput) as e:
            grants.do_submit_request(actor=world.req_admin, data=data(world, client_id=client_id))
        assert [(p.field, p.message) for p in e.value.problems] == [("client_id", message)]
    assert counts() == before


def test_a_second_open_request_for_the_same_system_and_resource_is_refused(world):
    grants.do_submit_request(actor=world.req_admin, data=data(world))
    before = counts()
    with pytest.raises(InvalidInput) as e:
        grants.do_submit_request(actor=world.req_steward, data=data(world))
    assert e.value.problems[0].message == "该调用系统对此信息资源已有待审核的申请"
    assert counts() == before


def test_only_department_admins_and_stewards_request(world):
    before = counts()
    for actor in (world.req_clerk, world.platform):
        with pytest.raises(NotFound):
            grants.do_submit_request(actor=actor, data=data(world))
    assert counts()[:2] == before[:2]
    denied = AuditEvent.objects.filter(action="exchange.request.access_refused").order_by("seq")
    assert list(denied.values_list("actor", "object_type", "object_id")) == [
        (f"user:{world.req_clerk.pk}", "exchange.resource", "FR-001"),
        (f"user:{world.platform.pk}", "exchange.resource", "FR-001"),
    ]


def test_an_unknown_or_draft_resource_is_not_found(world):
    before = counts()
    with pytest.raises(NotFound):
        grants.do_submit_request(actor=world.req_admin, data=data(world, code="FR-404"))
    assert counts() == before


# --- Deciding ------------------------------------------------------------------------------------


@pytest.fixture
def pending(world):
    return grants.do_submit_request(
        actor=world.req_admin, data=data(world, fields=["name", "legal_rep_name", "status"])
    )


def test_the_provider_approves_narrowing_fields_and_setting_rate_and_expiry(world, pending, day):
    day("2026-10-09")
    grant = grants.do_approve_request(
        actor=world.prov_admin,
        pk=pending.pk,
        fields=["status", "name"],
        rate_limit="100/m",
        expires_on="2027-06-30",
        reason="同意，限核验用途",
    )
    pending.refresh_from_db()
    assert pending.state == RequestState.APPROVED
    assert pending.decided_by == f"user:{world.prov_admin.pk}"
    assert pending.decision_reason == "同意，限核验用途"
    assert grant.fields == ["name", "status"]
    assert grant.rate_limit == "100/m"
    assert grant.expires_on == D("2027-06-30")
    assert grant.state == GrantState.ACTIVE
    assert grant.automatic is False
    assert grant.purpose_codes == ["licensing"]
    assert grant.resource_id == world.conditional.pk
    assert actions(pending) == ["exchange.request.submit", "exchange.request.approve"]
    assert actions(grant) == ["exchange.grant.create"]


def test_the_grant_refers_to_the_version_current_when_it_is_given(world, pending):
    from ..models import Resource

    Resource.objects.filter(pk=world.conditional.pk).update(is_current=False, state="retired")
    v2 = make_resource(world.provider, code="FR-001", name="法人基本信息", fields=FIELDS[:2], version=2)
    grant = grants.do_approve_request(actor=world.prov_admin, pk=pending.pk, rate_limit="10/s")
    assert grant.resource_id == v2.pk
    assert grant.fields == ["name", "legal_rep_name"]  # status is no longer an item
    assert pending.resource_id == world.conditional.pk


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"fields": []}, "fields", "请至少选择一个信息项"),
        ({"fields": ["name", "phone"]}, "fields", "信息项 phone 不在可选范围内"),
        ({"purpose_codes": ["enforcement"]}, "purpose_codes", "用途代码 enforcement 不在可选范围内"),
        ({"rate_limit": ""}, "rate_limit", "调用频率上限须写作 次数/时间窗，如 100/m、5000/1h、20000/d"),
        ({"rate_limit": "0/m"}, "rate_limit", "调用频率上限至少为1次"),
        ({"expires_on": "2027-10-01"}, "expires_on", "有效期不能晚于申请的使用期限 2027-09-30"),
        ({"expires_on": "2026-09-29"}, "expires_on", "有效期须晚于今天"),
    ],
)
def test_bad_approvals_name_the_field_and_change_nothing(world, pending, change, field, message):
    values = {"rate_limit": "100/m", **change}
    before = counts()
    with pytest.raises(InvalidInput) as e:
        grants.do_approve_request(actor=world.prov_admin, pk=pending.pk, **values)
    assert [(p.field, p.message) for p in e.value.problems] == [(field, message)]
    assert counts() == before
    pending.refresh_from_db()
    assert pending.state == RequestState.PENDING


def test_refusal_needs_a_reason(world, pending):
    before = counts()
    with pytest.raises(InvalidInput) as e:
        grants.do_refuse_request(actor=world.prov_admin, pk=pending.pk, reason=" ")
    assert e.value.problems[0].field == "reason"
    assert counts() == before
    req = grants.do_refuse_request(actor=world.prov_admin, pk=pending.pk, reason="用途与所申请信息项不符")
    req.refresh_from_db()
    assert req.state == RequestState.REFUSED
    assert req.decision_reason == "用途与所申请信息项不符"
    assert not Grant.objects.exists()
    assert actions(req) == ["exchange.request.submit", "exchange.request.refuse"]


def test_a_decided_request_is_not_decided_again(world, pending):
    grants.do_refuse_request(actor=world.prov_admin, pk=pending.pk, reason="不符")
    before = counts()
    with pytest.raises(Conflict):
        grants.do_approve_request(actor=world.prov_admin, pk=pending.pk, rate_limit="1/s")
    with pytest.raises(Conflict):
        grants.do_withdraw_request(actor=world.req_admin, pk=pending.pk)
    assert counts() == before


def test_the_requester_withdraws_while_pending(world, pending):
    req = grants.do_withdraw_request(actor=world.req_steward, pk=pending.pk)
    req.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN
    before = counts()
    with pytest.raises(Conflict):
        grants.do_approve_request(actor=world.prov_admin, pk=pending.pk, rate_limit="1/s")
    assert counts() == before


def test_who_may_decide_and_withdraw(world, pending):
    """Provider's clerk, the requester, an outsider and a platform admin cannot decide; only the
    requester withdraws. Outside one's reach it is 404, and the attempt is audited."""
    before_rows = ShareRequest.objects.count(), Grant.objects.count()
    for actor in (world.prov_clerk, world.req_admin, world.outsider, world.platform):
        with pytest.raises(NotFound):
            grants.do_approve_request(actor=actor, pk=pending.pk, rate_limit="1/s")
        with pytest.raises(NotFound):
            grants.do_refuse_request(actor=actor, pk=pending.pk, reason="x")
    for actor in (world.prov_admin, world.req_clerk, world.outsider, world.platform):
        with pytest.raises(NotFound):
            grants.do_withdraw_request(actor=actor, pk=pending.pk)
    assert (ShareRequest.objects.count(), Grant.objects.count()) == before_rows
    pending.refresh_from_db()
    assert pending.state == RequestState.PENDING
    denied = AuditEvent.objects.filter(action="exchange.request.access_refused", object_id=str(pending.pk))
    assert denied.count() == 12
    assert set(denied.values_list("actor", flat=True)) == {
        f"user:{u.pk}"
        for u in (
            world.prov_clerk,
            world.req_admin,
            world.outsider,
            world.platform,
            world.prov_admin,
            world.req_clerk,
        )
    }


def test_reach_of_reads(world, pending):
    assert grants.access_request(world.req_clerk, pending.pk) == pending
    assert grants.access_request(world.prov_clerk, pending.pk) == pending
    assert grants.access_request(world.platform, pending.pk) == pending
    with pytest.raises(NotFound):
        grants.access_request(world.outsider, pending.pk)
    with pytest.raises(NotFound):
        grants.access_request(world.outsider, 999999)
    assert list(grants.outgoing_requests(world.req_clerk)) == [pending]
    assert list(grants.incoming_requests(world.prov_clerk, open_only=True)) == [pending]
    assert list(grants.incoming_requests(world.req_admin)) == []
    assert list(grants.outgoing_requests(world.outsider)) == []


# --- Silence past the deadline ------------------------------------------------------------------


def test_silence_escalates_to_the_platform_and_never_approves(world, pending, day):
    assert grants.tick(on=D("2026-10-19")).escalated == []  # the last day to answer
    report = grants.tick(on=D("2026-10-20"))
    assert report.escalated == [pending.number]
    pending.refresh_from_db()
    assert pending.state == RequestState.ESCALATED
    assert pending.escalated_at is not None
    assert pending.decided_at is None
    assert not Grant.objects.exists()
    event = AuditEvent.objects.get(action="exchange.request.escalate")
    assert event.actor == "system:exchange-tick"
    assert event.data["to"] == "platform_admin"
    assert event.data["due_on"] == "2026-10-19"
    # Again, and a year later: still escalated, still no grant.
    assert grants.tick(on=D("2026-10-21")).escalated == []
    grants.tick(on=D("2027-10-20"))
    pending.refresh_from_db()
    assert pending.state == RequestState.ESCALATED
    assert not Grant.objects.exists()
    day("2026-10-21")
    assert list(grants.escalated_requests(world.platform)) == [pending]
    assert list(grants.escalated_requests(world.prov_admin)) == []
    assert grants.working_days_left(pending) == -2
    # The provider may still decide.
    grants.do_approve_request(actor=world.prov_admin, pk=pending.pk, rate_limit="5/s")
    pending.refresh_from_db()
    assert pending.state == RequestState.APPROVED


def test_the_tick_command(world, pending, capsys):
    call_command("exchange", "tick", "--date", "2026-10-20")
    out = capsys.readouterr().out
    assert out.splitlines() == ["escalated=1 expired=0 failed=0", f"escalated {pending.number}"]


def test_the_tick_command_refuses_a_bad_date(world, pending):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as e:
        call_command("exchange", "tick", "--date", "2026-13-01")
    assert str(e.value) == "--date: '2026-13-01' 不是 YYYY-MM-DD 格式的日期"
    pending.refresh_from_db()
    assert pending.state == RequestState.PENDING


# --- Grants --------------------------------------------------------------------------------------


@pytest.fixture
def grant(world, pending):
    return grants.do_approve_request(
        actor=world.prov_admin, pk=pending.pk, rate_limit="100/m", expires_on="2027-01-31"
    )


def test_suspend_resume_revoke(world, grant):
    g = grants.do_suspend_grant(actor=world.prov_admin, pk=grant.pk, reason="调用异常，核查中")
    assert (g.state, g.change_reason) == (GrantState.SUSPENDED, "调用异常，核查中")
    assert grants.live_grant(world.client_id, "FR-001") == g
    g = grants.do_resume_grant(actor=world.prov_admin, pk=grant.pk)
    assert g.state == GrantState.ACTIVE
    g = grants.do_revoke_grant(actor=world.platform, pk=grant.pk, reason="超范围使用")
    assert g.state == GrantState.REVOKED
    assert g.changed_by == f"user:{world.platform.pk}"
    assert grants.live_grant(world.client_id, "FR-001") is None
    assert actions(grant) == [
        "exchange.grant.create",
        "exchange.grant.suspend",
        "exchange.grant.resume",
        "exchange.grant.revoke",
    ]
    before = counts()
    for call in (
        lambda: grants.do_resume_grant(actor=world.prov_admin, pk=grant.pk),
        lambda: grants.do_suspend_grant(actor=world.prov_admin, pk=grant.pk, reason="x"),
        lambda: grants.do_revoke_grant(actor=world.prov_admin, pk=grant.pk, reason="x"),
    ):
        with pytest.raises(Conflict):
            call()
    assert counts() == before


def test_suspend_and_revoke_need_a_reason_and_the_right_person(world, grant):
    before = counts()
    with pytest.raises(InvalidInput) as e:
        grants.do_suspend_grant(actor=world.prov_admin, pk=grant.pk, reason="")
    assert [(p.field, p.message) for p in e.value.problems] == [("reason", "请填写暂停原因")]
    with pytest.raises(InvalidInput):
        grants.do_revoke_grant(actor=world.prov_admin, pk=grant.pk, reason="")
    with pytest.raises(Conflict):
        grants.do_resume_grant(actor=world.prov_admin, pk=grant.pk)
    assert counts() == before
    for actor in (world.req_admin, world.prov_clerk, world.outsider):
        with pytest.raises(NotFound):
            grants.do_suspend_grant(actor=actor, pk=grant.pk, reason="x")
    grant.refresh_from_db()
    assert grant.state == GrantState.ACTIVE
    assert AuditEvent.objects.filter(action="exchange.grant.access_refused").count() == 3


def test_grants_expire_after_their_date(world, grant):
    assert grants.tick(on=D("2027-01-31")).expired == []
    report = grants.tick(on=D("2027-02-01"))
    assert report.expired == [grant.pk]
    grant.refresh_from_db()
    assert grant.state == GrantState.EXPIRED
    assert grant.change_reason == "有效期至 2027-01-31 已届满"
    assert grants.tick(on=D("2027-02-02")).expired == []


def test_an_expired_suspended_grant_is_not_resumed(world, grant, day):
    grants.do_suspend_grant(actor=world.prov_admin, pk=grant.pk, reason="核查")
    day("2027-02-01")
    with pytest.raises(Conflict):
        grants.do_resume_grant(actor=world.prov_admin, pk=grant.pk)


def test_renewal_is_a_new_request_that_supersedes_the_grant(world, grant, day):
    initial = grants.renewal_initial(world.req_admin, grant.pk)
    assert initial == {
        "code": "FR-001",
        "client_id": world.client_id,
        "fields": ["name", "legal_rep_name", "status"],
        "purpose": "食品经营许可审查核验申请人登记信息",
        "purpose_codes": ["licensing"],
        "legal_basis": "《食品经营许可和备案管理办法》第十五条",
        "serves": ["11420100MB0000000X4000111222000"],
        "expected_daily_calls": 200,
    }
    with pytest.raises(NotFound):
        grants.renewal_initial(world.prov_admin, grant.pk)
    day("2027-01-04")
    renewal = grants.do_submit_request(
        actor=world.req_admin, data=grants.RequestInput(**initial, valid_until="2028-01-31")
    )
    assert renewal.state == RequestState.PENDING
    new = grants.do_approve_request(actor=world.prov_admin, pk=renewal.pk, rate_limit="100/m")
    grant.refresh_from_db()
    assert grant.state == GrantState.EXPIRED
    assert grant.change_reason == f"由申请 {renewal.number} 的授权接续"
    assert grants.live_grant(world.client_id, "FR-001") == new
    assert new.expires_on == D("2028-01-31")


def test_every_grant_change_is_signalled_after_commit(world, pending, django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, grant_id, **kw):
        seen.append(grant_id)

    grants.grant_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            g = grants.do_approve_request(actor=world.prov_admin, pk=pending.pk, rate_limit="1/s")
        with django_capture_on_commit_callbacks(execute=True):
            grants.do_suspend_grant(actor=world.prov_admin, pk=g.pk, reason="核查")
        with django_capture_on_commit_callbacks(execute=True):
            grants.do_revoke_grant(actor=world.prov_admin, pk=g.pk, reason="撤销")
    finally:
        grants.grant_changed.disconnect(receiver)
    assert seen == [g.pk, g.pk, g.pk]
