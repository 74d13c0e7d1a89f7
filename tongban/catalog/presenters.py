"""Turn catalogue rows into API/page shapes (shared by api.py and views.py)."""

from __future__ import annotations

from tongban.core.queries import display_code

from . import queries
from .enums import CaseType, DeliveryMethod, ExerciseLevel, HandlingForm, ItemType, OnlineDepth, ServiceObject
from .models import ImplementationItem


def _cn(choices, code) -> dict:
    try:
        return {"code": code, "name": str(choices(code).label)}
    except ValueError:
        return {"code": code, "name": code}


def _cns(choices, codes) -> list[dict]:
    return [_cn(choices, c) for c in codes]


def summary(item: ImplementationItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "item_type": item.item_type,
        "item_type_name": item.get_item_type_display(),
        "department": item.department.name,
        "department_code": item.department.credit_code,
        "region": display_code(item.region),
        "region_name": item.region.full_name,
        "case_type": item.case_type,
        "promised_limit": item.promised_limit,
        "promised_unit": item.promised_unit,
        "visits": item.visits,
        "is_online": item.is_online,
        "fully_online": item.fully_online,
        "version": item.version,
        "exempt_materials": item.exempt_materials,  # set by queries.mark_exempt_counts
    }


def guide(item: ImplementationItem) -> dict:
    if not hasattr(item, "exempt_materials"):
        queries.mark_exempt_materials(item)
    return {
        **{
            f: getattr(item, f)
            for f in (
                "code",
                "version",
                "basic_code",
                "name",
                "description",
                "legal_basis",
                "conditions",
                "statutory_limit",
                "statutory_unit",
                "promised_limit",
                "promised_unit",
                "limit_note",
                "charged",
                "fees",
                "fee_basis",
                "visits",
                "visit_reason",
                "fully_online",
                "nearby",
                "steps",
                "places",
                "consult_phone",
                "complaint_phone",
                "faqs",
                "result_name",
                "result_license_type_code",
                "result_sample",
                "is_online",
                "at_most_once",
                "zero_visit",
            )
        },
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "item_type": _cn(ItemType, item.item_type),
        "level": _cn(ExerciseLevel, item.level),
        "department": item.department.name,
        "department_code": item.department.credit_code,
        "region": display_code(item.region),
        "region_name": item.region.full_name,
        "service_objects": _cns(ServiceObject, item.service_objects),
        "case_type": _cn(CaseType, item.case_type),
        "handling_forms": _cns(HandlingForm, item.handling_forms),
        "online_depth": _cns(OnlineDepth, sorted(item.online_depth)),
        "delivery_methods": _cns(DeliveryMethod, item.delivery_methods),
        "materials": [
            {
                "name": m.name,
                "source": m.source,
                "source_name": m.get_source_display(),
                "originals": m.originals,
                "copies": m.copies,
                "medium": m.medium,
                "requirement": m.requirement,
                "requirement_name": m.get_requirement_display(),
                "license_type_code": m.license_type_code,
                "license_type_name": m.license_type_name,
                "spec": m.spec,
                "note": m.note,
                "exempt": m.exempt,
            }
            for m in item.materials.all()
        ],
        "exempt_materials": item.exempt_materials,
        "handling_items": [
            {"code": h.code, "name": h.name, "kind": h.kind} for h in item.handling_items.all()
        ],
    }
