"""`{% rating_prompt kind ref as p %}`: what the rate-it prompt shows the signed-in user."""

from django import template

from .. import queries

register = template.Library()


@register.simple_tag(takes_context=True)
def rating_prompt(context, kind, ref):
    request = context.get("request")
    user = getattr(request, "user", None)
    return queries.prompt(user, str(kind or ""), str(ref or ""))
