"""The platform's own words about a case in the reader's language: notifications (stored with
their msgid and parameters; the text sent by SMS stays Chinese), the deadline lines and the
timeline. What a person wrote (a reason) is data: kept as written and marked lang="zh-Hans"."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from tongban.cases import clock, queries, services
from tongban.cases.models import Notification

from .conftest import FORM, submit, upload
from .test_results import FOOD_FORM, FOOD_TYPE, configure, decided, food_form, issuing  # noqa: F401

pytestmark = pytest.mark.django_db


def shown(notification, language: str) -> str:
    with translation.override(language):
        return Template("{% load cases_clock %}{{ n|notification_text }}").render(
            Context({"n": notification})
        )


def test_a_notification_is_sent_in_chinese_and_shown_in_the_readers_language(world, day, english):
    day("2026-09-28")
    case = submit(world)
    received = Notification.objects.get(case=case)
    assert (received.text, received.msgid, received.params) == (
        "已收到您的申请，正在预审",
        "已收到您的申请，正在预审",
        {},
    )
    assert shown(received, "zh-hans") == "已收到您的申请，正在预审"
    assert shown(received, "en") == "Your application has been received and is being pre-checked"

    # An officer working in English refuses: the stored text is still Chinese, the reason is data.
    with translation.override("en"):
        services.do_refuse(actor=world["officer"], number=case.number, reason="不属于本部门职权范围")
    refused = Notification.objects.filter(case=case).latest("pk")
    assert refused.text == "不予受理：不属于本部门职权范围"
    assert refused.params == {"reason": "不属于本部门职权范围"}
    assert shown(refused, "en") == 'Not accepted: <span lang="zh-Hans">不属于本部门职权范围</span>'
    assert shown(refused, "zh-hans") == '不予受理：<span lang="zh-Hans">不属于本部门职权范围</span>'


def test_a_decision_label_is_stored_in_chinese_and_translated_when_shown(world, day, english):
    day("2026-09-28")
    case = submit(world)
    services.do_accept(actor=world["officer"], number=case.number)
    accepted = Notification.objects.filter(case=case).latest("pk")
    assert accepted.text == "已受理，承诺2026-10-10前办结"
    assert shown(accepted, "en") == "Accepted; to be concluded by 2026-10-10"
    for index, actor in enumerate([world["officer"], world["officer2"]]):
        services.do_complete_step(
            actor=actor, number=case.number, step_index=index, outcome="pass", comment="同意"
        )
    with translation.override("en"):
        services.do_complete_step(
            actor=world["head"], number=case.number, step_index=2, outcome="pass", comment="准予"
        )
    decided = Notification.objects.filter(case=case, msgid="审批决定：%(decision)s").get()
    assert decided.text == "审批决定：准予"
    assert shown(decided, "en") == "Decision: Granted"


def test_an_old_notification_without_msgid_is_shown_as_written(world, day, english):
    case = submit(world)
    old = Notification.objects.create(user=world["citizen"], case=case, text="国务院节假日安排已公布")
    assert shown(old, "en") == "国务院节假日安排已公布"


def test_the_deadline_lines_in_english(world, day, english):
    day("2026-09-28")
    case = submit(world)
    with translation.override("en"):
        assert queries.clock_lines(case) == [
            "Received on 2026-09-28; not yet accepted, so the time limit has not started"
        ]
    services.do_accept(actor=world["officer"], number=case.number)
    case.refresh_from_db()
    assert queries.clock_lines(case) == [
        "受理日 2026-09-28 起算 5个工作日 = 2026-10-10",
        "法定时限：受理日 2026-09-28 起算 20个工作日 = 2026-10-30",
    ]
    with translation.override("en"):
        assert queries.clock_lines(case) == [
            "From acceptance on 2026-09-28: 5 working days = 2026-10-10",
            "Statutory limit: From acceptance on 2026-09-28: 20 working days = 2026-10-30",
        ]


# --- the 办结 and 即办 messages integ added (issue 11): the same msgid + params convention -------


def test_the_issue_notification_names_the_result_and_the_licence_in_the_readers_language(
    world,
    issuing,  # noqa: F811
    english,
):
    configure(world, FOOD_TYPE, FOOD_FORM)
    case = decided(world, issuing["rep"], food_form("武汉鑫达商贸有限公司", "陈建国"))
    with translation.override("en"):  # an officer working in English: still stored in Chinese
        services.do_conclude(actor=world["officer"], number=case.number)
    concluded = Notification.objects.filter(case=case).latest("pk")
    assert concluded.text == "已办结：准予许可，电子食品经营许可证已签发，可在“我的证照”查看、下载和出示"
    assert concluded.params == {"result": "准予许可", "licence": "食品经营许可证"}
    assert shown(concluded, "en") == (
        'Concluded: Licence granted; the electronic <span lang="zh-Hans">食品经营许可证</span> has been '
        "issued: see, download and show it in “My licences”"
    )


def test_an_immediate_item_is_accepted_for_handling_on_the_spot_in_the_readers_language(world, english):
    from tongban.catalog.testing import make_basic_item, make_item

    immediate = make_item(
        world["dept"], make_basic_item(name="个体工商户设立登记"), case_type="1", promised_limit=0
    )
    case = services.do_submit(
        actor=world["citizen"],
        item_code=immediate.code,
        data=FORM,
        uploads=[upload(m) for m in immediate.materials.all()],
    )
    case = services.do_accept(actor=world["officer"], number=case.number)
    accepted = Notification.objects.filter(case=case).latest("pk")
    assert (accepted.text, accepted.msgid) == ("已受理，即办件，当场办结", "已受理，即办件，当场办结")
    assert shown(accepted, "en") == "Accepted: an immediate item, handled on the spot"
    with translation.override("en"):
        nothing_to_count = clock.Deadline(due=case.accepted_on, base_days=0, paused_days=0, extension_days=0)
        assert nothing_to_count.explain(case.accepted_on) == (
            f"Immediate item: accepted {case.accepted_on:%Y-%m-%d} and handled on the spot"
        )
