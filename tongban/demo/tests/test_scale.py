"""The province-scale generator: exact counts, valid unique codes, searchable, flags as derived."""

from __future__ import annotations

import pytest

from tongban.catalog import checks, services
from tongban.catalog.enums import ItemType, Status
from tongban.catalog.models import BasicItem, ImplementationItem, Material
from tongban.catalog.queries import SearchFilters, search_items
from tongban.core.models import AuditEvent, Department
from tongban.demo.scale import generate_scale_catalog

pytestmark = pytest.mark.django_db

FLAGS = ("is_online", "is_immediate", "at_most_once", "zero_visit")
# What must come out the same whichever path (bulk or services.do_import_items) loads an item.
COMPARED = (
    "code",
    "basic_code",
    "name",
    "item_type",
    "level",
    "department_id",
    "region_id",
    "service_objects",
    "description",
    "legal_basis",
    "conditions",
    "statutory_limit",
    "statutory_unit",
    "promised_limit",
    "promised_unit",
    "case_type",
    "charged",
    "fees",
    "fee_basis",
    "visits",
    "visit_reason",
    "handling_forms",
    "online_depth",
    "fully_online",
    "nearby",
    "delivery_methods",
    "steps",
    "places",
    "consult_phone",
    "complaint_phone",
    "faqs",
    "result_name",
    "popularity",
    "version",
    "status",
    "is_current",
    "search_text",
    *FLAGS,
)


def snapshot() -> dict[str, tuple]:
    rows = ImplementationItem.objects.order_by("code").values_list(*COMPARED)
    mats = sorted(Material.objects.values_list("item__code", "order", "name", "source", "license_type_code"))
    return {"items": list(rows), "materials": mats}


def token_set(item) -> set[str]:
    return set(item.search_text.split())


def test_generates_exact_valid_searchable_catalogue():
    result = generate_scale_catalog(items=500)

    assert result["regions"] == 117
    assert result["departments"] == 117  # one per region at this size (sectors rotate)
    assert result["departments_created"] == 117
    assert result["basic_items"] == 40
    assert result["basic_items_created"] == 40
    assert (result["items_created"], result["items_skipped"], result["batches"]) == (500, 0, 1)
    assert result["materials"] == Material.objects.count() > 0  # two for about one item in 25
    assert result["workers"] == 1

    items = list(ImplementationItem.objects.select_related("department", "region"))
    assert len(items) == 500
    assert Department.objects.count() == 117
    assert BasicItem.objects.filter(is_current=True, status=Status.PUBLISHED).count() == 40
    assert set(BasicItem.objects.values_list("item_type", flat=True)) == set(ItemType.values)
    assert Material.objects.count() % 2 == 0

    codes = [i.code for i in items]
    assert len(set(codes)) == 500
    basics = set(BasicItem.objects.values_list("code", flat=True))
    for item in items:
        assert (item.status, item.is_current, item.version) == (Status.PUBLISHED, True, 1)
        assert item.published_at is not None
        assert item.code == f"{item.department.credit_code}{item.level}{item.basic_code}"
        assert item.basic_code in basics
        assert item.region_id == item.department.region_id
        assert (
            checks.check_implementation_code(
                item.code, department_credit_code=item.department.credit_code, level=item.level
            )
            == []
        )

    # One audit event for the one batch.
    events = list(AuditEvent.objects.filter(action="catalog.item.scale_load"))
    assert len(events) == 1
    assert events[0].actor == "system:scale"
    assert events[0].data["count"] == 500

    # Flags and search tokens are exactly what the service derives.
    for item in items:
        stored = {f: getattr(item, f) for f in FLAGS}
        services.derive_flags(item)
        assert {f: getattr(item, f) for f in FLAGS} == stored, item.code
        assert item.search_text == services.search_text_for(
            item, department_name=item.department.name, region_name=item.region.full_name
        )
    assert any(i.is_online for i in items) and any(not i.is_online for i in items)
    assert any(i.is_immediate for i in items) and any(i.visits > 0 for i in items)

    # Search finds them: 社保 (indexed from 社会保险), two words, a code prefix.
    expected = {i.code for i in items if "社保" in token_set(i)}
    assert len(expected) >= 5
    total, page = search_items(SearchFilters(q="社保"))
    assert total == len(expected)
    assert len(page) == min(20, total)
    assert {i.code for i in page} <= expected

    both = {i.code for i in items if {"武汉", "社保"} <= token_set(i)}
    total, page = search_items(SearchFilters(q="武汉 社保"))
    assert total == len(both)
    assert {i.code for i in page} <= both

    dept = items[0].department
    mine = [i for i in items if i.department_id == dept.pk]
    total, page = search_items(SearchFilters(q=dept.credit_code))
    assert total == len(mine)
    assert {i.code for i in page} == {i.code for i in mine[:20]} or total > 20

    # A second run finds everything in place: nothing created, no new audit event.
    again = generate_scale_catalog(items=500)
    assert (again["items_created"], again["items_skipped"]) == (0, 500)
    assert (again["departments_created"], again["basic_items_created"]) == (0, 0)
    assert ImplementationItem.objects.count() == 500
    assert AuditEvent.objects.filter(action="catalog.item.scale_load").count() == 1


def test_bulk_path_builds_what_the_import_service_builds():
    generate_scale_catalog(items=150, seed=7)
    bulk = snapshot()
    ImplementationItem.objects.all().delete()

    result = generate_scale_catalog(items=150, seed=7, method="service")

    assert result["items_created"] == 150
    assert snapshot() == bulk
    assert AuditEvent.objects.filter(action="catalog.item.import").count() == 1


def test_refuses_more_items_than_pairs():
    with pytest.raises(ValueError, match="need more than"):
        generate_scale_catalog(items=500, basic_items=2, departments_per_region=1)
    assert ImplementationItem.objects.count() == Department.objects.count() == BasicItem.objects.count() == 0
