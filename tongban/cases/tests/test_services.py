"""The case lifecycle through the services: exact states, dates, events; refusals change nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tongban.accounts import services as account_services
from tongban.accounts.gateways import email_outbox, outbox
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import handling, queries, services
from ..enums import CaseState, Channel, Decision, Delivery, PauseKind, ResultCode, StepState
from ..models import Case, CaseEvent, Notification
from .conftest import FORM, PNG, counts, submit, upload

D = dt.date.fromisoformat
pytestmark = pytest.mark.usefixtures("regions_loaded")


def events(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


def run_steps(world, case, outcome="pass"):
    chain = [world["officer"], world["officer2"], world["head"]]
    for index, actor in enumerate(chain):
        last = index == len(chain) - 1
        case = services.do_complete_step(
            actor=actor,
            number=case.number,
            step_index=index,
            outcome=outcome if last else "pass",
            comment="同意办理",
        )
    return case


def test_an_online_application_from_submission_to_delivery(world, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(world)
    assert re.fullmatch(r"42010020260929" + Channel.PC + r"\d{6}", case.number)
    assert (case.state, case.received_on, case.item_id, case.applicant_id) == (
        CaseState.SUBMITTED,
        D("2026-09-29"),
        world["item"].pk,
        world["citizen"].pk,
    )
    assert case.materials.count() == 2 and services.form_data(case) == {**FORM, "address": ""}
    case = services.do_accept(actor=world["officer"], number=case.number)
    assert (case.state, case.accepted_on, case.promised_due, case.statutory_due) == (
        CaseState.ACCEPTED,
        D("2026-09-29"),
        D("2026-10-12"),
        D("2026-11-02"),
    )
    steps = list(case.steps.order_by("index").values_list("name", "state", "limit_days", "due_on"))
    assert steps == [
        ("承办", StepState.ACTIVE, 2, D("2026-10-08")),
        ("审核", StepState.WAITING, 1, None),
        ("批准", StepState.WAITING, 2, None),
    ]
    day("2026-10-09")
    case = run_steps(world, case)
    assert (case.state, case.decision) == (CaseState.DECIDED, Decision.GRANT)
    case = services.do_conclude(actor=world["officer"], number=case.number)
    assert (case.state, case.result_code, case.concluded_on_time) == (
        CaseState.CONCLUDED,
        ResultCode.ISSUED,
        True,
    )
    case = services.do_deliver(actor=world["officer"], number=case.number)
    assert (
        case.state == CaseState.DELIVERED and case.delivery == Delivery.WINDOW and len(case.pickup_code) == 6
    )
    assert events(case) == ["submit", "accept", "step", "step", "step", "decide", "conclude", "deliver"]
    actions = set(
        AuditEvent.objects.filter(object_id=str(case.pk), object_type="cases.case").values_list(
            "action", flat=True
        )
    )
    assert {"cases.submit", "cases.accept", "cases.decide", "cases.conclude", "cases.deliver"} <= actions
    assert Notification.objects.filter(user=world["citizen"], case=case).count() == 5
    assert outbox("13900000001") == [
        f"【通办】您的办件{case.number}（{case.item_name}）：已收到您的申请，正在预审"
    ]


def test_the_applicant_hears_by_sms_and_at_a_confirmed_e_mail_address(
    world, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_GATEWAY = "tongban.accounts.gateways.OutboxEmailGateway"
    citizen, address = world["citizen"], "zhangsan@example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(world)  # no address yet: SMS only
    assert email_outbox(address) == []
    with django_capture_on_commit_callbacks(execute=True):
        account_services.do_send_email_code(actor=citizen, email=address)
    code = re.search(r"验证码是(\d+)", email_outbox(address)[-1]).group(1)
    account_services.do_confirm_email(actor=citizen, code=code)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_accept(actor=world["officer"], number=case.number)
    accepted = f"【通办】您的办件{case.number}（{case.item_name}）：已受理，承诺2026-10-12前办结"
    assert email_outbox(address)[1:] == [f"【通办】办件{case.number}进展\n\n{accepted}"]
    assert outbox("13900000001")[-1] == accepted


def test_a_supplement_pause_moves_the_deadline_by_the_paused_working_days(world, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    day("2026-10-08")
    case = services.do_pause(
        actor=world["officer"],
        number=case.number,
        kind=PauseKind.SUPPLEMENT,
        reason="材料不清晰",
        items=["营业执照复印件不清晰"],
    )
    assert case.state == CaseState.PAUSED
    day("2026-10-12")
    case = services.do_supply(
        actor=world["citizen"], number=case.number, uploads=[upload(world["materials"][1])]
    )
    pause = case.pauses.get()
    assert (pause.started_on, pause.ended_on, pause.working_days) == (D("2026-10-08"), D("2026-10-12"), 3)
    assert (case.state, case.paused_days, case.promised_due) == (CaseState.ACCEPTED, 3, D("2026-10-15"))
    assert case.steps.get(index=0).due_on == D("2026-10-12")  # was 10-08; + 3 working days
    assert queries.clock_lines(case)[0] == "受理日 2026-09-29 起算 5个工作日 + 暂停计时3个工作日 = 2026-10-15"


def test_a_special_procedure_pauses_until_the_officer_resumes(world, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    day("2026-09-30")
    services.do_pause(
        actor=world["officer"],
        number=case.number,
        kind=PauseKind.SPECIAL,
        reason="需要现场勘查",
        procedure="survey",
    )
    with pytest.raises(Conflict):
        services.do_supply(
            actor=world["citizen"], number=case.number, uploads=[upload(world["materials"][0])]
        )
    day("2026-10-09")
    case = services.do_resume(actor=world["officer"], number=case.number)
    assert (case.paused_days, case.promised_due) == (2, D("2026-10-14"))


def test_an_extension_needs_a_named_department_head_and_at_most_ten_days(world):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_extend(
            actor=world["officer"],
            number=case.number,
            days=3,
            approver_id=world["officer2"].pk,
            reason="情况复杂",
        )
    assert exc.value.problems[0].field == "approver"
    with pytest.raises(InvalidInput):
        services.do_extend(
            actor=world["officer"],
            number=case.number,
            days=11,
            approver_id=world["head"].pk,
            reason="情况复杂",
        )
    assert counts() == before
    case = services.do_extend(
        actor=world["officer"], number=case.number, days=4, approver_id=world["head"].pk, reason="情况复杂"
    )
    assert case.extension_days == 0  # requested; the named head approves
    case = services.do_decide_extension(
        actor=world["head"], number=case.number, request_id=case.extension_requests.get().pk, approve=True
    )
    assert (case.extension_days, case.promised_due, case.extension_approver_id) == (
        4,
        D("2026-10-16"),
        world["head"].pk,
    )
    with pytest.raises(InvalidInput):
        services.do_extend(
            actor=world["officer"],
            number=case.number,
            days=7,
            approver_id=world["head"].pk,
            reason="情况复杂",
        )


def test_the_second_officer_on_the_same_step_gets_a_conflict_and_changes_nothing(world):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    services.do_complete_step(actor=world["officer"], number=case.number, step_index=0, outcome="pass")
    before = counts()
    with pytest.raises(Conflict):
        services.do_complete_step(actor=world["officer2"], number=case.number, step_index=0, outcome="pass")
    assert counts() == before


def test_a_retried_request_with_the_same_key_acts_once(world):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    for _ in range(2):
        again = services.do_complete_step(
            actor=world["officer"], number=case.number, step_index=0, outcome="pass", idempotency_key="k-1"
        )
    assert again.pk == case.pk
    assert events(case).count("step") == 1
    first = submit(world, idempotency_key="sub-1")
    assert submit(world, idempotency_key="sub-1").pk == first.pk
    assert Case.objects.count() == 2


def test_a_failure_in_the_middle_of_a_step_leaves_the_case_as_it_was(world, monkeypatch):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    before = counts()

    def boom(*args, **kwargs):
        raise RuntimeError("crash")

    monkeypatch.setattr(handling, "start_step", boom)
    with pytest.raises(RuntimeError):
        services.do_complete_step(actor=world["officer"], number=case.number, step_index=0, outcome="pass")
    assert counts() == before
    assert case.steps.get(index=0).state == StepState.ACTIVE


def test_pre_check_supplement_lists_everything_and_the_supply_restarts_receipt(world, day):
    case = submit(world)
    case = services.do_request_supplement(
        actor=world["officer"], number=case.number, items=["申请书未签字", "缺少法人身份证明"]
    )
    assert (case.state, case.supplement_items, case.supplement_due) == (
        CaseState.SUPPLEMENT,
        ["申请书未签字", "缺少法人身份证明"],
        D("2026-10-19"),
    )
    day("2026-10-09")
    case = services.do_supply(
        actor=world["citizen"], number=case.number, uploads=[upload(world["materials"][0])]
    )
    assert (case.state, case.received_on) == (CaseState.SUBMITTED, D("2026-10-09"))


def test_without_a_pre_check_answer_in_five_working_days_the_case_counts_as_accepted_on_receipt(world, day):
    case = submit(world)
    day("2026-10-12")
    assert services.do_tick(on=D("2026-10-12")).deemed_accepted == 0
    report = services.do_tick(on=D("2026-10-13"))
    case.refresh_from_db()
    assert (report.deemed_accepted, case.state, case.accepted_on, case.deemed_accepted) == (
        1,
        CaseState.ACCEPTED,
        D("2026-09-29"),
        True,
    )
    assert services.do_tick(on=D("2026-10-13")).deemed_accepted == 0
    assert CaseEvent.objects.get(case=case, action="accept").note.startswith("逾期未告知补正")


def test_a_supplement_not_delivered_in_time_ends_the_case_as_returned(world, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    services.do_pause(
        actor=world["officer"],
        number=case.number,
        kind=PauseKind.SUPPLEMENT,
        reason="材料不全",
        items=["缺少章程"],
    )
    report = services.do_tick(on=D("2026-10-23"))
    case.refresh_from_db()
    assert report.supplements_expired == 1
    assert (case.state, case.result_code) == (CaseState.DELIVERED, ResultCode.RETURNED)


def test_overdue_steps_are_escalated_once(world):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    assert services.do_tick(on=D("2026-10-09")).steps_escalated == 1
    assert services.do_tick(on=D("2026-10-09")).steps_escalated == 0
    assert case.steps.get(index=0).escalated is True


def test_refusal_and_return_need_a_reason_and_change_nothing_without_one(world):
    case = submit(world)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_refuse(actor=world["officer"], number=case.number, reason="")
    assert exc.value.problems[0].field == "reason" and counts() == before
    case = services.do_refuse(actor=world["officer"], number=case.number, reason="不属于本部门职权范围")
    assert case.state == CaseState.REFUSED
    with pytest.raises(Conflict):
        services.do_accept(actor=world["officer"], number=case.number)


def test_officers_of_other_departments_and_other_citizens_cannot_act_or_see(world):
    from .conftest import citizen

    case = submit(world)
    other, third = citizen(2, "李四"), citizen(3, "王五")
    before = counts()
    with pytest.raises(Forbidden):
        services.do_accept(actor=world["outsider"], number=case.number)
    with pytest.raises(NotFound):
        services.access_case(other, case.number)
    with pytest.raises(NotFound):
        services.do_withdraw(actor=third, number=case.number)
    assert counts() == before
    assert services.access_case(world["citizen"], case.number) == case
    assert services.access_case(world["officer"], case.number) == case


@pytest.mark.parametrize(
    ("uploads", "field"),
    [
        ("wrong_type", "file"),
        ("missing", "materials"),
        ("empty", "file"),
    ],
)
def test_bad_materials_are_refused_and_nothing_is_written(world, uploads, field):
    first, second = world["materials"]
    files = {
        "wrong_type": [upload(first, b"MZ\x90\x00", "application/pdf"), upload(second)],
        "missing": [upload(second)],
        "empty": [upload(first, b""), upload(second)],
    }[uploads]
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        submit(world, uploads=files)
    assert exc.value.problems[0].field == field
    assert counts() == before


def test_a_form_that_breaks_the_rules_names_every_field(world):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        submit(world, data={"applicant_name": "张三", "contact_phone": "123"})
    assert sorted(p.field for p in exc.value.problems) == ["contact_name", "contact_phone", "request"]
    assert counts() == before


def test_a_window_clerk_accepts_on_the_spot_with_a_deferred_material(world, day):
    from .conftest import citizen, window_item

    walk_in = citizen(4, "赵六")
    item, (essential, deferrable, _optional) = window_item(world)
    case = services.do_window_intake(
        actor=world["clerk"],
        applicant_id=walk_in.pk,
        item_code=item.code,
        data=FORM,
        uploads=[services.Upload(essential.pk, essential.name, PNG, "image/png")],
        missing=[{"material_id": deferrable.pk, "due": "2026-10-20"}],
    )
    assert case.channel == Channel.WINDOW and case.state == CaseState.ACCEPTED
    assert case.missing_materials == [
        {"material_id": deferrable.pk, "name": deferrable.name, "due": "2026-10-20"}
    ]
    assert events(case) == ["window_intake", "accept"]
    before = counts()
    with pytest.raises(InvalidInput):  # 申请书 is essential: it cannot be deferred
        services.do_window_intake(
            actor=world["clerk"],
            applicant_id=walk_in.pk,
            item_code=item.code,
            data=FORM,
            uploads=[upload(deferrable)],
            missing=[{"material_id": essential.pk, "due": "2026-10-20"}],
        )
    with pytest.raises(Forbidden):
        services.do_window_intake(
            actor=world["officer"],
            applicant_id=walk_in.pk,
            item_code=item.code,
            data=FORM,
            uploads=[],
        )
    assert counts() == before


def test_a_denial_at_the_last_step_concludes_as_not_permitted(world):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    case = run_steps(world, case, outcome="fail")
    assert (case.state, case.decision, case.decision_reason) == (CaseState.DECIDED, Decision.DENY, "同意办理")
    with pytest.raises(InvalidInput):
        services.do_conclude(actor=world["officer"], number=case.number, result_code=ResultCode.ISSUED)
    case = services.do_conclude(actor=world["officer"], number=case.number)
    assert case.result_code == ResultCode.DENIED


def test_withdrawal_and_delivery_by_post(world):
    case = submit(world)
    services.do_choose_delivery(
        actor=world["citizen"], number=case.number, method="post", address="武汉市江岸区某路1号"
    )
    case = services.do_accept(actor=world["officer"], number=case.number)
    case = run_steps(world, case)
    services.do_conclude(actor=world["officer"], number=case.number)
    with pytest.raises(InvalidInput):
        services.do_deliver(actor=world["officer"], number=case.number, tracking_number="")
    case = services.do_deliver(actor=world["officer"], number=case.number, tracking_number="SF1234567890")
    assert (case.delivery, case.tracking_number) == (Delivery.POST, "SF1234567890")
    other = submit(world)
    other = services.do_withdraw(actor=world["citizen"], number=other.number, reason="不需要了")
    assert other.state == CaseState.WITHDRAWN


def test_staff_assignment_and_an_assigned_step(world):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    with pytest.raises(InvalidInput):
        services.do_assign_step(
            actor=world["head"], number=case.number, step_index=0, assignee_id=world["outsider"].pk
        )
    services.do_assign_step(
        actor=world["head"], number=case.number, step_index=0, assignee_id=world["officer2"].pk
    )
    with pytest.raises(Forbidden):
        services.do_complete_step(actor=world["officer"], number=case.number, step_index=0, outcome="pass")
    services.do_complete_step(actor=world["officer2"], number=case.number, step_index=0, outcome="pass")


def test_an_unknown_staff_role_in_a_chain_is_refused(world):
    with pytest.raises(InvalidInput):
        services.do_set_chain(
            actor=world["head"],
            item_code=world["item"].code,
            steps=[{"name": "审批", "role": "boss", "limit_days": 1}],
        )
    chain = services.do_set_chain(
        actor=world["head"],
        item_code=world["item"].code,
        steps=[{"name": "审批", "role": "approving_officer", "limit_days": 1}],
    )
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    assert list(case.steps.values_list("name", flat=True)) == ["审批"] and chain.steps[0]["limit_days"] == 1


def test_only_the_items_own_department_administrator_sets_its_chain(world):
    """A department administrator of another department may not change this item's chain
    (regression: any department administrator could), nor learn whether a code exists."""
    from tongban.catalog.testing import make_department

    from ..models import ApprovalChain
    from .conftest import staff

    other = staff("other-head", "department_admin", department=make_department(region="420200"))
    steps = [{"name": "审批", "role": "approving_officer", "limit_days": 1}]
    before = (ApprovalChain.objects.count(), AuditEvent.objects.count())
    for code in (world["item"].code, "no-such-item"):
        with pytest.raises(Forbidden) as exc:
            services.do_set_chain(actor=other, item_code=code, steps=steps)
        assert exc.value.message == "只能设置本部门事项的审批环节"
    assert (ApprovalChain.objects.count(), AuditEvent.objects.count()) == before
    assert services.chain_for(world["item"].code, 5)[0]["name"] == "承办"  # the default chain still


def test_delivery_is_chosen_among_the_guides_methods_and_the_address_kept_encrypted(world):
    case = submit(world)
    citizen, address = world["citizen"], "武汉市江岸区沿江大道188号 张三 13900000001"
    assert world["item"].delivery_methods == ["window", "post"]
    with pytest.raises(InvalidInput) as exc:
        services.do_choose_delivery(actor=citizen, number=case.number, method=Delivery.ELECTRONIC)
    assert [p.field for p in exc.value.problems] == ["delivery"]
    with pytest.raises(InvalidInput) as exc:
        services.do_choose_delivery(actor=citizen, number=case.number, method=Delivery.POST, address="武汉")
    assert [p.field for p in exc.value.problems] == ["address"]
    unchanged = Case.objects.get(pk=case.pk)
    assert (unchanged.delivery, unchanged.delivery_address_enc, unchanged.lock_version) == ("", "", 0)

    case = services.do_choose_delivery(
        actor=citizen, number=case.number, method=Delivery.POST, address=address
    )
    stored = Case.objects.get(pk=case.pk)
    assert stored.delivery == Delivery.POST and address not in stored.delivery_address_enc
    assert stored.delivery_address_enc.startswith("sm4gcm2:")
    assert services.delivery_address(stored) == address
    assert CaseEvent.objects.filter(case=case, action="choose_delivery").get().data == {
        "delivery": "post",
        "address_given": True,
    }
    case = services.do_choose_delivery(actor=citizen, number=case.number, method=Delivery.WINDOW)
    assert services.delivery_address(Case.objects.get(pk=case.pk)) == ""  # no address kept for pickup


def test_a_form_or_address_ciphertext_moved_to_another_case_or_column_is_unreadable(world):
    """Issue 10 §6: each ciphertext is bound to its case and column (AEAD associated data)."""
    first, second = submit(world), submit(world)
    address = "武汉市江岸区沿江大道188号 张三 13900000001"
    services.do_choose_delivery(
        actor=world["citizen"], number=first.number, method=Delivery.POST, address=address
    )
    first = Case.objects.get(pk=first.pk)
    Case.objects.filter(pk=second.pk).update(form_enc=first.form_enc, delivery_address_enc=first.form_enc)
    moved = Case.objects.get(pk=second.pk)
    with pytest.raises(ValueError, match="failed authentication"):
        services.form_data(moved)
    with pytest.raises(ValueError, match="failed authentication"):
        services.delivery_address(moved)
    assert services.delivery_address(first) == address and services.form_data(first)


def test_acting_for_an_enterprise_prefills_the_enterprise_as_applicant_and_the_person_as_contact(world):
    from tongban.accounts.tests.identity_support import enterprise, person

    rep = person(7, name="陈建国", level=2)
    _, mandate = enterprise(rep, 7, name="武汉鑫达商贸有限公司")
    account_services.do_switch_acting(actor=rep, kind="enterprise", target_id=mandate.pk)
    rep.refresh_from_db()
    form = services.prefilled_form(rep, world["item"])
    assert (form["applicant_name"], form["contact_name"]) == ("武汉鑫达商贸有限公司", "陈建国")
