"""One-time codes (验证码) for SMS sign-in/sign-up/consent and for confirming an e-mail address.

Six digits, only an SM3 hash kept (salted with the blind index of where the code went), a short
lifetime, at most `MAX_ATTEMPTS` wrong tries, single use, and a newer code replaces an open one.
SMS codes belong to a number (`target_index`); e-mail codes belong to a person (`user`) and hold
the address they confirm, encrypted, so the second step asks for the code only.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from tongban.core import ratelimit
from tongban.core.crypto import constant_time_equal, sm3_hex
from tongban.core.errors import InvalidInput

from .models import OneTimeCode, User

BAD_CODE = "验证码错误或已过期"
TOO_OFTEN = "验证码发送过于频繁"
# One code a minute per key (a number and purpose, or a person's e-mail address).
INTERVAL = ratelimit.Rate(name="code-interval", count=1, window=60)
MAX_ATTEMPTS = 5
EMAIL_PURPOSE = "email"  # confirming a notification address (the SMS purposes are in signin)


def _code_hash(target_index: str, code: str) -> str:
    return sm3_hex(f"{target_index}:{code}".encode())


def _owned(*, purpose: str, target_index: str | None, user: User | None):
    """The codes that replace each other: a person's when `user` is given, else a number's."""
    if user is not None:
        return OneTimeCode.objects.filter(purpose=purpose, user=user)
    return OneTimeCode.objects.filter(purpose=purpose, target_index=target_index)


def check_not_too_often(key: str) -> None:
    """At most one code a minute per key (the first caller in a minute wins); the refusal
    (ratelimit.TooManyRequests, 429) says how many seconds are left."""
    ratelimit.check(INTERVAL, key, message=TOO_OFTEN)


def issue_code(
    *, purpose: str, target_index: str, ttl_seconds: int, user: User | None = None, target_enc: str = ""
) -> str:
    """Store a new code (replacing the open one of the same owner) and return it in clear, for
    the caller to send after commit. Runs in the caller's transaction."""
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        _owned(purpose=purpose, target_index=target_index, user=user).filter(consumed_at__isnull=True).update(
            consumed_at=now
        )
        OneTimeCode.objects.create(
            target_index=target_index,
            purpose=purpose,
            user=user,
            target_enc=target_enc,
            code_hash=_code_hash(target_index, code),
            expires_at=now + dt.timedelta(seconds=ttl_seconds),
        )
    return code


def open_code(*, purpose: str, target_index: str | None = None, user: User | None = None):
    """The code that may still be used (unexpired, unconsumed, attempts left), or None."""
    return (
        _owned(purpose=purpose, target_index=target_index, user=user)
        .filter(consumed_at__isnull=True, expires_at__gt=timezone.now(), attempts__lt=MAX_ATTEMPTS)
        .order_by("-created_at")
        .first()
    )


def consume_code(
    *, purpose: str, code: str, target_index: str | None = None, user: User | None = None
) -> OneTimeCode:
    """Use the open code if `code` matches; otherwise count a wrong try and raise InvalidInput
    (field "code"). Commits on its own: call it outside the write it guards, since raising inside
    one transaction would roll the count back."""
    with transaction.atomic():
        row = (
            _owned(purpose=purpose, target_index=target_index, user=user)
            .select_for_update()
            .filter(consumed_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if row is None or row.attempts >= MAX_ATTEMPTS:
            raise InvalidInput.field("code", BAD_CODE)
        ok = constant_time_equal(row.code_hash, _code_hash(row.target_index, (code or "").strip()))
        if ok:
            row.consumed_at = timezone.now()
            OneTimeCode.objects.filter(pk=row.pk).update(consumed_at=row.consumed_at)
        else:
            # Counted outside the refusal: raising inside this block would roll the count back.
            OneTimeCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
    if not ok:
        raise InvalidInput.field("code", BAD_CODE)
    return row
