"""Template tags for the identity pages: the acting identity shown in the page header."""

from __future__ import annotations

from django import template

from tongban.accounts import queries

register = template.Library()


@register.simple_tag
def acting_label(user) -> str:
    """ "本人" / an enterprise's name / "代办：<name>" for a signed-in person; "" otherwise."""
    if not getattr(user, "is_authenticated", False) or not queries.is_person(user):
        return ""
    return queries.current_acting_label(user)
