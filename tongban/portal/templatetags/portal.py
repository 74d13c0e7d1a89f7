"""Small display filters for the portal's templates (time limits, visits, phone links)."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tongban.catalog.enums import TimeUnit

register = template.Library()

_NOT_DIAL = re.compile(r"[^0-9+]")


@register.filter
def limit_text(value, unit: str = TimeUnit.WORKDAY) -> str:
    """`5|limit_text:"workday"` -> "5个工作日"; a promised limit of 0 means 即时办结."""
    if value in (None, ""):
        return ""
    if int(value) == 0:
        return _("即时办结")
    try:
        label = TimeUnit(unit).label
    except ValueError:
        label = unit
    if unit in (TimeUnit.HOUR, TimeUnit.MINUTE):
        return _("%(n)s%(unit)s") % {"n": value, "unit": label}
    return _("%(n)s个%(unit)s") % {"n": value, "unit": label}


@register.filter
def visits_text(value) -> str:
    """0 -> 零跑动, 1 -> 最多跑一次, n -> 需到现场n次."""
    n = int(value or 0)
    if n == 0:
        return _("零跑动")
    if n == 1:
        return _("最多跑一次")
    return ngettext("需到现场%(n)d次", "需到现场%(n)d次", n) % {"n": n}


@register.filter
def tel(value) -> str:
    """The dialable part of a phone number for a tel: link ("027-1234 5678" -> "02712345678")."""
    return _NOT_DIAL.sub("", str(value or ""))


@register.filter
def safe_http_url(value) -> str:
    """The URL if it is http(s), else "" (a guide's online address is free text)."""
    value = str(value or "").strip()
    return value if re.match(r"^https?://[^\s<>\"']+$", value) else ""
