"""Partial failure (each dependant's on_requirement_refused policy), a 补正 pausing only what
depends on it, and the applicant's withdrawal of the bundle."""

from __future__ import annotations

import pytest

from tongban.bundles import progress, queries_fanout
from tongban.bundles.models import Bundle, BundleMember, BundleOutbox
from tongban.cases import queries as case_queries
from tongban.cases import services as case_services
from tongban.core.errors import Conflict

from .fanout_support import (  # noqa: F401 - day and world_fixture are fixtures
    conclude,
    day,
    files,
    publish_theme,
    requiring_nothing,
    spec_doc,
    submit,
    with_licence_uploaded,
    world_fixture,
)


def states(bundle) -> dict:
    return {m.key: m.state for m in BundleMember.objects.filter(bundle=bundle)}


def member(bundle, key: str) -> BundleMember:
    return BundleMember.objects.get(bundle=bundle, key=key)


def case(number: str):
    return case_services.bundled.member_cases([number])[number]


def test_a_refused_requirement_applies_each_dependants_policy(world, django_capture_on_commit_callbacks):
    bundle = submit(world, publish_theme(world, seal="cancel", social="pause", tax="continue", fund="cancel"))
    number = member(bundle, "licence").case_number
    with django_capture_on_commit_callbacks(execute=True):
        case_services.do_refuse(
            actor=world["officers"]["licence"][0], number=number, reason="企业名称与已登记企业重名"
        )
    assert states(bundle) == {
        "licence": "case",
        "seal": "cancelled",
        "social": "paused",
        "tax": "case",
        "fund": "cancelled",
    }
    # continue: the tax case runs without the licence; the department will ask for it.
    tax = case(member(bundle, "tax").case_number)
    assert tax.state == "submitted"
    assert case_queries.case_licences(tax).count() == 0
    assert tax.events.get(action="submit").data["missing"] == ["营业执照"]
    assert BundleOutbox.objects.filter(member__bundle=bundle, done_at__isnull=True).count() == 0
    # The applicant is told which member, why, and the others' state.
    status = queries_fanout.bundle_status(bundle.number, world["citizen"])
    rows = {m.key: m for m in status.members}
    assert rows["licence"].note == "未通过：企业名称与已登记企业重名"
    assert rows["licence"].state == "不予受理"
    assert rows["seal"].note.startswith("前置事项“内资有限责任公司设立登记”未通过：企业名称与已登记企业重名")
    assert rows["seal"].note.endswith("本事项已取消")
    assert rows["social"].note.endswith("本事项暂停，待补正后继续")
    assert Bundle.objects.get(pk=bundle.pk).state == "attention"
    assert len(case_queries.cases_of(world["citizen"])) == 2


def test_a_denied_decision_cancels_dependants_under_cancel(world, django_capture_on_commit_callbacks):
    bundle = submit(world, publish_theme(world))
    number = member(bundle, "licence").case_number
    with django_capture_on_commit_callbacks(execute=True):
        concluded = conclude(world, "licence", number, outcome="fail")
    assert (concluded.result_code, concluded.result_licence) == ("03", "")
    assert states(bundle) == {
        "licence": "case",
        "seal": "cancelled",
        "social": "cancelled",
        "tax": "cancelled",
        "fund": "cancelled",
    }
    # Every member ended: the bundle is complete (nothing to pick up but the refusal).
    assert Bundle.objects.get(pk=bundle.pk).state == "completed"
    assert len(case_queries.cases_of(world["citizen"])) == 1


def test_a_supplement_pauses_only_what_depends_on_it(world, django_capture_on_commit_callbacks):
    # fund needs nothing here: it starts at once and must not be touched by licence's 补正.
    doc = requiring_nothing(spec_doc(world), "fund")
    uploads = with_licence_uploaded(world, files(world=world), "fund")
    bundle = submit(world, publish_theme(world, doc), uploads=uploads)
    assert states(bundle) == {
        "licence": "case",
        "seal": "waiting",
        "social": "waiting",
        "tax": "waiting",
        "fund": "case",
    }
    licence = member(bundle, "licence").case_number
    with django_capture_on_commit_callbacks(execute=True):
        case_services.do_request_supplement(
            actor=world["officers"]["licence"][0], number=licence, items=["住所使用证明未盖章"]
        )
    assert states(bundle) == {
        "licence": "case",
        "seal": "paused",
        "social": "paused",
        "tax": "paused",
        "fund": "case",
    }
    assert member(bundle, "seal").note == "前置事项“内资有限责任公司设立登记”补正中，完成后继续"
    assert case(member(bundle, "fund").case_number).state == "submitted"
    assert Bundle.objects.get(pk=bundle.pk).state == "attention"
    with django_capture_on_commit_callbacks(execute=True):
        case_services.do_supply(
            actor=world["citizen"],
            number=licence,
            uploads=[
                case_services.Upload(None, "住所使用证明（盖章）", b"%PDF-1.4 stamped", "application/pdf")
            ],
        )
    assert states(bundle) == {
        "licence": "case",
        "seal": "waiting",
        "social": "waiting",
        "tax": "waiting",
        "fund": "case",
    }
    assert Bundle.objects.get(pk=bundle.pk).state == "in_progress"
    with django_capture_on_commit_callbacks(execute=True):
        conclude(world, "licence", licence)
    assert set(states(bundle).values()) == {"case"}


def test_withdrawal_withdraws_undecided_members_and_reports_decided_ones(
    world, django_capture_on_commit_callbacks
):
    bundle = submit(world, publish_theme(world))
    licence = member(bundle, "licence").case_number
    with django_capture_on_commit_callbacks(execute=True):
        conclude(world, "licence", licence)
    seal = member(bundle, "seal").case_number
    with django_capture_on_commit_callbacks(execute=True):
        case_services.do_accept(actor=world["officers"]["seal"][0], number=seal)
    with django_capture_on_commit_callbacks(execute=True):
        report = progress.do_withdraw_bundle(actor=world["citizen"], number=bundle.number, reason="不再开办")
    assert report == {
        "withdrawn": ["印章刻制备案", "社会保险登记", "税务登记及发票申领", "住房公积金单位缴存登记"],
        "decided": ["内资有限责任公司设立登记（已办结）"],
    }
    assert states(bundle) == {
        "licence": "case",
        "seal": "withdrawn",
        "social": "withdrawn",
        "tax": "withdrawn",
        "fund": "withdrawn",
    }
    assert case(seal).state == "withdrawn" and case(licence).state == "concluded"
    assert Bundle.objects.get(pk=bundle.pk).state == "withdrawn"
    with pytest.raises(Conflict):
        progress.do_withdraw_bundle(actor=world["citizen"], number=bundle.number)


def test_withdrawal_before_anything_is_decided_leaves_no_waiting_member(world):
    bundle = submit(world, publish_theme(world))
    report = progress.do_withdraw_bundle(actor=world["citizen"], number=bundle.number)
    assert report["decided"] == [] and len(report["withdrawn"]) == 5
    assert set(states(bundle).values()) == {"withdrawn"}
    assert case(member(bundle, "licence").case_number).state == "withdrawn"
    assert BundleOutbox.objects.filter(member__bundle=bundle, done_at__isnull=True).count() == 0
