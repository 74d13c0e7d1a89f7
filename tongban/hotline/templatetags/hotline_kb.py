"""`{% kb_assist text region_code address as assist %}`: the knowledge-base answers and the
dispatch suggestion for a text, for the intake page's first render (the fragment then refreshes
itself through htmx as the operator types)."""

from __future__ import annotations

from django import template

from .. import kb, suggest

register = template.Library()
ASSIST_ARTICLES = 5
MIN_TEXT = 2


def assist_context(text: str, region_code: str = "", address: str = "") -> dict:
    text = (text or "").strip()
    if len(text) < MIN_TEXT:
        return {"assist_text": text, "hits": [], "suggestion": None}
    return {
        "assist_text": text,
        "hits": kb.search_articles(text, limit=ASSIST_ARTICLES),
        "suggestion": suggest.suggest(text, region_code, address),
    }


@register.simple_tag
def kb_assist(text="", region_code="", address=""):
    return assist_context(str(text or "")[:2000], str(region_code or "")[:12], str(address or "")[:200])
