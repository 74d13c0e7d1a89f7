"""The default rating after the period, SMS/QR links (single-use, expiring) and the hall screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from tongban.accounts.gateways import outbox
from tongban.cases import services as case_services
from tongban.core.errors import Conflict, Forbidden, NotFound

from .. import links, services
from ..enums import Channel, InviteState, Node
from ..models import Invitation, Rating, RatingToken
from .conftest import FORM_HALL, conclude, counts, pick, rollup, upload_all


def test_the_default_rating_after_five_days(rworld, clock, settings):
    number = conclude(rworld)
    invitation = Invitation.objects.get(ref=number)
    assert invitation.due_at == invitation.concluded_at + dt.timedelta(days=5)
    report = services.do_tick(now=invitation.due_at - dt.timedelta(seconds=1), base_url="")
    assert report.defaults == 0 and not Rating.objects.exists()
    report = services.do_tick(now=invitation.due_at, base_url="")
    assert report.defaults == 1
    rating = Rating.objects.get(ref=number)
    assert (rating.level, rating.is_default, rating.channel, rating.node) == (2, True, "default", "conclude")
    assert rating.rater_id == rworld["citizen"].pk
    invitation.refresh_from_db()
    assert invitation.state == InviteState.DEFAULTED
    dept = rollup("dept", rworld["dept"].pk)
    assert pick(dept, "invited", "answered", "rated", "defaults", "good", "participation", "good_rate") == (
        1,
        0,
        0,
        1,
        1,
        0,
        100,
    )
    before = counts()
    assert services.do_tick(now=invitation.due_at + dt.timedelta(days=1), base_url="").defaults == 0
    assert counts() == before
    with pytest.raises(Conflict):  # the rater cannot rate over it, nor change it
        services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=1)
    clock(days=1)
    with pytest.raises(Conflict):
        services.do_change_rating(actor=rworld["citizen"], kind="case", ref=number, level=1)
    assert counts() == before


def test_working_day_period_when_configured(rworld, settings):
    settings.RATINGS_DEFAULT_UNIT = "workday"
    number = conclude(rworld)
    invitation = Invitation.objects.get(ref=number)
    from django.utils import timezone

    from tongban.core.workdays import add_working_days

    end = add_working_days(timezone.localdate(invitation.concluded_at), 5)
    assert timezone.localtime(invitation.due_at).date() == end


def test_the_sms_link_is_single_use(rworld, settings, django_capture_on_commit_callbacks):
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    number = conclude(rworld)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.do_tick(
            now=Invitation.objects.get(ref=number).concluded_at, base_url="https://tb.example"
        )
    assert report.texts == 1
    texts = [t for t in outbox("13900000001") if "/ratings/t/" in t]
    assert len(texts) == 1
    token = texts[0].split("/ratings/t/")[1].split("/")[0]
    assert (
        services.do_tick(now=Invitation.objects.get(ref=number).concluded_at, base_url="https://x").texts == 0
    )
    before = counts()
    with pytest.raises(NotFound):  # a forged token
        services.do_rate_with_link(token=token[:-1] + ("A" if token[-1] != "A" else "B"), level=1)
    assert counts() == before
    rating = services.do_rate_with_link(token=token, level=1)
    assert (rating.channel, rating.rater_id, rating.node) == ("sms", rworld["citizen"].pk, "conclude")
    assert Invitation.objects.get(ref=number).state == InviteState.RATED
    before = counts()
    with pytest.raises(Conflict) as exc:
        services.do_rate_with_link(token=token, level=2)
    assert "已使用" in exc.value.message
    assert counts() == before


def test_an_expired_link_changes_nothing(rworld, clock):
    number = conclude(rworld)
    clock()  # the link's clock stands still from here
    from django.db import transaction

    with transaction.atomic():
        token = links.issue(
            actor="system:test", kind="case", ref=number, node=Node.CONCLUDE, channel=Channel.SMS
        )
    clock(days=5, seconds=1)
    before = counts()
    with pytest.raises(Conflict) as exc:
        services.do_rate_with_link(token=token, level=1)
    assert "过期" in exc.value.message
    assert counts() == before
    assert RatingToken.objects.get().used_at is None
    assert signing.Signer(salt=links.SALT).unsign(token)  # the token itself was genuine


@pytest.fixture
def window(rworld):
    hall = rworld["clerk"].department_id
    w = services.do_create_window(
        actor=rworld["admin"], code="A03", name="综合受理3号窗口", department_id=hall
    )
    services.do_take_window(actor=rworld["clerk"], code="A03")
    return w


def intake(rworld) -> str:
    case = case_services.do_window_intake(
        actor=rworld["clerk"],
        applicant_id=rworld["citizen"].pk,
        item_code=rworld["item"].code,
        data=FORM_HALL,
        uploads=upload_all(rworld),
    )
    return case.number


def test_the_hall_screen_rates_the_last_service_once(rworld, window):
    key = services.do_pair_screen(actor=rworld["clerk"], code="A03")
    number = intake(rworld)
    before = counts()
    with pytest.raises(Forbidden):  # an unpaired browser
        services.do_rate_at_window(code="A03", screen_key="wrong", case_number=number, level=1)
    with pytest.raises(Conflict):  # another case than the one served
        services.do_rate_at_window(code="A03", screen_key=key, case_number="420100209901019000001", level=1)
    assert counts() == before
    rating = services.do_rate_at_window(code="A03", screen_key=key, case_number=number, level=1)
    assert (rating.node, rating.channel, rating.clerk_id, rating.window_id) == (
        "window",
        "tablet",
        rworld["clerk"].pk,
        window.pk,
    )
    assert rating.department_id == rworld["clerk"].department_id  # the hall, not the approving department
    before = counts()
    with pytest.raises(Conflict):
        services.do_rate_at_window(code="A03", screen_key=key, case_number=number, level=2)
    assert counts() == before


def test_the_clerks_qr_code(rworld, window, clock):
    number = intake(rworld)
    clock()  # the link's clock stands still from here
    with pytest.raises(NotFound):  # staff of another hall cannot
        services.do_show_qr(actor=rworld["outsider"], code="A03")
    shown, token = services.do_show_qr(actor=rworld["clerk"], code="A03")
    assert shown == number
    clock(minutes=31)
    with pytest.raises(Conflict):
        services.do_rate_with_link(token=token, level=1)
    clock(minutes=0)
    _shown, token = services.do_show_qr(actor=rworld["clerk"], code="A03")
    rating = services.do_rate_with_link(token=token, level=4, reasons=["attitude"], text="窗口服务态度冷淡")
    assert (rating.channel, rating.node, rating.clerk_id) == ("qr", "window", rworld["clerk"].pk)
    with pytest.raises(Conflict):  # nothing left to rate at this window
        services.do_show_qr(actor=rworld["clerk"], code="A03")
