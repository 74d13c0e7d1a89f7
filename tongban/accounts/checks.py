"""Checks and small helpers the account services share: identifier validation, role checks,
refusals recorded in the audit chain, and the encrypted identifier fields."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from tongban.core import audit
from tongban.core.crypto import blind_index
from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.identifiers import check_resident_id, is_mobile, mask_mobile, mask_resident_id, normalize

from .models import USER_EMAIL, USER_ID_NUMBER, USER_MOBILE, User


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


def check_email(value: str, *, field: str = "email") -> str:
    """A deliverable-looking e-mail address, trimmed, its domain in lower case."""
    v = (value or "").strip()
    local, _at, domain = v.rpartition("@")
    v = f"{local}@{domain.lower()}" if local else v
    try:
        if len(v) > 254 or len(local) > 64:  # RFC 5321 limits
            raise ValidationError("too long")
        validate_email(v)
    except ValidationError as exc:
        raise InvalidInput.field(field, _("请输入有效的电子邮箱地址")) from exc
    return v


def mask_email(value: str) -> str:
    """`zhangsan@163.com` -> `z***n@163.com`: the first and last character of the name (the first
    only when it is shorter than three), a fixed three stars, and the domain."""
    local, at, domain = (value or "").strip().rpartition("@")
    if not at or not local:
        return "***"
    shown = local[0] + "***" + (local[-1] if len(local) >= 3 else "")
    return f"{shown}@{domain}"


def check_new_password(password: str, *, user: User | None = None, field: str = "password") -> None:
    try:
        validate_password(password or "", user=user)
    except ValidationError as exc:
        raise InvalidInput.field(field, "；".join(exc.messages)) from exc


def set_id_number(user: User, id_number: str) -> None:
    USER_ID_NUMBER.encrypt_into(user, id_number)
    user.id_number_index = blind_index(id_number, purpose="id")
    user.id_number_masked = mask_resident_id(id_number)


def set_mobile(user: User, mobile: str) -> None:
    USER_MOBILE.encrypt_into(user, mobile)
    user.mobile_index = blind_index(mobile, purpose="mobile")
    user.mobile_masked = mask_mobile(mobile)


def set_email(user: User, address: str) -> None:
    """The confirmed notification address (empty to remove it)."""
    USER_EMAIL.encrypt_into(user, address)
    user.email_index = blind_index(address, purpose="email") if address else None
    user.email_masked = mask_email(address) if address else ""


def new_username(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def reveal_id_number(user: User) -> str:
    """The clear ID number, for the few places that must hand it on (never logged)."""
    return USER_ID_NUMBER.read(user)


def find_person_by_id_number(id_number: str) -> User | None:
    return User.objects.filter(id_number_index=blind_index(normalize(id_number), purpose="id")).first()


def require_role(actor, role: str) -> None:
    from .queries import has_role

    if not has_role(actor, role):
        raise Forbidden("您没有此操作所需的岗位权限")
