"""The citizen's side: 留言 on the web or mobile (signed in, or anonymous with a phone number
proved by the platform's SMS code), throttled per client with `core.ratelimit` and captcha-free;
anonymous follow-up by ticket number plus the phone's SMS code.

Throttles (settings may override): HOTLINE_MESSAGE_RATE per client address and per signed-in
account (default 5 an hour), HOTLINE_FOLLOW_RATE per address (default 20 an hour). A refusal is
`TooManyRequests` (429) saying when to try again; nothing is written.
"""

from __future__ import annotations

from django.conf import settings

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.core import ratelimit
from tongban.core.crypto import blind_index
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.identifiers import is_mobile

from . import queries
from .enums import Channel
from .intake import do_intake
from .models import Ticket

# The platform's sign-in code proves that the person holds the number (accounts' SMS codes,
# with their own limits per address, number and in total).
SMS_PURPOSE = "login"
TOO_MANY = "留言过于频繁，请稍后再试"


def _rate(setting: str, default: str, name: str) -> ratelimit.Rate:
    return ratelimit.Rate.parse(getattr(settings, setting, default), name=name)


def message_rate() -> ratelimit.Rate:
    return _rate("HOTLINE_MESSAGE_RATE", "5/1h", "hotline-message")


def follow_rate() -> ratelimit.Rate:
    return _rate("HOTLINE_FOLLOW_RATE", "20/1h", "hotline-follow")


def _mobile(value: str) -> str:
    value = (value or "").strip()
    if not is_mobile(value):
        raise InvalidInput.field("contact_phone", "请填写有效的手机号码")
    return value


def send_code(*, mobile: str, ip: str | None) -> str:
    """Send the SMS code to a mobile (accounts' limits apply); the answer never varies."""
    return account_services.do_send_sms_code(mobile=_mobile(mobile), purpose=SMS_PURPOSE, ip=ip)


def do_leave_message(
    *,
    actor,
    ip: str | None,
    kind: str,
    text: str,
    category: str = "",
    address: str = "",
    region_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    code: str = "",
    anonymous_to_unit: bool = False,
    channel: str = Channel.WEB,
) -> Ticket:
    """留言: a signed-in person (their account follows it), or anyone with a mobile and its SMS
    code. Throttled per client address and per account before anything else is looked at."""
    if channel not in (Channel.WEB, Channel.MOBILE, Channel.APP):
        raise InvalidInput.field("channel", "未知的留言渠道")
    person = account_queries.is_person(actor)
    ratelimit.check(message_rate(), f"ip:{ip or '-'}", message=TOO_MANY)
    if person:
        ratelimit.check(message_rate(), f"user:{actor.pk}", message=TOO_MANY)
    else:
        mobile = _mobile(contact_phone)
        if not (code or "").strip():
            raise InvalidInput.field("code", "请填写短信验证码")
        account_services.consume_sms_code(mobile=mobile, purpose=SMS_PURPOSE, code=code)
    return do_intake(
        actor=actor if person else "anonymous:web",
        channel=channel,
        kind=kind,
        text=text,
        category=category,
        address=address,
        region_code=region_code,
        contact_name=contact_name,
        contact_phone=contact_phone,
        anonymous_to_unit=anonymous_to_unit,
    )


def follow_up(*, number: str, mobile: str, code: str, ip: str | None) -> dict:
    """An anonymous caller's view of their ticket: the number, the phone it was filed with and
    that phone's SMS code. A wrong number and a wrong phone answer alike (NotFound)."""
    ratelimit.check(follow_rate(), f"ip:{ip or '-'}", message="查询过于频繁，请稍后再试")
    mobile = _mobile(mobile)
    if not (code or "").strip():
        raise InvalidInput.field("code", "请填写短信验证码")
    account_services.consume_sms_code(mobile=mobile, purpose=SMS_PURPOSE, code=code)
    ticket = queries.ticket_by_number(number)
    if ticket is None or ticket.contact_phone_index != blind_index(mobile, purpose="mobile"):
        raise NotFound("没有找到该手机号码提交的这个工单")
    return queries.public_ticket(ticket.number)
