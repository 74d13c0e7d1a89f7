"""`{% calendar_warning as w %}`: the administrators' warning that next year's official holiday
arrangement is missing (from 1 October; `core.queries.calendar_warning`)."""

from django import template

from tongban.core import queries

register = template.Library()


@register.simple_tag
def calendar_warning() -> str:
    return queries.calendar_warning()
