"""`{{ value|as_data }}`: data (a name, an address, a search word) inside a translated sentence,
marked lang="zh-Hans": read as Chinese on an English page by a screen reader, and known as data
by the English check of the browser tests (tongban/browsertest.py, `chinese_text`)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def as_data(value):
    return format_html('<span lang="zh-Hans">{}</span>', value)
