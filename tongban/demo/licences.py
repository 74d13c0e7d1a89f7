"""Seeding the demo's e-licence types (电子证照类型) through `licences.services` only.

The six standard types the licences app defines (营业执照, 个体工商户营业执照, 食品经营许可证,
林木采伐许可证, 特殊工时工作制审批决定书, 结婚证), with the demo's synthetic type codes (`data/materials.py`:
the defining ministry's generated credit code + sequence, the same codes the catalogue's
materials name) and, as issuing departments, the departments of the current implementation
items whose result is that licence. Idempotent: an existing type is left as it is apart from
issuing departments it lacks; a second run writes nothing.

The items whose result is one of these licences name its type as their result licence type
(`result_license_type_code`), so a case concluded with 出证 issues the licence. Seeded before
the demo cases, whose concluded 设立登记 issues a business licence.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Q

from tongban.catalog import queries as catalog_queries
from tongban.catalog import services as catalog_services
from tongban.licences import services as licence_services

from .data import materials

ACTOR = "system:seed"
# licence type -> the beginnings of the 审批结果名称 of the items that issue it
RESULTS = {
    "营业执照": ("营业执照",),
    "个体工商户营业执照": ("营业执照",),
    "食品经营许可证": ("食品经营许可证",),
    "林木采伐许可证": ("林木采伐许可证",),
    "特殊工时工作制审批决定书": ("特殊工时工作制审批决定",),
    "结婚证": ("结婚证",),
}


# A 个体工商户's 营业执照 has its own face (经营者, no 注册资本): the items of 个体工商户登记 issue
# that type, every other 营业执照 item the enterprise one.
SOLE_TRADER_TYPE, SOLE_TRADER_ITEMS = "个体工商户营业执照", "个体工商户"


def _items_of(name: str, prefixes: tuple[str, ...]) -> list[tuple[int, int]]:
    """(pk, department id) of the current items whose result name starts with a prefix."""
    match = Q()
    for prefix in prefixes:
        match |= Q(result_name__startswith=prefix)
    sole_trader = Q(name__startswith=SOLE_TRADER_ITEMS)
    match &= sole_trader if name == SOLE_TRADER_TYPE else ~sole_trader
    return list(catalog_queries.current_items().filter(match).values_list("pk", "department_id"))


def seed_licence_types(*, actor: str = ACTOR, log: Callable[[str], None] | None = None) -> int:
    """Register the demo's licence types (or add missing issuers) and name them as the result
    licence of their items; returns how many types and items were written."""
    codes = {name: materials.license_type(name)[0] for name in RESULTS}
    items = {name: _items_of(name, prefixes) for name, prefixes in RESULTS.items()}
    issuers = {name: sorted({department for _, department in rows}) for name, rows in items.items()}
    with transaction.atomic():
        written = licence_services.do_seed_standard_types(actor=actor, codes=codes, issuers=issuers)
        configured = sum(
            catalog_services.do_set_result_licence_type(
                actor=actor, item_ids=[pk for pk, _ in items[name]], type_code=codes[name]
            )
            for name in RESULTS
        )
    if log is not None:
        counts = "、".join(f"{name} {len(issuers[name])}" for name in RESULTS)
        log(
            f"e-licence types 电子证照类型: {len(RESULTS)} ({written} written); issuing departments: {counts}; "
            f"items issuing them at 出证: {configured} configured"
        )
    return written + configured
