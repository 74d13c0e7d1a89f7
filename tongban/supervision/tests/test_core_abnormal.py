"""经营异常名录: listing by the statutory grounds (the annual-report deadline of 30 June), removal
after the cure, the move to 严重违法失信名单 after three years, and the entity registry."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import abnormal, queries, registry
from ..models import AbnormalListing, Entity, SeriousViolation
from .core_world import SYSTEM, credit_code, department, entity, staff

pytestmark = pytest.mark.django_db


def test_the_tick_lists_missing_annual_reports_only_after_30_june(regions_loaded):
    filed = entity("filed")
    missing = entity("missing")
    entity("school", kind="institution")  # not a reporting kind here
    abnormal.do_file_annual_report(actor=SYSTEM, entity_id=filed.pk, year=2026, filed_on=dt.date(2027, 5, 1))
    assert abnormal.tick(on=dt.date(2027, 6, 30)).listed == 0  # the deadline day itself
    assert abnormal.tick(on=dt.date(2027, 7, 1)).listed == 1
    listing = AbnormalListing.objects.get()
    assert (listing.entity_id, listing.ground, listing.report_year, listing.listed_on) == (
        missing.pk, "no_annual_report", 2026, dt.date(2027, 7, 1),
    )  # fmt: skip
    assert abnormal.tick(on=dt.date(2027, 7, 2)).listed == 0  # once per year


def test_removal_needs_the_cure(regions_loaded):
    market = department("武汉市市场监督管理局")
    inspector = staff("ab-insp", "inspector", dept=market)
    e = entity("late")
    abnormal.tick(on=dt.date(2027, 7, 1))
    listing = AbnormalListing.objects.get(entity=e)
    before = (AbnormalListing.objects.filter(state="listed").count(), AuditEvent.objects.count())
    with pytest.raises(InvalidInput) as exc:  # the report is still missing
        abnormal.do_remove(
            actor=inspector, listing_id=listing.pk, cure="已补报", removed_on=dt.date(2027, 8, 1)
        )
    assert exc.value.problems[0].field == "cure"
    with pytest.raises(InvalidInput):
        abnormal.do_remove(actor=inspector, listing_id=listing.pk, cure="", removed_on=dt.date(2027, 8, 1))
    assert (AbnormalListing.objects.filter(state="listed").count(), AuditEvent.objects.count()) == before
    abnormal.do_file_annual_report(actor=inspector, entity_id=e.pk, year=2026, filed_on=dt.date(2027, 7, 20))
    abnormal.do_remove(
        actor=inspector, listing_id=listing.pk, cure="已补报 2026 年度报告", removed_on=dt.date(2027, 8, 1)
    )
    listing.refresh_from_db()
    assert (listing.state, listing.removed_on, listing.cure) == (
        "removed",
        dt.date(2027, 8, 1),
        "已补报 2026 年度报告",
    )
    with pytest.raises(Conflict):
        abnormal.do_remove(
            actor=inspector, listing_id=listing.pk, cure="again", removed_on=dt.date(2027, 8, 2)
        )


def test_staff_list_by_the_other_grounds(regions_loaded):
    market = department("武汉市市场监督管理局")
    other = department("武汉市教育局")
    inspector = staff("ab-insp2", "inspector", dept=market)
    outsider = staff("ab-outsider", "inspector", dept=other)
    clerk = staff("ab-clerk", "window_clerk", dept=market)
    e = entity("gone")
    with pytest.raises(NotFound):
        abnormal.do_list(actor=clerk, entity_id=e.pk, ground="unreachable", listed_on=dt.date(2026, 11, 1))
    with pytest.raises(InvalidInput):
        abnormal.do_list(actor=inspector, entity_id=e.pk, ground="bankrupt", listed_on=dt.date(2026, 11, 1))
    with pytest.raises(InvalidInput) as exc:  # before the deadline
        abnormal.do_list(actor=inspector, entity_id=e.pk, ground="no_annual_report", report_year=2026,
                         listed_on=dt.date(2027, 6, 1))  # fmt: skip
    assert exc.value.problems[0].field == "listed_on"
    assert AbnormalListing.objects.count() == 0
    listing = abnormal.do_list(actor=inspector, entity_id=e.pk, ground="unreachable", listed_on=dt.date(2026, 11, 1),
                               detail="邮寄专用信函被退回")  # fmt: skip
    assert listing.department_id == market.pk
    with pytest.raises(Conflict):
        abnormal.do_list(
            actor=inspector, entity_id=e.pk, ground="unreachable", listed_on=dt.date(2026, 11, 2)
        )
    with pytest.raises(NotFound):  # another department's decision
        abnormal.do_remove(actor=outsider, listing_id=listing.pk, cure="x", removed_on=dt.date(2026, 12, 1))


def test_after_three_years_the_entity_moves_to_the_serious_list(regions_loaded):
    e = entity("three-years")
    listing = abnormal.do_list(
        actor=SYSTEM, entity_id=e.pk, ground="unreachable", listed_on=dt.date(2024, 3, 1)
    )
    assert abnormal.tick(on=dt.date(2027, 2, 28)).moved == 0
    assert abnormal.tick(on=dt.date(2027, 3, 1)).moved == 1
    listing.refresh_from_db()
    assert (listing.state, listing.moved_on) == ("moved", dt.date(2027, 3, 1))
    serious = SeriousViolation.objects.get()
    assert (serious.entity_id, serious.listing_id, serious.listed_on) == (
        e.pk,
        listing.pk,
        dt.date(2027, 3, 1),
    )
    assert "满三年" in serious.reason
    assert abnormal.tick(on=dt.date(2027, 3, 2)).moved == 0
    public = queries.public_listings()
    assert [(r.entity.name, r.state) for r in public["abnormal"]] == [(e.name, "moved")]
    assert [s.entity_id for s in public["serious"]] == [e.pk]


def test_registry_checks_and_is_idempotent(regions_loaded):
    e = entity("registry")
    count = AuditEvent.objects.count()
    again = entity("registry")
    assert again.pk == e.pk and AuditEvent.objects.count() == count
    with pytest.raises(InvalidInput) as exc:
        registry.do_register_entity(actor=SYSTEM, credit_code="123", name="", kind="x", region_code="42",
                                    industry="62", latitude="95")  # fmt: skip
    assert {p.field for p in exc.value.problems} == {
        "credit_code",
        "name",
        "kind",
        "region_code",
        "industry",
        "latitude",
    }
    assert Entity.objects.count() == 1
    assert queries.entity(credit_code=credit_code("registry", region="420100")) == e
