"""Sign-in cannot be brute-forced (issue 10 §5): the account is the unit of the password and
SMS lockout, the staff TOTP step locks, SMS codes are limited per number, per address and
overall, and real-name verification is limited per account and per address. Each refusal
says in Chinese when to try again, changes nothing, and is audited."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.test import Client, TestCase
from django.utils import timezone

from tongban.accounts import gateways, services
from tongban.accounts.models import LoginAttempt, OneTimeCode
from tongban.core.errors import InvalidInput
from tongban.core.ratelimit import TooManyRequests

from .services_support import (
    PASSWORD,
    audit_actions,
    id_number,
    last_seq,
    mobile,
    name,
    person,
    staff,
)

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXP" + "A" * 16  # the one services_support.staff() enrols
WRONG = "Wrong-pass-2026"


@pytest.fixture
def later(monkeypatch):
    """Move the clock of the cache and the rate limits `seconds` ahead."""
    real = time.time

    def move(seconds: int) -> None:
        monkeypatch.setattr(time, "time", lambda: real() + seconds)

    return move


@pytest.fixture
def max3(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.TOTP_MAX_FAILURES = 3


@pytest.fixture
def sms(settings):
    """`send(mobile, purpose, ip)` into the outbox, running the on-commit delivery."""
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"

    def send(mobile_number: str, purpose: str = "login", ip: str | None = None) -> str:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return services.do_send_sms_code(mobile=mobile_number, purpose=purpose, ip=ip)

    return send


def _wrong_totp() -> str:
    now = pyotp.TOTP(SECRET)
    right = {now.now(), now.at(time.time() - 30), now.at(time.time() + 30)}
    return next(f"{n:06d}" for n in range(1, 100) if f"{n:06d}" not in right)


# --- Password and SMS sign-in: the account is the unit ------------------------------------------


def test_every_identifier_of_one_account_shares_the_failure_count(max3):
    user = person(1, level=2)
    seq = last_seq()
    # One wrong password by mobile, one by ID number, one by username: three for the account.
    for identifier in (mobile(1), id_number(1)):
        with pytest.raises(services.AuthenticationFailed):
            services.authenticate_password(identifier=identifier, password=WRONG, ip="10.0.0.9")
    with pytest.raises(services.Locked) as exc:
        services.authenticate_password(identifier=user.username, password=WRONG, ip="10.0.0.9")
    assert exc.value.status == 429 and exc.value.message == "登录失败次数过多，已临时锁定，请15分钟后再试"
    assert audit_actions(seq) == ["accounts.login.failure"] * 3 + ["accounts.login.lockout"]
    # Now no identifier of the account signs in, not even with the right password.
    for identifier in (mobile(1), id_number(1), user.username):
        seq = last_seq()
        with pytest.raises(services.Locked):
            services.authenticate_password(identifier=identifier, password=PASSWORD)
        assert audit_actions(seq) == ["accounts.login.failure"]
    assert LoginAttempt.objects.filter(success=True).count() == 0
    # Another account is not affected.
    other = person(2)
    assert services.authenticate_password(identifier=mobile(2), password=PASSWORD) == other


def test_sms_sign_in_counts_towards_the_same_account_lockout(max3, sms):
    user = person(1, level=2)
    for identifier in (id_number(1), user.username):
        with pytest.raises(services.AuthenticationFailed):
            services.authenticate_password(identifier=identifier, password=WRONG)
    with pytest.raises(InvalidInput):  # the third failure, by SMS code
        services.authenticate_sms(mobile=mobile(1), code="000000")
    sms(mobile(1))
    code = gateways.outbox(mobile(1))[-1].split("验证码是")[1][:6]
    with pytest.raises(services.Locked):
        services.authenticate_sms(mobile=mobile(1), code=code)
    assert OneTimeCode.objects.get().consumed_at is None  # the code was not even checked


def test_an_unknown_identifier_locks_after_as_many_tries_with_the_same_answers(max3):
    person(1)
    answers = {}
    for identifier in (mobile(1), mobile(9)):  # a known and an unknown number
        seen = []
        for _ in range(4):
            try:
                services.authenticate_password(identifier=identifier, password=WRONG)
            except (services.AuthenticationFailed, services.Locked) as exc:
                seen.append((exc.status, exc.code, exc.message))
        answers[identifier] = seen
    assert answers[mobile(1)] == answers[mobile(9)]
    assert [s[0] for s in answers[mobile(9)]] == [401, 401, 429, 429]


def test_workers_share_the_lockout_through_redis(max3, settings, redis_workers):
    """Each attempt through another worker's cache client (a real Redis): three guesses for
    the account in all, not three per worker."""
    workers = [redis_workers(), redis_workers()]
    user = person(1, level=2)
    answers = []
    for i, identifier in enumerate((mobile(1), id_number(1), user.username, mobile(1))):
        settings.RATELIMIT_CACHE = workers[i % 2]
        try:
            services.authenticate_password(identifier=identifier, password=WRONG)
        except (services.AuthenticationFailed, services.Locked) as exc:
            answers.append(exc.status)
    assert answers == [401, 401, 429, 429]
    settings.RATELIMIT_CACHE = workers[1]
    with pytest.raises(services.Locked):
        services.authenticate_password(identifier=mobile(1), password=PASSWORD)
    settings.RATELIMIT_CACHE = "default"
    assert services.authenticate_password(identifier=mobile(1), password=PASSWORD) == user  # nothing local


def test_a_success_clears_the_account_count(max3):
    user = person(1, level=2)
    for identifier in (id_number(1), user.username):
        with pytest.raises(services.AuthenticationFailed):
            services.authenticate_password(identifier=identifier, password=WRONG)
    assert services.authenticate_password(identifier=mobile(1), password=PASSWORD) == user
    for identifier in (id_number(1), user.username):  # counting starts again
        with pytest.raises(services.AuthenticationFailed):
            services.authenticate_password(identifier=identifier, password=WRONG)


# --- The staff second factor ------------------------------------------------------------------


def test_totp_step_locks_the_account_after_max_failures(max3, later):
    clerk = staff("clerk", "window_clerk")
    other = staff("other", "window_clerk")
    seq = last_seq()
    for _ in range(2):
        with pytest.raises(InvalidInput):
            services.verify_totp(user=clerk, code=_wrong_totp(), ip="10.0.0.3")
    with pytest.raises(services.Locked) as exc:  # the third wrong code locks
        services.verify_totp(user=clerk, code=_wrong_totp(), ip="10.0.0.3")
    assert exc.value.status == 429 and exc.value.message == "动态口令错误次数过多，已临时锁定，请15分钟后再试"
    assert audit_actions(seq) == ["accounts.login.failure"] * 3 + ["accounts.login.lockout"]
    # Locked: even the right code is refused, and changes nothing but the refusal record.
    seq = last_seq()
    with pytest.raises(services.Locked):
        services.verify_totp(user=clerk, code=pyotp.TOTP(SECRET).now())
    assert audit_actions(seq) == ["accounts.login.failure"]
    assert not LoginAttempt.objects.filter(method="totp", success=True).exists()
    services.verify_totp(user=other, code=pyotp.TOTP(SECRET).now())  # per account
    later(15 * 60 + 1)
    services.verify_totp(user=clerk, code=pyotp.TOTP(SECRET).at(timezone.now()))
    assert LoginAttempt.objects.filter(method="totp", success=True).count() == 2


def test_totp_page_answers_429_in_chinese_when_locked(client, max3):
    staff("clerk", "window_clerk")
    client.post("/accounts/login/", {"mode": "password", "identifier": "clerk", "password": PASSWORD})
    statuses = [client.post("/accounts/login/totp/", {"code": _wrong_totp()}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    locked = client.post("/accounts/login/totp/", {"code": pyotp.TOTP(SECRET).now()})
    assert locked.status_code == 429 and "请15分钟后再试" in locked.content.decode()
    assert "_auth_user_id" not in client.session


# --- SMS codes --------------------------------------------------------------------------------


def test_sms_codes_are_limited_per_number(sms, settings):
    settings.SMS_RATE_PER_NUMBER = "2/1h"
    sms(mobile(1), "login")
    sms(mobile(1), "register")  # another purpose, the same number
    seq = last_seq()
    with pytest.raises(TooManyRequests) as exc:
        sms(mobile(1), "consent")
    assert exc.value.status == 429 and exc.value.message == "验证码发送过于频繁，请60分钟后再试"
    assert audit_actions(seq) == ["accounts.sms.refused"]
    assert len(gateways.outbox(mobile(1))) == 2 and OneTimeCode.objects.count() == 2
    sms(mobile(2), "login")  # another number is not affected


def test_sms_codes_are_limited_per_client_address(sms, settings):
    settings.SMS_RATE_PER_ADDRESS = "2/10m"
    sms(mobile(1), ip="10.1.1.1")
    sms(mobile(2), ip="10.1.1.1")
    with pytest.raises(TooManyRequests) as exc:
        sms(mobile(3), ip="10.1.1.1")
    assert exc.value.message == "验证码发送过于频繁，请10分钟后再试"
    assert gateways.outbox(mobile(3)) == [] and OneTimeCode.objects.count() == 2
    sms(mobile(3), ip="10.1.1.2")  # another address
    assert len(gateways.outbox(mobile(3))) == 1


def test_sms_codes_are_limited_overall(sms, settings):
    settings.SMS_RATE_GLOBAL = "3/1m"
    for n in (1, 2, 3):
        sms(mobile(n), ip=f"10.2.0.{n}")
    with pytest.raises(TooManyRequests) as exc:
        sms(mobile(4), ip="10.2.0.4")
    assert exc.value.message == "验证码发送过于频繁，请1分钟后再试"
    assert OneTimeCode.objects.count() == 3


def test_the_sms_page_says_when_to_try_again(client, settings):
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    settings.SMS_RATE_PER_ADDRESS = "1/1h"
    assert client.post("/accounts/login/code/", {"mobile": mobile(1)}).status_code == 200
    refused = client.post("/accounts/login/code/", {"mobile": mobile(2)})
    assert refused.status_code == 429 and "请60分钟后再试" in refused.content.decode()


# --- Real-name verification -----------------------------------------------------------------


def _verify(c: Client, n: int, *, right: bool = False):
    return c.post("/accounts/me/verify/", {"name": name(n) if right else "冒名", "id_number": id_number(n)})


def test_real_name_verification_is_limited_per_account(settings):
    settings.VERIFY_RATE_PER_ACCOUNT = "3/1h"
    user = person(1)
    c = Client()
    c.force_login(user)
    assert [_verify(c, n).status_code for n in (1, 2, 3)] == [400, 400, 400]
    seq = last_seq()
    refused = _verify(c, 1, right=True)  # even the right name and number
    assert refused.status_code == 429 and "实名认证尝试次数过多，请60分钟后再试" in refused.content.decode()
    assert audit_actions(seq) == ["accounts.realname.refused"]
    user.refresh_from_db()
    assert user.assurance_level == 1 and user.id_number_index is None


def test_real_name_verification_is_limited_per_client_address(settings):
    settings.VERIFY_RATE_PER_ADDRESS = "2/1h"
    clients = []
    for n in (1, 2, 3):
        c = Client(REMOTE_ADDR="10.3.0.1")
        c.force_login(person(n))
        clients.append(c)
    assert _verify(clients[0], 1).status_code == 400
    assert _verify(clients[1], 2).status_code == 400
    assert _verify(clients[2], 3, right=True).status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.3.0.2")
    elsewhere.force_login(person(4))
    assert _verify(elsewhere, 4, right=True).status_code == 302
