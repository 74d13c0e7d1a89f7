"""Template tags for the identity pages: the acting identity shown in the page header."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from tongban.accounts import queries

register = template.Library()


@register.simple_tag
def acting_label(user) -> str:
    """ "本人" / an enterprise's name / "代办：<name>" for a signed-in person; "" otherwise. The
    name is data, marked lang="zh-Hans" (it stays Chinese on an English page)."""
    if not getattr(user, "is_authenticated", False) or not queries.is_person(user):
        return ""
    claim = queries.acting_claim(user)
    if claim["kind"] == "enterprise":
        return format_html('<span lang="zh-Hans">{}</span>', claim["name"])
    if claim["kind"] == "principal":
        return format_html('{}<span lang="zh-Hans">{}</span>', gettext("代办："), claim["name"])
    return gettext("本人")
