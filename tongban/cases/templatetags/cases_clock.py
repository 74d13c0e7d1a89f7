"""`{{ date|due }}`: a deadline as shown, with 暂定 (provisional) when it lies in a year without
the State Council's holiday arrangement (`clock.is_provisional`)."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.translation import gettext

from tongban.cases import clock

register = template.Library()


@register.filter
def due(value):
    if not value:
        return "—"
    if clock.is_provisional(value):
        return format_html(
            '{} <span class="tag-provisional" title="{}">{}</span>',
            date_filter(value, "Y-m-d"),
            gettext("该年度国务院节假日安排尚未公布，按法定节假日推算，公布后可能调整"),
            gettext("暂定"),
        )
    return date_filter(value, "Y-m-d")


@register.filter
def clock_parts(case):
    """`{% for text, data in case|clock_parts %}`: the deadline lines (`queries.clock_line_parts`),
    the data a person wrote apart, so that the page can mark it lang="zh-Hans"."""
    from tongban.cases import queries

    return queries.clock_line_parts(case)


def _shown(value: str):
    """A notification's parameter as shown: a label of the translation catalogue (a decision, a
    result) translated; anything still Chinese is data (a reason, a licence's name), marked."""
    from django.utils.html import escape

    shown = gettext(value) if value else value
    if any("\u3400" <= ch <= "\u9fff" for ch in shown):
        return format_html('<span lang="zh-Hans">{}</span>', shown)
    return escape(shown)


@register.filter
def notification_text(notification):
    """`{{ n|notification_text }}`: a case notification in the reader's language (its `msgid`
    and `params`; one stored before those existed is shown as written)."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    if not notification.msgid:
        return gettext(notification.text) if notification.text else ""
    text = escape(gettext(notification.msgid))
    if notification.params:
        text = text % {k: _shown(v) for k, v in notification.params.items()}
    return mark_safe(text)  # the msgid escaped, each parameter escaped or built by format_html
