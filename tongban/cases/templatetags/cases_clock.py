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
