"""Account writes (统一身份认证): the registers, registration and real-name verification, staff
and roles. Sign-in lives in `signin`, acting for others in `grants`, the notification e-mail
address and message delivery in `notifications`; this module re-exports their writes so other
apps keep one entry point, `accounts.services`.

Every write takes `actor=` and records an audit event in the same transaction. A refused
attempt (wrong password, a mismatch against the population register, an agent outside its
scope) changes nothing and is recorded in the audit chain in its own transaction.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.core import audit, ratelimit
from tongban.core.crypto import blind_index
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import check_credit_code, mask_resident_id, normalize, resident_id_sex

from .checks import (
    check_id_number,
    check_mobile,
    check_new_password,
    find_person_by_id_number,
    new_username,
    record_refusal,
    require_role,
    reveal_id_number,
    set_id_number,
    set_mobile,
)
from .enums import PLATFORM_WIDE_ROLES, AccountKind, AssuranceLevel, LegalPersonKind, StaffRole
from .grants import (  # re-exported: the app's public writes
    check_may_act_for,
    do_claim_legal_person,
    do_grant_mandate,
    do_record_consent,
    do_register_new_legal_person,
    do_revoke_consent,
    do_revoke_mandate,
    do_switch_acting,
    follow_legal_register,
)
from .models import POPULATION_ID_NUMBER, USER_TOTP_SECRET, LegalPersonRecord, PopulationRecord, User
from .notifications import (  # re-exported: the app's public writes
    do_confirm_email,
    do_remove_email,
    do_send_email_code,
    notify_by_sms,
    notify_contact_mobile,
    notify_user,
)
from .signin import (  # re-exported: the app's public writes
    BAD_CODE,
    BAD_CREDENTIALS,
    LOCKED,
    SMS_SENT,
    AuthenticationFailed,
    Locked,
    authenticate_password,
    authenticate_sms,
    check_not_locked,
    consume_sms_code,
    do_end_device_session,
    do_note_logout,
    do_send_sms_code,
    do_start_device_session,
    do_start_totp_enrolment,
    needs_second_factor,
    sms_gateway,
    totp_secret,
    verify_totp,
)

__all__ = [
    "BAD_CODE",
    "BAD_CREDENTIALS",
    "LOCKED",
    "SMS_SENT",
    "AuthenticationFailed",
    "Locked",
    "access_person",
    "access_person_by_id_number",
    "authenticate_password",
    "authenticate_sms",
    "check_id_number",
    "check_may_act_for",
    "check_mobile",
    "check_new_password",
    "check_not_locked",
    "consume_sms_code",
    "do_bulk_create_staff",
    "do_claim_legal_person",
    "do_confirm_email",
    "do_create_staff",
    "do_end_device_session",
    "do_grant_mandate",
    "do_note_logout",
    "do_record_consent",
    "do_register_new_legal_person",
    "do_register_person",
    "do_register_walk_in",
    "do_remove_email",
    "do_revoke_consent",
    "do_revoke_mandate",
    "do_send_email_code",
    "do_send_sms_code",
    "do_set_staff_roles",
    "do_start_device_session",
    "do_start_totp_enrolment",
    "do_switch_acting",
    "do_upsert_legal_person_record",
    "do_upsert_population_record",
    "do_upsert_staff",
    "do_verify_in_person",
    "do_verify_real_name",
    "find_person_by_id_number",
    "needs_second_factor",
    "notify_by_sms",
    "notify_contact_mobile",
    "notify_user",
    "record_refusal",
    "require_role",
    "reveal_id_number",
    "sms_gateway",
    "totp_secret",
    "verify_totp",
]

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
                "id_number_enc": POPULATION_ID_NUMBER.encrypt(id_number, id_number_index=index),
                "id_number_masked": mask_resident_id(id_number),
                "sex": resident_id_sex(id_number),
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
        previous = (
            LegalPersonRecord.objects.select_for_update()
            .filter(credit_code=code)
            .values_list("legal_rep_id_index", "name")
            .first()
        )
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
        elif previous != (record.legal_rep_id_index, record.name):
            audit.record(
                actor=actor,
                action="accounts.legal_register.update",
                obj=record,
                data={"credit_code": code, "legal_rep_changed": previous[0] != record.legal_rep_id_index},
            )
            follow_legal_register(actor=actor, record=record)
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
        consume_sms_code(mobile=mobile, purpose="register", code=sms_code)
    user = User(username=new_username("p"), kind=AccountKind.PERSON, display_name=display_name.strip())
    set_mobile(user, mobile)
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


def do_verify_real_name(*, actor, user: User, name: str, id_number: str, ip: str | None = None) -> User:
    """L2: name + ID number checked against the population register. Each check of the
    register counts towards VERIFY_RATE_PER_ACCOUNT (this account) and VERIFY_RATE_PER_ADDRESS
    (the caller's address, when given): the register is not an oracle to be walked."""
    id_number = check_id_number(id_number)
    _check_verify_rates(actor=actor, user=user, ip=ip)
    if not _population_matches(name, id_number):
        record_refusal(actor=actor, action="accounts.realname.refused", obj=user, data={"reason": "mismatch"})
        raise InvalidInput.field("id_number", "姓名与身份证号码不匹配，请核对后重试")
    return _apply_verification(
        actor=actor, user=user, name=name, id_number=id_number, level=AssuranceLevel.L2
    )


def _check_verify_rates(*, actor, user: User, ip: str | None) -> None:
    limits = [(ratelimit.Rate.setting("VERIFY_RATE_PER_ACCOUNT", name="verify-account"), str(user.pk))]
    if ip:
        limits.append((ratelimit.Rate.setting("VERIFY_RATE_PER_ADDRESS", name="verify-address"), ip))
    for rate, key in limits:
        try:
            ratelimit.check(rate, key, message="实名认证尝试次数过多")
        except ratelimit.TooManyRequests:
            record_refusal(
                actor=actor,
                action="accounts.realname.refused",
                obj=user,
                data={"reason": "rate_limited", "limit": rate.name, "ip": ip or ""},
            )
            raise


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
        set_id_number(user, id_number)
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
    user = User(username=new_username("p"), kind=AccountKind.PERSON, display_name=name.strip())
    user.set_unusable_password()
    set_id_number(user, id_number)
    if mobile:
        set_mobile(user, mobile)
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


def access_person(*, actor, person_id: int) -> User:
    """A clerk opens a person's page by id (after a lookup, or from a link): recorded like the
    lookup itself, so the person can see who used their data. NotFound for anything else."""
    require_role(actor, StaffRole.WINDOW_CLERK)
    person = User.objects.filter(pk=person_id, kind=AccountKind.PERSON).first()
    if person is None:
        raise NotFound("没有找到该办事人")
    with transaction.atomic():
        audit.record(actor=actor, action="accounts.person.view", obj=person, data={})
    return person


# --- Staff and roles ----------------------------------------------------------------------------


def _role_change(actor, user: User, *, before: set[str], wanted: set[str]) -> tuple[str, list[str]]:
    """(why `actor` may not change `user`'s roles, or ""; the roles `user` ends with).
    Platform administrators change anyone's. A department administrator changes the staff of
    their own department (so of its region), never a platform administrator's roles, and never
    grants a platform-wide role (PLATFORM_WIDE_ROLES), not even to themselves: the platform-wide
    roles a member holds stay as they are."""
    from .queries import has_role

    if has_role(actor, StaffRole.PLATFORM_ADMIN):
        return "", sorted(wanted)
    if not has_role(actor, StaffRole.DEPARTMENT_ADMIN) or not actor.department_id:
        return "not_admin", []
    if actor.department_id != user.department_id:
        return "other_department", []
    if StaffRole.PLATFORM_ADMIN in before or (wanted - before) & PLATFORM_WIDE_ROLES:
        return "platform_wide", []
    return "", sorted((wanted - PLATFORM_WIDE_ROLES) | (before & PLATFORM_WIDE_ROLES))


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
        USER_TOTP_SECRET.encrypt_into(user, totp_secret)
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


def do_bulk_create_staff(*, actor, accounts: list[dict], password: str) -> list[str]:
    """Create many new staff accounts in a few statements (demo seeding: thousands of them).
    Each dict: username, display_name, roles, department_id, and optionally totp_secret (then
    confirmed, as `do_upsert_staff` does). Usernames that exist are left alone. `password` is
    hashed once for all. Every creation is audited (accounts.staff.create), as one batch.
    Returns the usernames created."""
    try:
        for a in accounts:
            for r in a["roles"]:
                StaffRole(r)
    except ValueError as exc:
        raise InvalidInput.field("roles", "未知的岗位") from exc
    with transaction.atomic(), audit.batch():
        existing = set(
            User.objects.filter(username__in=[a["username"] for a in accounts]).values_list(
                "username", flat=True
            )
        )
        fresh = [a for a in accounts if a["username"] not in existing]
        if not fresh:
            return []
        password_hash, now = make_password(password), timezone.now()
        users = []
        for a in fresh:
            user = User(
                username=a["username"],
                kind=AccountKind.STAFF,
                display_name=a["display_name"],
                department_id=a.get("department_id"),
                is_staff=True,
                password=password_hash,
            )
            if a.get("totp_secret"):
                USER_TOTP_SECRET.encrypt_into(user, a["totp_secret"])
                user.totp_confirmed_at = now
            users.append(user)
        User.objects.bulk_create(users, batch_size=500)
        ids = dict(
            User.objects.filter(username__in=[a["username"] for a in fresh]).values_list("username", "pk")
        )
        groups = {r: Group.objects.get_or_create(name=r)[0].pk for a in fresh for r in a["roles"]}
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=ids[a["username"]], group_id=groups[r]) for a in fresh for r in a["roles"]],
            batch_size=1000,
        )
        for user, a in zip(users, fresh, strict=True):
            user.pk = ids[a["username"]]
            audit.record(
                actor=actor,
                action="accounts.staff.create",
                obj=user,
                data={"roles": sorted(a["roles"]), "department": a.get("department_id")},
            )
    return [a["username"] for a in fresh]


def do_create_staff(
    *, actor, department_id: int, username: str, display_name: str, roles: list[str]
) -> tuple[User, str]:
    """An administrator creates a staff account at a body within their reach
    (`queries.departments_in_reach`): returns the account and its one-time initial password,
    shown once to the administrator to hand over. The account has no second factor yet: at the
    first sign-in the person enrols their own TOTP authenticator (login_views.totp_enrol_view),
    so no administrator ever holds it. A department administrator grants no platform-wide
    role. Outside the reach: NotFound (the body's existence is not confirmed), nothing written,
    the attempt audited. Every creation is audited (accounts.staff.create)."""
    import re
    import secrets

    from .queries import departments_in_reach, has_role

    if not (has_role(actor, StaffRole.PLATFORM_ADMIN) or has_role(actor, StaffRole.DEPARTMENT_ADMIN)):
        raise Forbidden("只有平台管理员和部门管理员可以创建工作人员账号")
    username = (username or "").strip().lower()
    display_name = " ".join((display_name or "").split())
    if not re.fullmatch(r"[a-z][a-z0-9._-]{2,39}", username):
        raise InvalidInput.field("username", "用户名为3至40位小写字母、数字、点、下划线或连字符，以字母开头")
    if not 2 <= len(display_name) <= 40:
        raise InvalidInput.field("display_name", "请填写2至40字的姓名")
    try:
        wanted = sorted({StaffRole(r).value for r in roles})
    except ValueError as exc:
        raise InvalidInput.field("roles", "未知的岗位") from exc
    if not wanted:
        raise InvalidInput.field("roles", "请至少选择一个岗位")
    if (
        not (has_role(actor, StaffRole.PLATFORM_ADMIN) or actor.is_superuser)
        and set(wanted) & PLATFORM_WIDE_ROLES
    ):
        raise InvalidInput.field("roles", "全省性岗位只能由平台管理员授予")
    if not departments_in_reach(actor).filter(pk=department_id).exists():
        record_refusal(
            actor=actor,
            action="accounts.staff.create_refused",
            obj=None,
            data={"department": department_id, "reason": "out_of_reach"},
        )
        raise NotFound("没有找到该部门，或该部门不在您的管理范围内")
    if User.objects.filter(username=username).exists():
        raise InvalidInput.field("username", "该用户名已被使用，请换一个")
    initial = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User(username=username, kind=AccountKind.STAFF, display_name=display_name, is_staff=True)
        user.department_id = department_id
        user.set_password(initial)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:  # taken meanwhile by a concurrent creation
            raise InvalidInput.field("username", "该用户名已被使用，请换一个") from exc
        user.groups.set([Group.objects.get_or_create(name=r)[0] for r in wanted])
        audit.record(
            actor=actor,
            action="accounts.staff.create",
            obj=user,
            data={"roles": wanted, "department": department_id, "initial_credential": "one_time_password"},
        )
    return user, initial


def do_set_staff_roles(*, actor, user_id: int, roles: list[str]) -> User:
    """A platform administrator (or a department administrator for their own department, and
    not the platform-wide roles) changes a staff member's roles; a refusal is audited."""
    try:
        wanted = sorted({StaffRole(r).value for r in roles})
    except ValueError as exc:
        raise InvalidInput.field("roles", "未知的岗位") from exc
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, kind=AccountKind.STAFF).first()
        if user is None:
            raise NotFound("没有找到该工作人员")
        before = sorted(user.groups.values_list("name", flat=True))
        refusal, after = _role_change(actor, user, before=set(before), wanted=set(wanted))
        if not refusal:
            user.groups.set([Group.objects.get_or_create(name=r)[0] for r in after])
            audit.record(
                actor=actor, action="accounts.staff.roles", obj=user, data={"before": before, "after": after}
            )
            return user
    record_refusal(  # nothing was written; the attempt is on record
        actor=actor,
        action="accounts.staff.roles_refused",
        obj=user,
        data={"before": before, "wanted": wanted, "reason": refusal},
    )
    detail = "：全省性岗位只能由平台管理员授予" if refusal == "platform_wide" else ""
    raise Forbidden("您没有权限调整该人员的岗位" + detail)
