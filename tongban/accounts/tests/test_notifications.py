"""The notification e-mail address (confirmed by a code sent to it; stored encrypted, indexed,
masked; every change audited) and delivery to a person's mobile and e-mail (`notify_user`,
`notify_by_sms`), which logs a failing gateway and never raises."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from tongban.accounts import gateways, queries, services
from tongban.accounts.checks import check_email, mask_email
from tongban.accounts.models import USER_EMAIL, OneTimeCode, User
from tongban.core.crypto import blind_index
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEvent
from tongban.core.ratelimit import TooManyRequests

from .services_support import audit_actions, last_seq, mobile, person, snapshot, staff

pytestmark = pytest.mark.django_db

ADDRESS = "Zhang.San@163.com"
OTHER = "lisi@example.gov.cn"


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    settings.EMAIL_GATEWAY = "tongban.accounts.gateways.OutboxEmailGateway"
    cache.clear()
    yield
    cache.clear()


class FailingGateway:
    """A gateway whose error text holds the address, as smtplib's does."""

    def send(self, address: str, text: str, **_kw) -> None:
        raise smtplib.SMTPRecipientsRefused({address: (550, b"no such user")})


FAILING = "tongban.accounts.tests.test_notifications.FailingGateway"


def send_code(user: User, address: str = ADDRESS) -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.do_send_email_code(actor=user, email=address)


def code_sent_to(address: str) -> str:
    return gateways.email_outbox(address)[-1].split("验证码是")[1][:6]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def confirmed(user: User, address: str = ADDRESS) -> User:
    send_code(user, address)
    user = services.do_confirm_email(actor=user, code=code_sent_to(address))
    cache.clear()  # the outboxes and the one-a-minute limit, so a test may send again
    return user


# --- Checks and masking ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("zhangsan@163.com", "z***n@163.com"),
        ("ab@qq.com", "a***@qq.com"),
        ("a@qq.com", "a***@qq.com"),
        ("12345678@qq.com", "1***8@qq.com"),
        ("not-an-address", "***"),
        ("", "***"),
    ],
)
def test_mask_email(value, masked):
    assert mask_email(value) == masked


def test_check_email_trims_and_lowercases_the_domain_only():
    assert check_email("  Zhang.San@163.COM ") == "Zhang.San@163.com"


@pytest.mark.parametrize("value", ["", "zhangsan", "zhangsan@", "@163.com", "a b@163.com", "a@b@163.com"])
def test_check_email_refuses(value):
    with pytest.raises(InvalidInput) as exc:
        check_email(value)
    assert exc.value.problems[0].field == "email"


# --- Confirmation ------------------------------------------------------------------------------


def test_the_right_code_confirms_the_address():
    user = person(1)
    since = last_seq()
    notice = send_code(user)
    assert notice == "验证码已发送至 Z***n@163.com，10分钟内有效"
    (mail,) = gateways.email_outbox(ADDRESS)
    assert mail.startswith("【通办】电子邮箱验证码\n\n您正在通办平台绑定接收通知的电子邮箱，验证码是")
    assert "10分钟内有效" in mail
    assert snapshot(user)[0]["email_enc"] == ""  # nothing stored before confirmation
    assert queries.pending_email(user)["email_masked"] == "Z***n@163.com"

    user = services.do_confirm_email(actor=user, code=code_sent_to(ADDRESS))

    row = User.objects.get(pk=user.pk)
    assert USER_EMAIL.read(row) == ADDRESS and ADDRESS not in row.email_enc
    assert row.email_index == blind_index(ADDRESS, purpose="email")
    assert row.email_masked == "Z***n@163.com"
    assert row.email_confirmed_at is not None
    assert row.email == ""  # AbstractUser's clear column stays unused
    assert queries.pending_email(user) is None
    assert audit_actions(since) == ["accounts.email.code_sent", "accounts.email.confirm"]
    events = list(AuditEvent.objects.filter(seq__gt=since).order_by("seq").values_list("data", flat=True))
    assert events == [{"email": "Z***n@163.com"}, {"email": "Z***n@163.com", "before": ""}]
    code_row = OneTimeCode.objects.get(user=user)
    assert ADDRESS not in str(OneTimeCode.objects.filter(pk=code_row.pk).values().get())
    with pytest.raises(InvalidInput):  # single use
        services.do_confirm_email(actor=user, code=code_sent_to(ADDRESS))


def _refused(user: User, code: str) -> None:
    before, since = snapshot(user), last_seq()
    with pytest.raises(InvalidInput) as exc:
        services.do_confirm_email(actor=user, code=code)
    assert exc.value.problems[0].field == "code" and "验证码错误或已过期" in exc.value.message
    assert snapshot(user) == before
    assert audit_actions(since) == ["accounts.email.refused"]


def test_a_wrong_code_changes_nothing_and_counts():
    user = confirmed(person(1), OTHER)
    send_code(user)
    code = code_sent_to(ADDRESS)
    _refused(user, wrong(code))
    assert OneTimeCode.objects.get(user=user, consumed_at__isnull=True).attempts == 1
    assert services.do_confirm_email(actor=user, code=code).email_masked == "Z***n@163.com"


def test_an_expired_code_changes_nothing():
    user = person(1)
    send_code(user)
    OneTimeCode.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert queries.pending_email(user) is None
    _refused(user, code_sent_to(ADDRESS))


def test_attempts_exhausted_the_right_code_no_longer_works():
    user = person(1)
    send_code(user)
    code = code_sent_to(ADDRESS)
    for _ in range(5):
        _refused(user, wrong(code))
    assert OneTimeCode.objects.get(user=user).attempts == 5
    assert queries.pending_email(user) is None
    _refused(user, code)
    assert OneTimeCode.objects.get(user=user).attempts == 5


def test_without_a_code_sent_nothing_is_confirmed():
    _refused(person(1), "123456")


def test_another_persons_code_is_refused():
    owner, other = person(1), person(2)
    send_code(owner)
    _refused(other, code_sent_to(ADDRESS))
    assert services.do_confirm_email(actor=owner, code=code_sent_to(ADDRESS)).email_masked


def test_one_code_a_minute_and_a_new_code_replaces_the_old():
    user = person(1)
    send_code(user)
    first = code_sent_to(ADDRESS)
    with pytest.raises(TooManyRequests):
        send_code(user, OTHER)
    assert gateways.email_outbox(OTHER) == []
    cache.clear()
    send_code(user, OTHER)
    assert queries.pending_email(user)["email_masked"] == "l***i@example.gov.cn"
    _refused(user, first)
    assert (
        services.do_confirm_email(actor=user, code=code_sent_to(OTHER)).email_masked == "l***i@example.gov.cn"
    )


@pytest.mark.parametrize(
    "value", ["", "zhangsan", "zhangsan@163", "x" * 250 + "@qq.com", "x" * 65 + "@qq.com"]
)
def test_a_bad_address_sends_nothing(value):
    user = person(1)
    before, since = snapshot(user), last_seq()
    with pytest.raises(InvalidInput) as exc:
        send_code(user, value)
    assert exc.value.problems[0].field == "email"
    assert snapshot(user) == before and last_seq() == since
    assert not OneTimeCode.objects.filter(user=user).exists()


def test_changing_the_address_keeps_the_old_one_until_the_new_is_confirmed():
    user = confirmed(person(1), OTHER)
    send_code(user, ADDRESS)
    assert User.objects.get(pk=user.pk).email_masked == "l***i@example.gov.cn"
    assert services.notify_user(user_id=user.pk, text="已受理", subject="办件通知") == ["sms", "email"]
    assert gateways.email_outbox(OTHER)[-1] == "办件通知\n\n已受理"
    since = last_seq()
    services.do_confirm_email(actor=user, code=code_sent_to(ADDRESS))
    assert AuditEvent.objects.get(seq__gt=since).data == {
        "email": "Z***n@163.com",
        "before": "l***i@example.gov.cn",
    }


def test_remove_the_address():
    user = confirmed(person(1))
    since = last_seq()
    assert services.do_remove_email(actor=user) is True
    row = snapshot(user)[0]
    assert (row["email_enc"], row["email_index"], row["email_masked"], row["email_confirmed_at"]) == (
        "",
        None,
        "",
        None,
    )
    assert audit_actions(since) == ["accounts.email.remove"]
    assert AuditEvent.objects.get(seq__gt=since).data == {"before": "Z***n@163.com"}
    assert services.do_remove_email(actor=user) is False  # nothing to remove: no change, no event
    assert last_seq() == since + 1
    assert services.notify_user(user_id=user.pk, text="已受理", subject="办件通知") == ["sms"]


# --- Delivery ----------------------------------------------------------------------------------


def test_notify_user_sends_to_both_outboxes():
    user = confirmed(person(1))
    sent = services.notify_user(user_id=user.pk, text="【通办】您的办件已受理", subject="【通办】办件进展")
    assert sent == ["sms", "email"]
    assert gateways.outbox(mobile(1))[-1] == "【通办】您的办件已受理"
    assert gateways.email_outbox(ADDRESS)[-1] == "【通办】办件进展\n\n【通办】您的办件已受理"


def test_notify_user_sends_only_where_there_is_an_address():
    plain = person(1)
    assert services.notify_user(user_id=plain.pk, text="t", subject="s") == ["sms"]
    pending = person(2)
    send_code(pending, OTHER)  # not confirmed: no notices to it
    assert services.notify_user(user_id=pending.pk, text="t", subject="s") == ["sms"]
    assert gateways.email_outbox(OTHER) == [gateways.email_outbox(OTHER)[0]]  # the code only
    clerk = confirmed(staff("clerk", "window_clerk"))  # no mobile
    assert services.notify_user(user_id=clerk.pk, text="t", subject="s") == ["email"]
    assert services.notify_user(user_id=10**9, text="t", subject="s") == []


@pytest.mark.parametrize(
    ("failing", "sent", "log_line"),
    [
        ("SMS_GATEWAY", ["email"], "sms to 138****0001 failed: SMTPRecipientsRefused"),
        ("EMAIL_GATEWAY", ["sms"], "email to Z***n@163.com failed: SMTPRecipientsRefused"),
    ],
)
def test_notify_user_survives_a_failing_gateway(settings, caplog, failing, sent, log_line):
    user = confirmed(person(1))
    setattr(settings, failing, FAILING)
    results = []
    # As the cases app calls it: after the step's transaction has committed.
    with (
        caplog.at_level(logging.INFO, logger="tongban"),
        TestCase.captureOnCommitCallbacks(execute=True),
        transaction.atomic(),
    ):
        transaction.on_commit(
            lambda: results.append(services.notify_user(user_id=user.pk, text="已受理", subject="通知"))
        )
    assert results == [sent]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [log_line]
    assert mobile(1) not in caplog.text and ADDRESS not in caplog.text
    delivered = {"sms": gateways.outbox(mobile(1)), "email": gateways.email_outbox(ADDRESS)}
    assert [channel for channel in sent if delivered[channel][-1].endswith("已受理")] == sent


def test_notify_user_with_both_gateways_failing_raises_nothing(settings):
    user = confirmed(person(1))
    settings.SMS_GATEWAY = settings.EMAIL_GATEWAY = FAILING
    assert services.notify_user(user_id=user.pk, text="t", subject="s") == []


def test_notify_by_sms_keeps_working(settings, caplog):
    user = confirmed(person(1))
    assert services.notify_by_sms(user_id=user.pk, text="短信一条") is True
    assert gateways.outbox(mobile(1))[-1] == "短信一条"
    assert gateways.email_outbox(ADDRESS) == []  # SMS only
    assert services.notify_by_sms(user_id=staff("clerk", "window_clerk").pk, text="x") is False
    settings.SMS_GATEWAY = FAILING
    assert services.notify_by_sms(user_id=user.pk, text="x") is False
    assert "sms to 138****0001 failed" in caplog.text and mobile(1) not in caplog.text
