"""Sign-in: passwords (by username, mobile or ID number), lockout without account enumeration,
SMS one-time codes, TOTP for staff, and the real login views' second-factor step."""

from __future__ import annotations

import datetime as dt
import time

import pyotp
import pytest
from django.core.cache import cache
from django.utils import timezone

from tongban.accounts import gateways, services
from tongban.accounts.models import LoginAttempt, OneTimeCode
from tongban.core.errors import InvalidInput
from tongban.core.ratelimit import TooManyRequests

from .services_support import (
    PASSWORD,
    SYSTEM,
    audit_actions,
    id_number,
    last_seq,
    mobile,
    outbox_sms_fixture,  # noqa: F401 - the outbox_sms fixture
    person,
    staff,
)

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXP" + "A" * 16  # the one services_support.staff() enrols


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def max3(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15


@pytest.fixture
def later(monkeypatch):
    """Move the clock of the cache and the rate limits `seconds` ahead."""
    real = time.time

    def move(seconds: int) -> None:
        monkeypatch.setattr(time, "time", lambda: real() + seconds)

    return move


def _code(mobile_number: str) -> str:
    return gateways.outbox(mobile_number)[-1].split("验证码是")[1][:6]


# --- Passwords ------------------------------------------------------------------------------------


def test_password_sign_in_by_username_mobile_or_id_number():
    citizen = person(1, level=2)
    clerk = staff("clerk", "window_clerk")
    for identifier, user in (
        (mobile(1), citizen),
        (id_number(1), citizen),
        (id_number(1).lower(), citizen),
        ("clerk", clerk),
    ):
        seq = last_seq()
        assert services.authenticate_password(identifier=identifier, password=PASSWORD, ip="10.0.0.1") == user
        assert audit_actions(seq) == ["accounts.login.success"]
    assert LoginAttempt.objects.filter(success=True).count() == 4
    assert set(LoginAttempt.objects.filter(user=clerk).values_list("reason", flat=True)) == {"password_step"}


def test_unknown_account_and_wrong_password_look_the_same():
    person(1)
    errors = []
    for identifier, password in ((mobile(1), "Wrong-pass-2026"), (mobile(2), PASSWORD), ("nobody", PASSWORD)):
        with pytest.raises(services.AuthenticationFailed) as exc:
            services.authenticate_password(identifier=identifier, password=password)
        errors.append((type(exc.value), exc.value.status, exc.value.code, exc.value.message))
    assert errors[0] == errors[1] == errors[2]
    assert errors[0][1:] == (401, "authentication_failed", services.BAD_CREDENTIALS)
    assert LoginAttempt.objects.filter(success=False, reason="bad_credentials").count() == 3


def test_a_walk_in_without_password_cannot_sign_in_with_one():
    from .services_support import name, registered

    clerk = staff("clerk", "window_clerk")
    registered(5)
    services.do_register_walk_in(actor=clerk, name=name(5), id_number=id_number(5))
    with pytest.raises(services.AuthenticationFailed):
        services.authenticate_password(identifier=id_number(5), password="!")


@pytest.mark.parametrize("known", [True, False])
def test_lockout_after_max_failures(max3, known, later):
    user = person(1)
    identifier = mobile(1) if known else mobile(7)
    seq = last_seq()
    for _ in range(2):
        with pytest.raises(services.AuthenticationFailed):
            services.authenticate_password(identifier=identifier, password="Wrong-pass-2026")
    with pytest.raises(services.Locked) as exc:  # the third failure locks
        services.authenticate_password(identifier=identifier, password="Wrong-pass-2026")
    assert exc.value.status == 429 and "15分钟" in exc.value.message
    assert audit_actions(seq) == ["accounts.login.failure"] * 3 + ["accounts.login.lockout"]
    # Locked: even the right password is refused, and nothing is checked.
    seq = last_seq()
    with pytest.raises(services.Locked):
        services.authenticate_password(identifier=identifier, password=PASSWORD)
    assert audit_actions(seq) == ["accounts.login.failure"]
    assert LoginAttempt.objects.filter(reason="locked").count() == 1
    with pytest.raises(services.Locked):
        services.check_not_locked(identifier)
    # The account is the unit: its other identifiers are locked too (an unknown identifier
    # locks only itself).
    other = id_number(1) if known else mobile(1)
    if known:
        services.do_verify_real_name(actor=user, user=user, name=user.display_name, id_number=id_number(1))
        with pytest.raises(services.Locked):
            services.check_not_locked(other)
    else:
        services.check_not_locked(other)
    # After the lockout window the account signs in again.
    later(16 * 60)
    if known:
        assert services.authenticate_password(identifier=identifier, password=PASSWORD) == user


def test_a_success_resets_the_failure_count(max3):
    user = person(1)
    for _ in range(2):
        with pytest.raises(services.AuthenticationFailed):
            services.authenticate_password(identifier=mobile(1), password="Wrong-pass-2026")
    assert services.authenticate_password(identifier=mobile(1), password=PASSWORD) == user
    with pytest.raises(services.AuthenticationFailed):  # counting starts again: not locked
        services.authenticate_password(identifier=mobile(1), password="Wrong-pass-2026")


def test_empty_input_is_invalid_not_a_failure():
    for identifier, password in (("", PASSWORD), ("someone", "")):
        with pytest.raises(InvalidInput):
            services.authenticate_password(identifier=identifier, password=password)
    assert LoginAttempt.objects.count() == 0


# --- SMS codes ------------------------------------------------------------------------------------


def test_sms_code_signs_in_once(outbox_sms):
    user = person(1)
    assert outbox_sms(mobile(1), "login") == services.SMS_SENT
    code = _code(mobile(1))
    assert OneTimeCode.objects.get().code_hash != code and code not in str(OneTimeCode.objects.values().get())
    assert services.authenticate_sms(mobile=mobile(1), code=code) == user
    with pytest.raises(InvalidInput):  # single use
        services.authenticate_sms(mobile=mobile(1), code=code)


def test_sms_code_expires(outbox_sms):
    person(1)
    outbox_sms(mobile(1), "login")
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(InvalidInput) as exc:
        services.authenticate_sms(mobile=mobile(1), code=_code(mobile(1)))
    assert services.BAD_CODE in exc.value.message


def test_sms_code_wrong_attempts_are_limited(outbox_sms, settings):
    settings.LOGIN_MAX_FAILURES = 100  # isolate the per-code limit from the account lockout
    person(1)
    outbox_sms(mobile(1), "login")
    code = _code(mobile(1))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(InvalidInput):
            services.authenticate_sms(mobile=mobile(1), code=wrong)
    assert OneTimeCode.objects.get().attempts == 5
    with pytest.raises(InvalidInput):  # the right code no longer works
        services.authenticate_sms(mobile=mobile(1), code=code)
    assert LoginAttempt.objects.filter(method="sms", success=False).count() == 6


def test_sms_send_is_throttled_and_a_new_code_replaces_the_old(outbox_sms, later):
    person(1)
    outbox_sms(mobile(1), "login")
    first = _code(mobile(1))
    with pytest.raises(TooManyRequests) as exc:
        outbox_sms(mobile(1), "login")
    assert exc.value.status == 429 and exc.value.message.startswith("验证码发送过于频繁，请")
    assert len(gateways.outbox(mobile(1))) == 1
    outbox_sms(mobile(1), "register")  # another purpose: its own one-a-minute limit
    later(61)
    outbox_sms(mobile(1), "login")
    second = _code(mobile(1))
    if second != first:
        with pytest.raises(InvalidInput):
            services.authenticate_sms(mobile=mobile(1), code=first)
    assert services.authenticate_sms(mobile=mobile(1), code=second).mobile_masked == "138****0001"


def test_sms_for_an_unknown_number_says_the_same_and_signs_nobody_in(outbox_sms):
    assert outbox_sms(mobile(5), "login") == services.SMS_SENT
    with pytest.raises(InvalidInput) as exc:
        services.authenticate_sms(mobile=mobile(5), code=_code(mobile(5)))
    assert services.BAD_CODE in exc.value.message
    with pytest.raises(InvalidInput):
        outbox_sms(mobile(5), "spam")


def test_sms_lockout(outbox_sms, max3):
    person(1)
    for _ in range(3):
        with pytest.raises(InvalidInput):
            services.authenticate_sms(mobile=mobile(1), code="000000")
    with pytest.raises(services.Locked):
        services.authenticate_sms(mobile=mobile(1), code="000000")


# --- TOTP -----------------------------------------------------------------------------------------


def test_totp_verifies_once_per_code(settings):
    settings.TOTP_MAX_FAILURES = 10  # the lockout is tested on its own
    clerk = staff("clerk", "window_clerk")
    code = pyotp.TOTP(SECRET).now()
    seq = last_seq()
    services.verify_totp(user=clerk, code=code, ip="10.0.0.2")
    assert audit_actions(seq) == ["accounts.login.second_factor"]
    seq = last_seq()
    with pytest.raises(InvalidInput):  # replay
        services.verify_totp(user=clerk, code=code)
    assert audit_actions(seq) == ["accounts.login.failure"]
    for bad in ("", "12345", "abcdef", f"{(int(code) + 1) % 10**6:06d}"):
        with pytest.raises(InvalidInput):
            services.verify_totp(user=clerk, code=bad)
    assert LoginAttempt.objects.filter(method="totp", success=False, reason="bad_totp").count() == 5


def test_totp_enrolment_confirms_with_the_first_code():
    user = services.do_upsert_staff(
        actor=SYSTEM, username="newbie", password=PASSWORD, display_name="新人", roles=["inspector"]
    )
    assert services.needs_second_factor(user) and not user.totp_secret_enc
    uri = services.do_start_totp_enrolment(actor=user, user=user, secret=SECRET)
    assert uri.startswith("otpauth://totp/") and SECRET in uri
    user.refresh_from_db()
    assert user.totp_confirmed_at is None and SECRET not in user.totp_secret_enc
    services.verify_totp(user=user, code=pyotp.TOTP(SECRET).now())
    user.refresh_from_db()
    assert user.totp_confirmed_at is not None


# --- The login views ----------------------------------------------------------------------------


def _login(client, identifier):
    return client.post(
        "/accounts/login/", {"mode": "password", "identifier": identifier, "password": PASSWORD}
    )


def test_staff_password_alone_gives_no_session(client):
    staff("clerk", "window_clerk")
    response = _login(client, "clerk")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/totp/")
    me = client.get("/accounts/me/")
    assert me.status_code == 302 and me.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/login/totp/", {"code": "000000"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    done = client.post("/accounts/login/totp/", {"code": pyotp.TOTP(SECRET).now()})
    assert done.status_code == 302
    assert client.get("/accounts/me/").status_code == 200


def test_staff_without_totp_enrols_on_first_sign_in(client):
    user = services.do_upsert_staff(
        actor=SYSTEM, username="newbie", password=PASSWORD, display_name="新人", roles=["inspector"]
    )
    response = _login(client, "newbie")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/totp/enrol/")
    page = client.get(response.url)
    assert page.status_code == 200
    user.refresh_from_db()
    secret = services.totp_secret(user)
    assert secret and secret in page.content.decode()
    assert client.get("/accounts/me/").status_code == 302
    done = client.post("/accounts/login/totp/enrol/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert client.get("/accounts/me/").status_code == 200
    user.refresh_from_db()
    assert user.totp_confirmed_at is not None


def test_citizen_signs_in_with_password_alone(client):
    person(1)
    response = _login(client, mobile(1))
    assert response.status_code == 302
    assert client.get("/accounts/me/").status_code == 200


def test_login_view_gives_the_same_answer_for_unknown_and_wrong(client):
    person(1)
    a = client.post("/accounts/login/", {"identifier": mobile(1), "password": "Wrong-pass-2026"})
    b = client.post("/accounts/login/", {"identifier": mobile(2), "password": "Wrong-pass-2026"})
    assert a.status_code == b.status_code == 401
    assert services.BAD_CREDENTIALS in a.content.decode() and services.BAD_CREDENTIALS in b.content.decode()
