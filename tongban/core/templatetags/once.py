"""`{% once_field %}`: the one-time token of a POST form (see `core.idempotency`). A builtin tag
(settings.TEMPLATES), so every template may use it without `{% load %}`."""

from django import template
from django.utils.html import format_html

from tongban.core.idempotency import FORM_FIELD, new_token

register = template.Library()


@register.simple_tag
def once_field() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, new_token())
