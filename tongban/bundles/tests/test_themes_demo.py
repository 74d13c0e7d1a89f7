"""The demo's themes (tongban/demo/bundles_themes.py) on the seeded demo: four themes of 江夏 over
real items, 企业开办 in one working day with the 营业执照 flowing to the other five members, the
新生儿出生 questionnaire choosing members, and a second run that writes nothing."""

from __future__ import annotations

import pytest

from tongban.bundles import queries
from tongban.bundles import spec as specs
from tongban.cases.tests.story_support import seed_demo
from tongban.core.models import AuditEvent
from tongban.demo import bundles_themes
from tongban.demo.data import materials


@pytest.fixture(name="demo")
def demo_fixture(db, tmp_path):
    seed_demo(tmp_path)


def test_the_demo_themes(demo):
    codes = [t.code for t in queries.themes_for_region("420115000000")]
    assert sorted(codes) == ["company-opening", "newborn", "property-transfer", "school-enrolment"]
    assert queries.themes_for_region("420102000000") == []  # 江岸 has none of 江夏's

    company = queries.published_theme("company-opening")
    assert (company.audience, company.spec.promised_days) == ("enterprise", 1)
    assert specs.order(company.spec) == [["licence"], ["seal", "social", "tax", "invoice", "fund"]]
    guide = queries.theme_guide(company)
    assert all(info.item is not None for info in guide.members)
    assert len({info.department for info in guide.members}) >= 5  # five departments act
    licence = materials.license_type("营业执照")[0]
    (produced,) = [p for p in guide.plan if p.licence_type == licence]
    assert (produced.exempt, produced.produced_by) == ("produced", "licence")
    assert produced.members == ("seal", "social", "tax", "invoice", "fund")

    newborn = queries.published_theme("newborn").spec
    local = [m.key for m in specs.applicable(newborn, {"parents_local": "yes"})]
    assert local == ["birth", "hukou", "medical", "sscard"]
    elsewhere = [m.key for m in specs.applicable(newborn, {"parents_local": "no"})]
    assert elsewhere == ["birth", "hukou", "elsewhere", "medical", "sscard"]

    before = AuditEvent.objects.count()
    assert bundles_themes.seed_bundle_themes() is False
    assert AuditEvent.objects.count() == before
