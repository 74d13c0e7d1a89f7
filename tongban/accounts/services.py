"""Account writes (统一身份认证): registration, real-name verification, sign-in, second factor,
mandates for legal persons, consents for helpers, the acting context, staff roles.

Every write takes `actor=` and records an audit event in the same transaction. A refused
attempt (wrong password, a mismatch against the population register, an agent outside its
scope) changes nothing and is recorded in the audit chain in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tongban.core import audit
from tongban.core.crypto import blind_index, constant_time_equal, decrypt_personal, encrypt_personal, sm3_hex
from tongban.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import (
    check_credit_code,
    check_resident_id,
    is_mobile,
    mask_mobile,
    mask_resident_id,
    normalize,
)

from .enums import (
    AccountKind,
    ActingKind,
    AssuranceLevel,
    ConsentMethod,
    HelperRelation,
    LegalPersonKind,
    LoginMethod,
    MandateRole,
    StaffRole,
)
from .models import (
    AgentConsent,
    DeviceSession,
    LegalPerson,
    LegalPersonRecord,
    LoginAttempt,
    Mandate,
    PopulationRecord,
    SmsCode,
    User,
)

BAD_CREDENTIALS = "账号或密码错误"
LOCKED = "登录失败次数过多，账号已临时锁定，请{minutes}分钟后再试"
BAD_CODE = "验证码错误或已过期"
SMS_SENT = "如该手机号可以接收，验证码已发送，5分钟内有效"


class Locked(DomainError):
    code = "locked"
    status = 429
    default_message = "登录失败次数过多，请稍后再试"


class AuthenticationFailed(DomainError):
    code = "authentication_failed"
    status = 401
    default_message = BAD_CREDENTIALS


# --- Helpers -----------------------------------------------------------------------------


def record_refusal(*, actor: Any, action: str, data: dict, obj: Any = None) -> None:
    """Record a refused attempt in the audit chain, outside the refused write's transaction."""
    with transaction.atomic():
        audit.record(actor=actor, action=action, obj=obj, data=data)


def check_id_number(value: str, *, field: str = "id_number") -> str:
    v = normalize(value)
    result = check_resident_id(v)
    if not result.ok:
        raise InvalidInput.field(field, f"身份证号码无效：{result.reason}")
    return v


def check_mobile(value: str, *, field: str = "mobile") -> str:
    v = (value or "").strip()
    if not is_mobile(v):
        raise InvalidInput.field(field, "请输入11位中国大陆手机号码")
    return v


def check_new_password(password: str, *, user: User | None = None, field: str = "password") -> None:
    try:
        validate_password(password or "", user=user)
    except ValidationError as exc:
        raise InvalidInput.field(field, "；".join(exc.messages)) from exc


def _set_id_number(user: User, id_number: str) -> None:
    user.id_number_enc = encrypt_personal(id_number)
    user.id_number_index = blind_index(id_number, purpose="id")
    user.id_number_masked = mask_resident_id(id_number)


def _set_mobile(user: User, mobile: str) -> None:
    user.mobile_enc = encrypt_personal(mobile)
    user.mobile_index = blind_index(mobile, purpose="mobile")
    user.mobile_masked = mask_mobile(mobile)


def _new_username(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def reveal_id_number(user: User) -> str:
    """The clear ID number, for the few places that must hand it on (never logged)."""
    return decrypt_personal(user.id_number_enc) if user.id_number_enc else ""


# --- Registers (人口库, 法人库) ---------------------------------------------------------------


def do_upsert_population_record(
    *, actor, name: str, id_number: str, birthplace: str = ""
) -> PopulationRecord:
    id_number = check_id_number(id_number)
    index = blind_index(id_number, purpose="id")
    with transaction.atomic():
        record, created = PopulationRecord.objects.update_or_create(
            id_number_index=index,
            defaults={
                "name": name.strip(),
                "id_number_enc": encrypt_personal(id_number),
                "id_number_masked": mask_resident_id(id_number),
                "sex": "M" if int(id_number[16]) % 2 else "F",
                "birth_date": dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
                "birthplace": birthplace or id_number[:6],
            },
        )
        if created:
            audit.record(actor=actor, action="accounts.population.create", obj=record, data={})
    return record


def do_upsert_legal_person_record(
    *,
    actor,
    credit_code: str,
    name: str,
    kind: str,
    legal_rep_name: str,
    legal_rep_id_number: str,
    region_code: str = "",
    established: dt.date | None = None,
) -> LegalPersonRecord:
    code = normalize(credit_code)
    if not check_credit_code(code).ok:
        raise InvalidInput.field("credit_code", "统一社会信用代码无效")
    rep_id = check_id_number(legal_rep_id_number, field="legal_rep_id_number")
    with transaction.atomic():
        record, created = LegalPersonRecord.objects.update_or_create(
            credit_code=code,
            defaults={
                "name": name,
                "kind": LegalPersonKind(kind).value,
                "legal_rep_name": legal_rep_name,
                "legal_rep_id_index": blind_index(rep_id, purpose="id"),
                "region_code": region_code or code[2:8],
                "established": established,
            },
        )
        if created:
            audit.record(
                actor=actor, action="accounts.legal_register.create", obj=record, data={"credit_code": code}
            )
    return record


def _population_matches(name: str, id_number: str) -> bool:
    record = PopulationRecord.objects.filter(id_number_index=blind_index(id_number, purpose="id")).first()
    return record is not None and record.name == name.strip()


# --- Registration and real-name verification ---------------------------------------------


def do_register_person(
    *, actor, mobile: str, password: str, display_name: str = "", sms_code: str | None = None
) -> User:
    """Sign-up with a mobile number (L1). With `sms_code` the code must match (portal sign-up);
    without it the caller has already proven the number (seeding, tests)."""
    mobile = check_mobile(mobile)
    check_new_password(password)
    if sms_code is not None:
        _consume_sms_code(mobile=mobile, purpose="register", code=sms_code)
    user = User(username=_new_username("p"), kind=AccountKind.PERSON, display_name=display_name.strip())
    _set_mobile(user, mobile)
    user.password = make_password(password)
    try:
        with transaction.atomic():
            user.save()
            audit.record(
                actor=actor if actor is not None else user,
                action="accounts.person.register",
                obj=user,
                data={},
            )
    except IntegrityError as exc:
        # Same wording as a fresh sign-up would never show: the number is taken. Sign-up is the one
        # place that must say so; it is rate-limited by the SMS code it requires.
        raise InvalidInput.field("mobile", "该手机号已注册，请直接登录或找回密码") from exc
    return user


def do_verify_real_name(*, actor, user: User, name: str, id_number: str) -> User:
    """L2: name + ID number checked against the population register."""
    id_number = check_id_number(id_number)
    if not _population_matches(name, id_number):
        record_refusal(actor=actor, action="accounts.realname.refused", obj=user, data={"reason": "mismatch"})
        raise InvalidInput.field("id_number", "姓名与身份证号码不匹配，请核对后重试")
    return _apply_verification(
        actor=actor, user=user, name=name, id_number=id_number, level=AssuranceLevel.L2
    )


def do_verify_in_person(*, actor, user: User, name: str, id_number: str) -> User:
    """L3: a clerk has seen the person and their ID card at a service hall."""
    require_role(actor, StaffRole.WINDOW_CLERK)
    id_number = check_id_number(id_number)
    if not _population_matches(name, id_number):
        record_refusal(
            actor=actor, action="accounts.realname.refused", obj=user, data={"reason": "mismatch", "level": 3}
        )
        raise InvalidInput.field("id_number", "姓名与身份证号码不匹配，请核对后重试")
    return _apply_verification(
        actor=actor, user=user, name=name, id_number=id_number, level=AssuranceLevel.L3
    )


def _apply_verification(*, actor, user: User, name: str, id_number: str, level: int) -> User:
    index = blind_index(id_number, purpose="id")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.id_number_index and user.id_number_index != index:
            raise Conflict("该账号已绑定其他身份证号码")
        if User.objects.filter(id_number_index=index).exclude(pk=user.pk).exists():
            raise Conflict("该身份证号码已绑定其他账号，请找回原账号或到窗口办理")
        _set_id_number(user, id_number)
        user.display_name = name.strip()
        user.assurance_level = max(user.assurance_level, level)
        user.verified_at = timezone.now()
        user.verified_by = actor if getattr(actor, "kind", None) == AccountKind.STAFF else None
        user.save()
        audit.record(actor=actor, action="accounts.realname.verify", obj=user, data={"level": int(level)})
    return user


def do_register_walk_in(*, actor, name: str, id_number: str, mobile: str = "") -> User:
    """A clerk registers a walk-in applicant seen face to face (L3), or finds the existing account."""
    require_role(actor, StaffRole.WINDOW_CLERK)
    id_number = check_id_number(id_number)
    if mobile:
        mobile = check_mobile(mobile)
    existing = find_person_by_id_number(id_number)
    if existing is not None:
        return do_verify_in_person(actor=actor, user=existing, name=name, id_number=id_number)
    if mobile and User.objects.filter(mobile_index=blind_index(mobile, purpose="mobile")).exists():
        # Never bind an ID number to an account on the strength of a mobile number: if it is the
        # applicant's own account, they sign in and verify; otherwise the number is someone else's.
        raise InvalidInput.field(
            "mobile", "该手机号码已被其他账号使用：如是本人账号，请本人登录后完成实名认证；否则请不填或更换"
        )
    if not _population_matches(name, id_number):
        record_refusal(
            actor=actor, action="accounts.realname.refused", data={"reason": "mismatch", "level": 3}
        )
        raise InvalidInput.field("id_number", "姓名与身份证号码不匹配，请核对后重试")
    user = User(username=_new_username("p"), kind=AccountKind.PERSON, display_name=name.strip())
    user.set_unusable_password()
    _set_id_number(user, id_number)
    if mobile:
        _set_mobile(user, mobile)
    user.assurance_level = AssuranceLevel.L3
    user.verified_at = timezone.now()
    user.verified_by = actor
    try:
        with transaction.atomic():
            user.save()
            audit.record(actor=actor, action="accounts.person.register_walk_in", obj=user, data={"level": 3})
    except IntegrityError as exc:  # registered a moment ago at another window
        raise Conflict("该身份证号码或手机号码刚刚已被登记，请重新查找") from exc
    return user


def access_person_by_id_number(*, actor, id_number: str) -> User | None:
    """A clerk looks a person up by ID number at the window; the lookup itself is recorded so the
    person can see who used their data."""
    require_role(actor, StaffRole.WINDOW_CLERK)
    id_number = check_id_number(id_number)
    person = find_person_by_id_number(id_number)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="accounts.person.lookup",
            obj=person,
            object_type="" if person else "accounts.user",
            data={"found": person is not None},
        )
    return person


def find_person_by_id_number(id_number: str) -> User | None:
    return User.objects.filter(id_number_index=blind_index(normalize(id_number), purpose="id")).first()


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


def _recent_failures(index: str) -> int:
    since = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    last_success = (
        LoginAttempt.objects.filter(identifier_index=index, success=True, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    qs = LoginAttempt.objects.filter(identifier_index=index, success=False, at__gte=last_success or since)
    return qs.count()


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
    if _recent_failures(_identifier_index(identifier)) >= settings.LOGIN_MAX_FAILURES:
        raise Locked(LOCKED.format(minutes=settings.LOGIN_LOCKOUT_MINUTES))


def authenticate_password(
    *, identifier: str, password: str, ip: str | None = None, user_agent: str = ""
) -> User:
    """Password sign-in by username, mobile or ID number. Unknown accounts and wrong passwords
    get the same message and both count towards the lockout of what was typed."""
    if not (identifier or "").strip():
        raise InvalidInput.field("identifier", "请输入账号")
    if not password:
        raise InvalidInput.field("password", "请输入密码")
    index = _identifier_index(identifier)
    if _recent_failures(index) >= settings.LOGIN_MAX_FAILURES:
        _log_attempt(
            index=index,
            user=None,
            method=LoginMethod.PASSWORD,
            success=False,
            reason="locked",
            ip=ip,
            user_agent=user_agent,
        )
        raise Locked(LOCKED.format(minutes=settings.LOGIN_LOCKOUT_MINUTES))
    user = _find_login_user(identifier)
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
        if _recent_failures(index) >= settings.LOGIN_MAX_FAILURES:
            with transaction.atomic():
                audit.record(
                    actor="anonymous", action="accounts.login.lockout", obj=user, data={"ip": ip or ""}
                )
            raise Locked(LOCKED.format(minutes=settings.LOGIN_LOCKOUT_MINUTES))
        raise AuthenticationFailed(BAD_CREDENTIALS)
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


# --- SMS one-time codes -------------------------------------------------------------------


def sms_gateway():
    return import_string(settings.SMS_GATEWAY)()


def _code_hash(mobile_index: str, code: str) -> str:
    return sm3_hex(f"{mobile_index}:{code}".encode())


def do_send_sms_code(*, mobile: str, purpose: str) -> str:
    """Send a 6-digit code. The answer never says whether an account exists; at most one code a
    minute per number and purpose."""
    mobile = check_mobile(mobile)
    if purpose not in {"login", "register", "consent"}:
        raise InvalidInput.field("purpose", "未知的验证码用途")
    index = blind_index(mobile, purpose="mobile")
    throttle = f"sms:{index}:{purpose}"
    if not cache.add(throttle, 1, timeout=60):
        raise Conflict("验证码发送过于频繁，请1分钟后再试")
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        SmsCode.objects.filter(mobile_index=index, purpose=purpose, consumed_at__isnull=True).update(
            consumed_at=now
        )
        SmsCode.objects.create(
            mobile_index=index,
            purpose=purpose,
            code_hash=_code_hash(index, code),
            expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        transaction.on_commit(
            lambda: sms_gateway().send(
                mobile, f"【通办】您的验证码是{code}，5分钟内有效。如非本人操作请忽略。"
            )
        )
    return SMS_SENT


def _consume_sms_code(*, mobile: str, purpose: str, code: str) -> None:
    index = blind_index(mobile, purpose="mobile")
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(
                mobile_index=index, purpose=purpose, consumed_at__isnull=True, expires_at__gt=timezone.now()
            )
            .order_by("-created_at")
            .first()
        )
        if sms is None or sms.attempts >= 5:
            raise InvalidInput.field("code", BAD_CODE)
        ok = constant_time_equal(sms.code_hash, _code_hash(index, (code or "").strip()))
        if ok:
            SmsCode.objects.filter(pk=sms.pk).update(consumed_at=timezone.now())
        else:
            # Counted outside the refusal: raising inside this block would roll the count back.
            SmsCode.objects.filter(pk=sms.pk).update(attempts=sms.attempts + 1)
    if not ok:
        raise InvalidInput.field("code", BAD_CODE)


def authenticate_sms(*, mobile: str, code: str, ip: str | None = None, user_agent: str = "") -> User:
    mobile = check_mobile(mobile)
    index = _identifier_index(mobile)
    if _recent_failures(index) >= settings.LOGIN_MAX_FAILURES:
        raise Locked(LOCKED.format(minutes=settings.LOGIN_LOCKOUT_MINUTES))
    try:
        _consume_sms_code(mobile=mobile, purpose="login", code=code)
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
        raise
    user = _find_login_user(mobile)
    if user is None:
        _log_attempt(
            index=index,
            user=None,
            method=LoginMethod.SMS,
            success=False,
            reason="bad_code",
            ip=ip,
            user_agent=user_agent,
        )
        raise InvalidInput.field("code", BAD_CODE)
    _log_attempt(
        index=index, user=user, method=LoginMethod.SMS, success=True, reason="", ip=ip, user_agent=user_agent
    )
    return user


# --- TOTP (staff second factor) --------------------------------------------------------------


def totp_secret(user: User) -> str:
    return decrypt_personal(user.totp_secret_enc) if user.totp_secret_enc else ""


def do_start_totp_enrolment(*, actor, user: User, secret: str | None = None) -> str:
    """A new (unconfirmed) secret; returns the otpauth:// URI for the authenticator app."""
    secret = secret or pyotp.random_base32()
    with transaction.atomic():
        user.totp_secret_enc = encrypt_personal(secret)
        user.totp_confirmed_at = None
        user.save(update_fields=["totp_secret_enc", "totp_confirmed_at"])
        audit.record(actor=actor, action="accounts.totp.enrol", obj=user, data={})
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=settings.TOTP_ISSUER)


def verify_totp(*, user: User, code: str, ip: str | None = None, user_agent: str = "") -> None:
    """Check a TOTP code (±1 step), refusing a code used before (replay)."""
    secret = totp_secret(user)
    code = (code or "").strip()
    index = _identifier_index(user.username)
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
        raise InvalidInput.field("code", "动态口令错误或已使用")
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


# --- Staff and roles ----------------------------------------------------------------------------


def require_role(actor, role: str) -> None:
    from .queries import has_role

    if not has_role(actor, role):
        raise Forbidden("您没有此操作所需的岗位权限")


@transaction.atomic
def do_upsert_staff(
    *,
    actor,
    username: str,
    password: str,
    display_name: str,
    roles: list[str],
    department_id: int | None = None,
    superuser: bool = False,
    totp_secret: str | None = None,
) -> User:
    """Create or update a staff account with the given roles (idempotent, for seeding and admin)."""
    user, created = User.objects.get_or_create(username=username, defaults={"kind": AccountKind.STAFF})
    user.kind = AccountKind.STAFF
    user.display_name = display_name
    user.department_id = department_id
    user.is_staff = True
    user.is_superuser = superuser
    if created or not user.has_usable_password():
        user.set_password(password)
    if totp_secret and not user.totp_secret_enc:
        user.totp_secret_enc = encrypt_personal(totp_secret)
        user.totp_confirmed_at = timezone.now()
    user.save()
    groups = [Group.objects.get_or_create(name=StaffRole(r).value)[0] for r in roles]
    before = set(user.groups.values_list("name", flat=True))
    user.groups.set(groups)
    audit.record(
        actor=actor,
        action="accounts.staff." + ("create" if created else "update"),
        obj=user,
        data={"roles": sorted(roles), "department": department_id},
    )
    if before != {g.name for g in groups} and not created:
        audit.record(
            actor=actor,
            action="accounts.staff.roles",
            obj=user,
            data={"before": sorted(before), "after": sorted(roles)},
        )
    return user


def do_set_staff_roles(*, actor, user_id: int, roles: list[str]) -> User:
    """A platform administrator (or a department administrator for their own department)
    changes a staff member's roles."""
    from .queries import has_role

    try:
        wanted = sorted({StaffRole(r).value for r in roles})
    except ValueError as exc:
        raise InvalidInput.field("roles", "未知的岗位") from exc
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, kind=AccountKind.STAFF).first()
        if user is None:
            raise NotFound("没有找到该工作人员")
        platform = has_role(actor, StaffRole.PLATFORM_ADMIN)
        own_dept = has_role(actor, StaffRole.DEPARTMENT_ADMIN) and actor.department_id == user.department_id
        if not (platform or own_dept) or (StaffRole.PLATFORM_ADMIN in wanted and not platform):
            raise Forbidden("您没有权限调整该人员的岗位")
        before = sorted(user.groups.values_list("name", flat=True))
        user.groups.set([Group.objects.get_or_create(name=r)[0] for r in wanted])
        audit.record(
            actor=actor, action="accounts.staff.roles", obj=user, data={"before": before, "after": wanted}
        )
    return user


# --- Legal persons and mandates (法人与经办人) -----------------------------------------------------


def do_claim_legal_person(*, actor: User, credit_code: str) -> Mandate:
    """A real-name-verified person whom the legal-person register names as legal representative
    links the enterprise to their account."""
    code = normalize(credit_code)
    if not check_credit_code(code).ok:
        raise InvalidInput.field("credit_code", "统一社会信用代码无效")
    if actor.assurance_level < AssuranceLevel.L2:
        raise Forbidden("请先完成实名认证")
    record = LegalPersonRecord.objects.filter(credit_code=code).first()
    if record is None or record.legal_rep_id_index != actor.id_number_index:
        record_refusal(actor=actor, action="accounts.legal_person.claim_refused", data={"credit_code": code})
        raise InvalidInput.field("credit_code", "法人库中该单位的法定代表人不是您，无法关联")
    with transaction.atomic():
        lp, _ = LegalPerson.objects.update_or_create(
            credit_code=code,
            defaults={
                "name": record.name,
                "kind": record.kind,
                "legal_rep_name": record.legal_rep_name,
                "legal_rep_id_index": record.legal_rep_id_index,
            },
        )
        mandate = Mandate.objects.filter(
            legal_person=lp, user=actor, role=MandateRole.LEGAL_REP, revoked_at__isnull=True
        ).first()
        if mandate is None:
            mandate = Mandate.objects.create(
                legal_person=lp, user=actor, role=MandateRole.LEGAL_REP, all_items=True, granted_by=actor
            )
            audit.record(
                actor=actor, action="accounts.mandate.legal_rep", obj=mandate, data={"credit_code": code}
            )
    return mandate


def _check_scope(all_items: bool, item_codes: list[str]) -> list[str]:
    codes = sorted({c.strip() for c in item_codes or [] if c and c.strip()})
    if not all_items and not codes:
        raise InvalidInput.field("item_codes", "请选择授权的事项，或授权全部事项")
    bad = [c for c in codes if not c.isalnum() or len(c) > 50]
    if bad:
        raise InvalidInput.field("item_codes", f"事项编码格式不正确：{bad[0]}")
    return [] if all_items else codes


def _check_expiry(expires_at: dt.datetime | None, *, required: bool) -> None:
    if expires_at is None:
        if required:
            raise InvalidInput.field("expires_at", "请填写授权有效期")
        return
    if expires_at <= timezone.now():
        raise InvalidInput.field("expires_at", "有效期必须晚于当前时间")
    if expires_at > timezone.now() + dt.timedelta(days=366 * 3):
        raise InvalidInput.field("expires_at", "授权有效期最长3年")


def do_grant_mandate(
    *,
    actor: User,
    legal_person_id: int,
    agent_name: str,
    agent_id_number: str,
    all_items: bool,
    item_codes: list[str] | None = None,
    expires_at: dt.datetime,
) -> Mandate:
    """The legal representative authorises an agent (经办人)."""
    codes = _check_scope(all_items, item_codes or [])
    _check_expiry(expires_at, required=True)
    id_number = check_id_number(agent_id_number, field="agent_id_number")
    with transaction.atomic():
        rep = (
            Mandate.objects.filter(
                legal_person_id=legal_person_id,
                user=actor,
                role=MandateRole.LEGAL_REP,
                revoked_at__isnull=True,
            )
            .select_related("legal_person")
            .first()
        )
        if rep is None:
            raise Forbidden("只有法定代表人可以授权经办人")
        agent = find_person_by_id_number(id_number)
        if (
            agent is None
            or agent.display_name != agent_name.strip()
            or agent.assurance_level < AssuranceLevel.L2
        ):
            raise InvalidInput.field(
                "agent_id_number", "未找到该姓名和身份证号码对应的实名用户，请对方先注册并完成实名认证"
            )
        if agent.pk == actor.pk:
            raise InvalidInput.field("agent_id_number", "不能授权自己")
        mandate = Mandate.objects.create(
            legal_person=rep.legal_person,
            user=agent,
            role=MandateRole.AGENT,
            all_items=all_items,
            item_codes=codes,
            expires_at=expires_at,
            granted_by=actor,
        )
        audit.record(
            actor=actor,
            action="accounts.mandate.grant",
            obj=mandate,
            data={
                "credit_code": rep.legal_person.credit_code,
                "all_items": all_items,
                "items": codes,
                "expires_at": expires_at,
            },
        )
    return mandate


def do_revoke_mandate(*, actor: User, mandate_id: int) -> Mandate:
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().filter(pk=mandate_id, revoked_at__isnull=True).first()
        if mandate is None:
            raise NotFound("没有找到该授权")
        is_rep = Mandate.objects.filter(
            legal_person_id=mandate.legal_person_id,
            user=actor,
            role=MandateRole.LEGAL_REP,
            revoked_at__isnull=True,
        ).exists()
        if mandate.role == MandateRole.LEGAL_REP or not (is_rep or mandate.user_id == actor.pk):
            raise Forbidden("您不能撤销该授权")
        mandate.revoked_at = timezone.now()
        mandate.revoked_by = actor
        mandate.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor=actor, action="accounts.mandate.revoke", obj=mandate, data={})
    return mandate


# --- Helpers for people (帮办代办) -----------------------------------------------------------------


def do_record_consent(
    *,
    actor: User,
    principal: User,
    agent_name: str,
    agent_id_number: str,
    relation: str,
    all_items: bool,
    item_codes: list[str] | None = None,
    expires_at: dt.datetime,
    consent_method: str,
    consent_note: str = "",
) -> AgentConsent:
    """The principal grants consent online, or a clerk records consent given at a hall."""
    from .queries import has_role

    try:
        relation = HelperRelation(relation).value
    except ValueError as exc:
        raise InvalidInput.field("relation", "请选择与被代办人的关系") from exc
    try:
        consent_method = ConsentMethod(consent_method).value
    except ValueError as exc:
        raise InvalidInput.field("consent_method", "请选择同意方式") from exc
    if actor.pk == principal.pk:
        if consent_method != ConsentMethod.ONLINE:
            raise InvalidInput.field("consent_method", "本人在线授权的同意方式为“本人在线授权”")
    elif not has_role(actor, StaffRole.WINDOW_CLERK) or consent_method == ConsentMethod.ONLINE:
        raise Forbidden("只有本人或窗口人员可以登记代办授权")
    codes = _check_scope(all_items, item_codes or [])
    _check_expiry(expires_at, required=True)
    id_number = check_id_number(agent_id_number, field="agent_id_number")
    agent = find_person_by_id_number(id_number)
    if agent is None or agent.display_name != agent_name.strip():
        raise InvalidInput.field("agent_id_number", "未找到该姓名和身份证号码对应的实名用户")
    if agent.pk == principal.pk:
        raise InvalidInput.field("agent_id_number", "不能授权自己")
    with transaction.atomic():
        consent = AgentConsent.objects.create(
            principal=principal,
            agent=agent,
            relation=relation,
            all_items=all_items,
            item_codes=codes,
            expires_at=expires_at,
            consent_method=consent_method,
            consent_note=consent_note[:200],
            recorded_by=actor,
        )
        audit.record(
            actor=actor,
            action="accounts.consent.grant",
            obj=consent,
            data={
                "principal": principal.pk,
                "agent": agent.pk,
                "all_items": all_items,
                "items": codes,
                "expires_at": expires_at,
                "method": consent_method,
            },
        )
    return consent


def do_revoke_consent(*, actor: User, consent_id: int) -> AgentConsent:
    with transaction.atomic():
        consent = (
            AgentConsent.objects.select_for_update().filter(pk=consent_id, revoked_at__isnull=True).first()
        )
        if consent is None or actor.pk not in (consent.principal_id, consent.agent_id):
            raise NotFound("没有找到该代办授权")
        consent.revoked_at = timezone.now()
        consent.revoked_by = actor
        consent.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor=actor, action="accounts.consent.revoke", obj=consent, data={})
    return consent


# --- Acting context (身份切换) ---------------------------------------------------------------------


def do_switch_acting(*, actor: User, kind: str, target_id: int | None = None) -> dict:
    """Switch who the person acts as: themselves, an enterprise they hold a mandate for, or a
    person who consented to their help. Refused (and recorded) when the grant is not valid now."""
    from .queries import valid_consent, valid_mandate

    try:
        kind = ActingKind(kind).value
    except ValueError as exc:
        raise InvalidInput.field("kind", "未知的办事身份") from exc
    if kind == ActingKind.SELF:
        acting = {"kind": "self"}
    elif kind == ActingKind.ENTERPRISE:
        if valid_mandate(actor, target_id) is None:
            record_refusal(
                actor=actor, action="accounts.acting.refused", data={"kind": kind, "target": target_id}
            )
            raise Forbidden("该企业授权不存在、已撤销或已过期")
        acting = {"kind": "enterprise", "mandate": target_id}
    else:
        if valid_consent(actor, target_id) is None:
            record_refusal(
                actor=actor, action="accounts.acting.refused", data={"kind": kind, "target": target_id}
            )
            raise Forbidden("该代办授权不存在、已撤销或已过期")
        acting = {"kind": "principal", "consent": target_id}
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(acting=acting)
        actor.acting = acting
        audit.record(actor=actor, action="accounts.acting.switch", obj=actor, data=acting)
    return acting


def check_may_act_for(*, actor: User, item_code: str) -> dict:
    """Before an agent acts on an item: the current acting context must cover it now.
    Returns the context {"kind", "principal_id" | "legal_person_id"}; refusals are recorded."""
    from .queries import valid_consent, valid_mandate

    acting = actor.acting or {"kind": "self"}
    if acting.get("kind") == "enterprise":
        grant = valid_mandate(actor, acting.get("mandate"))
        if grant is not None and (grant.all_items or item_code in grant.item_codes):
            return {"kind": "enterprise", "legal_person_id": grant.legal_person_id, "agent_id": actor.pk}
    elif acting.get("kind") == "principal":
        grant = valid_consent(actor, acting.get("consent"))
        if grant is not None and (grant.all_items or item_code in grant.item_codes):
            return {"kind": "principal", "principal_id": grant.principal_id, "agent_id": actor.pk}
    else:
        return {"kind": "self", "principal_id": actor.pk}
    record_refusal(actor=actor, action="accounts.acting.refused", data={"acting": acting, "item": item_code})
    raise Forbidden("当前代办或经办授权不包含该事项，或已过期、已撤销")
