"""Telling a person things: the notification e-mail address they confirm, and delivery of a
message to their mobile and e-mail through the channel gateways (`gateways`).

The address is stored only once confirmed by a code sent to it (`codes`, purpose "email"):
SM4-encrypted, with an HMAC-SM3 blind index and a masked copy, like the mobile number. Every
change is audited with the masked address; a wrong code is audited as a refusal.

Delivery runs after the write it reports has committed, so a gateway failure is logged (masked,
the exception's class only: its text may hold the address) and never raised.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core import audit
from tongban.core.crypto import blind_index
from tongban.core.errors import InvalidInput

from . import codes, gateways
from .checks import check_email, mask_email, record_refusal, set_email
from .models import CODE_TARGET, USER_EMAIL, USER_MOBILE, User


def deliver(channel: gateways.Channel, reveal, masked: str, text: str, **extra) -> bool:
    """Send `text` through the channel's gateway to the address `reveal()` decrypts. False when
    there is no address or the gateway failed (logged with the masked address)."""
    try:
        address = reveal()
        if not address:
            return False
        gateways.gateway(channel).send(address, text, **extra)
    except Exception as exc:  # any gateway failure: what it reports has committed
        channel.log.warning("%s to %s failed: %s", channel.name, masked, type(exc).__name__)
        return False
    return True


def _contact(user_id: int) -> User | None:
    return (
        User.objects.filter(pk=user_id)
        .only("sub", "mobile_enc", "mobile_masked", "email_enc", "email_masked", "email_confirmed_at")
        .first()
    )


def notify_user(*, user_id: int, text: str, subject: str) -> list[str]:
    """Send a message to a person by SMS (when they have a mobile) and e-mail (when they have
    confirmed an address). Returns the channels that took it ("sms", "email"); never raises for
    a gateway. Call it after commit (`transaction.on_commit`). The in-app notice is the caller's."""
    user = _contact(user_id)
    if user is None:
        return []
    sent = []
    if deliver(gateways.SMS, lambda: USER_MOBILE.read(user), user.mobile_masked, text):
        sent.append(gateways.SMS.name)
    if user.email_confirmed_at and deliver(
        gateways.EMAIL, lambda: USER_EMAIL.read(user), user.email_masked, text, subject=subject
    ):
        sent.append(gateways.EMAIL.name)
    return sent


def notify_contact_mobile(*, user_id: int, mobile: str, text: str) -> bool:
    """Send `text` by SMS to a contact mobile given for one application (a walk-in at the
    window whose account may have none), unless it is the person's registered mobile, which
    `notify_user` already reaches. False when nothing was sent."""
    user = _contact(user_id)
    if user is None or not mobile:
        return False
    registered = User.objects.filter(pk=user_id, mobile_index=blind_index(mobile, purpose="mobile")).exists()
    if registered:
        return False
    masked = mobile[:3] + "****" + mobile[-4:]
    return deliver(gateways.SMS, lambda: mobile, masked, text)


def notify_by_sms(*, user_id: int, text: str) -> bool:
    """Send a message to a person's registered mobile only (other apps never see the number).
    False when the person has no mobile on record or the gateway failed (logged)."""
    user = _contact(user_id)
    return user is not None and deliver(
        gateways.SMS, lambda: USER_MOBILE.read(user), user.mobile_masked, text
    )


# --- The notification e-mail address ----------------------------------------------------------


def code_minutes() -> int:
    return max(1, settings.EMAIL_CODE_TTL_SECONDS // 60)


def do_send_email_code(*, actor: User, email: str) -> str:
    """Send a code to the address the person wants notices at; the address is kept with the code
    until confirmed. At most one code a minute per person; a new code replaces the open one."""
    address = check_email(email)
    masked, minutes = mask_email(address), code_minutes()
    codes.check_not_too_often(f"email:{actor.pk}")
    with transaction.atomic():
        target_index = blind_index(address, purpose="email")
        target_enc = CODE_TARGET.encrypt(address, purpose=codes.EMAIL_PURPOSE, target_index=target_index)
        code = codes.issue_code(
            purpose=codes.EMAIL_PURPOSE,
            target_index=target_index,
            ttl_seconds=settings.EMAIL_CODE_TTL_SECONDS,
            user=actor,
            target_enc=target_enc,
        )
        audit.record(actor=actor, action="accounts.email.code_sent", obj=actor, data={"email": masked})
        text = _(
            "您正在通办平台绑定接收通知的电子邮箱，验证码是%(code)s，%(minutes)d分钟内有效。如非本人操作请忽略。"
        )
        text %= {"code": code, "minutes": minutes}
        subject = _("【通办】电子邮箱验证码")
        transaction.on_commit(lambda: deliver(gateways.EMAIL, lambda: address, masked, text, subject=subject))
    return _("验证码已发送至 %(email)s，%(minutes)d分钟内有效") % {"email": masked, "minutes": minutes}


def do_confirm_email(*, actor: User, code: str) -> User:
    """Confirm the address the open code was sent to: it becomes the notification address
    (replacing any earlier one). A wrong, expired or used-up code changes nothing but the code's
    count of tries, and is audited as a refusal."""
    try:
        row = codes.consume_code(purpose=codes.EMAIL_PURPOSE, user=actor, code=code)
    except InvalidInput:
        record_refusal(actor=actor, action="accounts.email.refused", obj=actor, data={"reason": "bad_code"})
        raise
    address = CODE_TARGET.read(row)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        before = user.email_masked
        set_email(user, address)
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_enc", "email_index", "email_masked", "email_confirmed_at"])
        audit.record(
            actor=actor,
            action="accounts.email.confirm",
            obj=user,
            data={"email": user.email_masked, "before": before},
        )
    return user


def do_remove_email(*, actor: User) -> bool:
    """Remove the notification address. False (nothing changed, nothing recorded) when there is
    none, so a repeated request is harmless."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if not user.email_enc:
            return False
        before = user.email_masked
        set_email(user, "")
        user.email_confirmed_at = None
        user.save(update_fields=["email_enc", "email_index", "email_masked", "email_confirmed_at"])
        audit.record(actor=actor, action="accounts.email.remove", obj=user, data={"before": before})
    return True
