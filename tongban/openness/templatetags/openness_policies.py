"""`{% item_policies code %}`: the published policies of an implementation item, for its guide
page (the portal's template loads this tag; it reads `openness.queries` only)."""

from django import template

from .. import queries

register = template.Library()


@register.inclusion_tag("openness/policies/_item_policies.html")
def item_policies(code: str) -> dict:
    return {"policies": queries.policies_for_item(code)}
