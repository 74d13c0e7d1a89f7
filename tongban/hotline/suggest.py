"""Dispatch suggestion (派单建议) for the operator: a category and a handling unit proposed from a
ticket's text and place by the active trained classifier (`classifier`).

A suggestion is advice: this module writes nothing and dispatches nothing. The operator picks a
unit (the suggested one or another) and dispatches through the ticket service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tongban.core import queries as core_queries
from tongban.core.errors import Conflict

from . import classifier

ALTERNATIVES = 3


@dataclass(frozen=True)
class Alternative:
    unit_id: int
    unit_name: str
    probability: float


@dataclass(frozen=True)
class Suggestion:
    category: str
    unit_id: int
    unit_name: str
    confidence: float  # the unit's probability
    category_confidence: float
    model_version: int
    alternatives: list[Alternative] = field(default_factory=list)  # the next likeliest units


def suggest(text: str, region_code: str = "", address: str = "") -> Suggestion | None:
    """The likeliest category and unit for this text and place, with the next units; None when no
    model is trained, the text says nothing the model knows, or the model's units are all gone."""
    model = classifier.active_model()
    if model is None or not (text or "").strip():
        return None
    try:
        loaded = classifier.load(model)
    except Conflict:
        return None
    words = classifier.features(text, region_code, address)
    if not loaded.vector(words)[0]:
        return None
    categories = loaded.probabilities("category", words)
    units = [
        (int(u), p)
        for u, p in loaded.units(loaded.probabilities("kind", words), region_code)[: ALTERNATIVES + 3]
    ]
    names = {pk: d.name for pk, d in core_queries.departments_by_id([u for u, _ in units]).items()}
    units = [(u, p) for u, p in units if u in names]
    if not units:
        return None
    (unit_id, p), rest = units[0], units[1 : ALTERNATIVES + 1]
    return Suggestion(
        category=categories[0][0],
        unit_id=unit_id,
        unit_name=names[unit_id],
        confidence=round(p, 4),
        category_confidence=round(categories[0][1], 4),
        model_version=model.pk,
        alternatives=[Alternative(u, names[u], round(q, 4)) for u, q in rest],
    )
