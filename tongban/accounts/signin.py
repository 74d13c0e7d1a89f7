"""Sign-in (登录): password or SMS code, lockout without account enumeration, the staff second
factor (TOTP), and the devices a person is signed in on.

Lockout (锁定) counts on the shared cache (`core.ratelimit`), so every worker sees the same
counts. Every attempt is counted before the password or code is checked (so concurrent guesses
cannot pass the limit together) and a success clears the counts. Two counters guard a password
or SMS sign-in: one per typed identifier (its blind index: unknown accounts lock exactly like
known ones, so the answer says nothing about existence) and one per account (so the mobile,
the username and the ID number of one person share LOGIN_MAX_FAILURES guesses, not five each).
The staff second factor (TOTP) has its own per-account counter (TOTP_MAX_FAILURES)."""

from __future__ import annotations

import datetime as dt

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tongban.core import audit, ratelimit
from tongban.core.crypto import blind_index, constant_time_equal
from tongban.core.errors import DomainError, InvalidInput, NotFound
from tongban.core.identifiers import check_resident_id, is_mobile, normalize

from . import codes, gateways
from .checks import check_mobile, record_refusal
from .codes import BAD_CODE
from .enums import AccountKind, LoginMethod
from .models import USER_TOTP_SECRET, DeviceSession, LoginAttempt, User

BAD_CREDENTIALS = "账号或密码错误"
LOCKED = "登录失败次数过多，已临时锁定，{wait}"
TOTP_LOCKED = "动态口令错误次数过多，已临时锁定，{wait}"
SMS_TOO_MANY = "验证码发送过于频繁"
SMS_SENT = "如该手机号可以接收，验证码已发送，5分钟内有效"


class Locked(DomainError):
    code = "locked"
    status = 429
    default_message = "登录失败次数过多，请稍后再试"


class AuthenticationFailed(DomainError):
    code = "authentication_failed"
    status = 401
    default_message = BAD_CREDENTIALS


# --- Sign-in ------------------------------------------------------------------------------


def _identifier_index(identifier: str) -> str:
    return blind_index(identifier.strip(), purpose="login")


def _find_login_user(identifier: str) -> User | None:
    ident = identifier.strip()
    if is_mobile(ident):
        return User.objects.filter(mobile_index=blind_index(ident, purpose="mobile"), is_active=True).first()
    if len(ident) == 18 and check_resident_id(normalize(ident)).ok:
        return User.objects.filter(
            id_number_index=blind_index(normalize(ident), purpose="id"), is_active=True
        ).first()
    return User.objects.filter(username=ident, is_active=True).first()


# The counters (names of `ratelimit.Rate`s): per typed identifier, per account, per account's
# second factor. Each allows LOGIN_MAX_FAILURES (TOTP_MAX_FAILURES) attempts in
# LOGIN_LOCKOUT_MINUTES from the first failure.
BY_IDENTIFIER = "login-identifier"
BY_ACCOUNT = "login-account"
BY_TOTP = "login-totp"


def _rate(name: str) -> ratelimit.Rate:
    count = settings.TOTP_MAX_FAILURES if name == BY_TOTP else settings.LOGIN_MAX_FAILURES
    return ratelimit.Rate(name=name, count=count, window=settings.LOGIN_LOCKOUT_MINUTES * 60)


def _locked(outcome: ratelimit.Outcome, text: str = LOCKED) -> Locked:
    return Locked(text.format(wait=ratelimit.wait_text(outcome.retry_after)))


def _count_attempt(index: str, user: User | None) -> list[ratelimit.Outcome]:
    """Count one attempt against the typed identifier and (when known) the account; the first
    refused outcome comes first."""
    outcomes = [ratelimit.hit(_rate(BY_IDENTIFIER), index)]
    if user is not None:
        outcomes.append(ratelimit.hit(_rate(BY_ACCOUNT), str(user.pk)))
    return sorted(outcomes, key=lambda o: o.allowed)


def _clear_counts(index: str, user: User) -> None:
    ratelimit.reset(_rate(BY_IDENTIFIER), index)
    ratelimit.reset(_rate(BY_ACCOUNT), str(user.pk))


def _record_lockout(*, user: User | None, ip, step: str) -> None:
    record_refusal(
        actor="anonymous", action="accounts.login.lockout", obj=user, data={"ip": ip or "", "step": step}
    )


def _log_attempt(
    *, index: str, user: User | None, method: str, success: bool, reason: str, ip, user_agent
) -> None:
    with transaction.atomic():
        LoginAttempt.objects.create(
            identifier_index=index,
            user=user,
            method=method,
            success=success,
            reason=reason,
            ip=ip or None,
            user_agent=(user_agent or "")[:200],
        )
        audit.record(
            actor=user if user is not None else "anonymous",
            action="accounts.login." + ("success" if success else "failure"),
            obj=user,
            data={"method": method, "reason": reason, "ip": ip or ""},
        )


def check_not_locked(identifier: str) -> None:
    """Raise Locked when a sign-in with this identifier would be refused now (counts nothing)."""
    states = [ratelimit.peek(_rate(BY_IDENTIFIER), _identifier_index(identifier))]
    user = _find_login_user(identifier)
    if user is not None:
        states.append(ratelimit.peek(_rate(BY_ACCOUNT), str(user.pk)))
    for state in states:
        if not state.allowed:
            raise _locked(state)


def authenticate_password(
    *, identifier: str, password: str, ip: str | None = None, user_agent: str = ""
) -> User:
    """Password sign-in by username, mobile or ID number. Unknown accounts and wrong passwords
    get the same message and both count towards the lockout of what was typed; a known
    account's failures also count towards the account, whichever identifier was typed."""
    if not (identifier or "").strip():
        raise InvalidInput.field("identifier", "请输入账号")
    if not password:
        raise InvalidInput.field("password", "请输入密码")
    index = _identifier_index(identifier)
    user = _find_login_user(identifier)
    outcomes = _count_attempt(index, user)
    if not outcomes[0].allowed:  # locked: nothing is checked
        _log_attempt(
            index=index,
            user=None,
            method=LoginMethod.PASSWORD,
            success=False,
            reason="locked",
            ip=ip,
            user_agent=user_agent,
        )
        raise _locked(outcomes[0])
    if user is None:
        make_password(password)  # the same work as a real check: no timing oracle
        ok = False
    else:
        ok = user.has_usable_password() and check_password(password, user.password)
    if not ok:
        _log_attempt(
            index=index,
            user=user,
            method=LoginMethod.PASSWORD,
            success=False,
            reason="bad_credentials",
            ip=ip,
            user_agent=user_agent,
        )
        used_up = [o for o in outcomes if o.remaining == 0]
        if used_up:  # this attempt was the last allowed
            _record_lockout(user=user, ip=ip, step="password")
            raise _locked(max(used_up, key=lambda o: o.retry_after))
        raise AuthenticationFailed(BAD_CREDENTIALS)
    _clear_counts(index, user)
    _log_attempt(
        index=index,
        user=user,
        method=LoginMethod.PASSWORD,
        success=True,
        reason="" if not user.is_staff else "password_step",
        ip=ip,
        user_agent=user_agent,
    )
    return user


def needs_second_factor(user: User) -> bool:
    """Staff must use a second factor (TOTP)."""
    return user.kind == AccountKind.STAFF or user.is_staff


# --- SMS one-time codes (stored and checked by `codes`) ------------------------------------------


def sms_gateway():
    return gateways.gateway(gateways.SMS)


def do_send_sms_code(*, mobile: str, purpose: str, ip: str | None = None) -> str:
    """Send a 6-digit code. The answer never says whether an account exists. Limits:
    SMS_RATE_PER_ADDRESS (the caller's address, when given), one code a minute per number and
    purpose, SMS_RATE_PER_NUMBER and SMS_RATE_GLOBAL; a refusal is audited
    (accounts.sms.refused, naming the limit) and says when to try again."""
    mobile = check_mobile(mobile)
    if purpose not in {"login", "register", "consent"}:
        raise InvalidInput.field("purpose", "未知的验证码用途")
    index = blind_index(mobile, purpose="mobile")
    # Checked in this order, so that a refused request uses up as little as possible of what
    # others share: one address's flood stops before it spends the numbers' and the global
    # budget, and requests to a number that is at its limit never spend the global one.
    limits = []
    if ip:
        limits.append((ratelimit.Rate.setting("SMS_RATE_PER_ADDRESS", name="sms-address"), ip))
    limits.append((codes.INTERVAL, f"sms:{index}:{purpose}"))
    limits.append((ratelimit.Rate.setting("SMS_RATE_PER_NUMBER", name="sms-number"), index))
    limits.append((ratelimit.Rate.setting("SMS_RATE_GLOBAL", name="sms-global"), "all"))
    for rate, key in limits:
        try:
            ratelimit.check(rate, key, message=SMS_TOO_MANY)
        except ratelimit.TooManyRequests:
            record_refusal(
                actor="anonymous",
                action="accounts.sms.refused",
                data={"limit": rate.name, "purpose": purpose, "ip": ip or ""},
            )
            raise
    with transaction.atomic():
        code = codes.issue_code(
            purpose=purpose, target_index=index, ttl_seconds=settings.SMS_CODE_TTL_SECONDS
        )
        transaction.on_commit(
            lambda: sms_gateway().send(
                mobile, f"【通办】您的验证码是{code}，5分钟内有效。如非本人操作请忽略。"
            )
        )
    return SMS_SENT


def consume_sms_code(*, mobile: str, purpose: str, code: str) -> None:
    codes.consume_code(purpose=purpose, target_index=blind_index(mobile, purpose="mobile"), code=code)


def authenticate_sms(*, mobile: str, code: str, ip: str | None = None, user_agent: str = "") -> User:
    """SMS sign-in; counts towards the same lockouts as a password typed with this number."""
    mobile = check_mobile(mobile)
    index = _identifier_index(mobile)
    user = _find_login_user(mobile)
    outcomes = _count_attempt(index, user)
    if not outcomes[0].allowed:
        _log_attempt(
            index=index,
            user=None,
            method=LoginMethod.SMS,
            success=False,
            reason="locked",
            ip=ip,
            user_agent=user_agent,
        )
        raise _locked(outcomes[0])
    try:
        consume_sms_code(mobile=mobile, purpose="login", code=code)
        if user is None:
            raise InvalidInput.field("code", BAD_CODE)
    except InvalidInput:
        _log_attempt(
            index=index,
            user=None,
            method=LoginMethod.SMS,
            success=False,
            reason="bad_code",
            ip=ip,
            user_agent=user_agent,
        )
        if any(o.remaining == 0 for o in outcomes):
            _record_lockout(user=user, ip=ip, step="sms")
        raise
    _clear_counts(index, user)
    _log_attempt(
        index=index, user=user, method=LoginMethod.SMS, success=True, reason="", ip=ip, user_agent=user_agent
    )
    return user


# --- TOTP (staff second factor) --------------------------------------------------------------


def totp_secret(user: User) -> str:
    return USER_TOTP_SECRET.read(user)


def do_start_totp_enrolment(*, actor, user: User, secret: str | None = None) -> str:
    """A new (unconfirmed) secret; returns the otpauth:// URI for the authenticator app."""
    secret = secret or pyotp.random_base32()
    with transaction.atomic():
        USER_TOTP_SECRET.encrypt_into(user, secret)
        user.totp_confirmed_at = None
        user.save(update_fields=["totp_secret_enc", "totp_confirmed_at"])
        audit.record(actor=actor, action="accounts.totp.enrol", obj=user, data={})
    return totp_uri(user, secret)


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app scans (issuer from TOTP_ISSUER)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=settings.TOTP_ISSUER)


def verify_totp(*, user: User, code: str, ip: str | None = None, user_agent: str = "") -> None:
    """Check a TOTP code (±1 step), refusing a code used before (replay). At most
    TOTP_MAX_FAILURES wrong codes per account in LOGIN_LOCKOUT_MINUTES; the one that uses up
    the tries locks the step (audited as accounts.login.lockout, step "totp")."""
    secret = totp_secret(user)
    code = (code or "").strip()
    index = _identifier_index(user.username)
    outcome = ratelimit.hit(_rate(BY_TOTP), str(user.pk))
    if not outcome.allowed:
        _log_attempt(
            index=index,
            user=user,
            method=LoginMethod.TOTP,
            success=False,
            reason="locked",
            ip=ip,
            user_agent=user_agent,
        )
        raise _locked(outcome, TOTP_LOCKED)
    ok = False
    if secret and code.isdigit() and len(code) == 6:
        totp = pyotp.TOTP(secret)
        now = timezone.now()
        for offset in (-1, 0, 1):
            at = now + dt.timedelta(seconds=30 * offset)
            if constant_time_equal(totp.at(at), code):
                step = int(at.timestamp()) // 30
                ok = cache.add(f"totp-used:{user.pk}:{step}", 1, timeout=120)
                break
    if not ok:
        _log_attempt(
            index=index,
            user=user,
            method=LoginMethod.TOTP,
            success=False,
            reason="bad_totp",
            ip=ip,
            user_agent=user_agent,
        )
        if outcome.remaining == 0:
            _record_lockout(user=user, ip=ip, step="totp")
            raise _locked(outcome, TOTP_LOCKED)
        raise InvalidInput.field("code", "动态口令错误或已使用")
    ratelimit.reset(_rate(BY_TOTP), str(user.pk))
    with transaction.atomic():
        if user.totp_confirmed_at is None:
            User.objects.filter(pk=user.pk).update(totp_confirmed_at=timezone.now())
            user.totp_confirmed_at = timezone.now()
        LoginAttempt.objects.create(
            identifier_index=index,
            user=user,
            method=LoginMethod.TOTP,
            success=True,
            ip=ip or None,
            user_agent=(user_agent or "")[:200],
        )
        audit.record(actor=user, action="accounts.login.second_factor", obj=user, data={"ip": ip or ""})


# --- Device sessions ------------------------------------------------------------------------


# --- Device sessions ------------------------------------------------------------------------


def do_start_device_session(
    *, user: User, session_key: str, method: str, ip: str | None, user_agent: str
) -> DeviceSession:
    with transaction.atomic():
        return DeviceSession.objects.create(
            user=user,
            session_key=session_key,
            method=method,
            ip=ip or None,
            user_agent=(user_agent or "")[:200],
        )


def do_end_device_session(*, actor: User, device_session_id: int) -> None:
    from django.contrib.sessions.models import Session

    with transaction.atomic():
        device = (
            DeviceSession.objects.select_for_update()
            .filter(pk=device_session_id, user=actor, ended_at__isnull=True)
            .first()
        )
        if device is None:
            raise NotFound("没有找到该登录设备")
        device.ended_at = timezone.now()
        device.save(update_fields=["ended_at"])
        Session.objects.filter(session_key=device.session_key).delete()
        audit.record(actor=actor, action="accounts.session.end", obj=device, data={})


def do_note_logout(*, user: User, session_key: str | None) -> None:
    with transaction.atomic():
        if session_key:
            DeviceSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
                ended_at=timezone.now()
            )
        audit.record(actor=user, action="accounts.logout", obj=user, data={})
