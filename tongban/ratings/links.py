"""Rating links (评价链接): a signed, single-use, expiring token to rate one subject's node
without signing in. Sent by SMS to the applicant's registered mobile (the 办结 node), or shown
by the clerk as a QR code after a window service (the window node, `hall.do_show_qr`).

The URL carries `<secret>:<signature>` (Django's Signer, salted): a forged or altered token is
refused before any lookup; the database keeps only the SM3 digest of the secret. Using a link
rates as its subject's owner through the link's channel and consumes it in the same
transaction; a used or expired link changes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core import signing
from django.db import transaction

from tongban.accounts import services as account_services
from tongban.core import audit
from tongban.core.crypto import sm3_hex
from tongban.core.errors import Conflict, Forbidden, NotFound

from . import common, subjects
from .enums import Channel, Node
from .models import Invitation, Rating, RatingToken
from .rating import check_rating, create_rating, require_concluded

SALT = "tongban.ratings.link"


def _digest(secret: str) -> str:
    return sm3_hex(("ratings-link:" + secret).encode())


def issue(*, actor, kind: str, ref: str, node: str, channel: str, window=None, clerk_id=None) -> str:
    """A new link's token (inside the caller's transaction)."""
    secret = secrets.token_urlsafe(18)
    when = common.now()
    link = RatingToken.objects.create(
        digest=_digest(secret),
        kind=kind,
        ref=ref,
        node=node,
        channel=channel,
        window=window,
        clerk_id=clerk_id,
        created_at=when,
        expires_at=when + dt.timedelta(minutes=common.token_minutes(channel)),
    )
    audit.record(
        actor=actor,
        action="ratings.link_issue",
        obj=link,
        data={"kind": kind, "ref": ref, "node": node, "channel": channel},
    )
    return signing.Signer(salt=SALT).sign(secret)


def find(token: str) -> RatingToken:
    """The link a token names: 404 when forged or unknown, 409 when used or expired."""
    try:
        secret = signing.Signer(salt=SALT).unsign(token or "")
    except signing.BadSignature as exc:
        raise NotFound("评价链接无效") from exc
    link = RatingToken.objects.filter(digest=_digest(secret)).select_related("window").first()
    if link is None:
        raise NotFound("评价链接无效")
    check_usable(link)
    return link


def check_usable(link: RatingToken) -> None:
    if link.used_at is not None:
        raise Conflict("该评价链接已使用，不能再次评价")
    if common.now() >= link.expires_at:
        raise Conflict("该评价链接已过期")


def subject_of_link(link: RatingToken) -> subjects.Subject:
    subject = subjects.resolve(link.kind, link.ref)
    if subject is None:
        raise NotFound("评价链接无效")
    return subject


def do_rate_with_link(*, token: str, level, reasons=(), text: str = "") -> Rating:
    find(token)  # forged, unknown, used and expired links are refused before any other check
    value, chosen, clean_text = check_rating(level, reasons, text)
    secret = signing.Signer(salt=SALT).unsign(token)
    with transaction.atomic():
        link = (
            RatingToken.objects.select_for_update(of=("self",))
            .select_related("window")
            .get(digest=_digest(secret))
        )
        check_usable(link)
        subject = subject_of_link(link)
        if link.node != Node.WINDOW:
            require_concluded(subject)
        link.used_at = common.now()
        link.save(update_fields=["used_at"])
        return create_rating(
            actor=f"link:{link.channel}",
            subject=subject,
            node=link.node,
            level=value,
            reasons=chosen,
            text=clean_text,
            channel=link.channel,
            rater_id=subject.owner_user_id,
            window=link.window,
            clerk_id=link.clerk_id,
        )


def do_send_sms_link(*, actor, kind: str, ref: str, base_url: str) -> bool:
    """Text the owner of a concluded, unrated subject a link to rate its 办结 node (the tick for
    every new invitation, or the handling unit's staff again). False when there is nobody to text
    or it is rated already."""
    subject = subjects.resolve(kind, ref)
    if subject is None:
        raise NotFound("没有找到该评价对象")
    if not (isinstance(actor, str) or common.is_unit_staff(actor, subject.department_id)):
        raise Forbidden("只有办理部门可以发送评价短信")
    require_concluded(subject)
    if (
        subject.owner_user_id is None
        or Rating.objects.filter(kind=kind, ref=ref, node=Node.CONCLUDE).exists()
    ):
        return False
    with transaction.atomic():
        token = issue(actor=actor, kind=kind, ref=ref, node=Node.CONCLUDE, channel=Channel.SMS)
        Invitation.objects.filter(kind=kind, ref=ref).update(sms_sent_at=common.now())
        text = (
            f"【通办】您的“{subject.title or subject.item_name}”已办结，请对本次服务进行评价："
            f"{base_url.rstrip('/')}/ratings/t/{token}/ （{common.token_minutes(Channel.SMS) // 1440}日内有效，仅可使用一次）"
        )
        owner = subject.owner_user_id
        transaction.on_commit(lambda: account_services.notify_by_sms(user_id=owner, text=text))
    return True
