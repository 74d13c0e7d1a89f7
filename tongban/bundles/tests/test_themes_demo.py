"""The demo's themes (tongban/demo/bundles_themes.py) on the seeded demo: four themes of 江夏 over
real items, 企业开办 in one working day with the 营业执照 flowing to the other five members, the
新生儿出生 questionnaire choosing members, and a second run that writes nothing; and the demo's
submitted 企业开办 bundle (tongban/demo/bundles_submitted.py): 王芳's, in progress, its first member
a case in the 江夏区行政审批局's queue, the five others waiting for the 营业执照; and the completed one
(tongban/demo/bundles_completed.py): 刘洋's, decided by five departments' officers, handed over in
one pickup."""

from __future__ import annotations

import pytest

from tongban.bundles import queries, queries_fanout
from tongban.bundles import spec as specs
from tongban.cases import queries as case_queries
from tongban.cases.tests.story_support import demo_for_module, demo_person
from tongban.core.models import AuditEvent
from tongban.demo import bundles_completed, bundles_submitted, bundles_themes
from tongban.demo.data import materials


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo seeded with its steps committed, as `seed demo` runs (the submitted bundle's
    files are written and its first member case dispatched after its step's commit): the run's
    one seed, restored when another module seeded it first."""
    with demo_for_module(django_db_blocker, tmp_path_factory.mktemp("demo-media")):
        yield


@pytest.fixture(name="demo")
def demo_fixture(seeded, db):
    """Each test on the seeded demo; what it writes rolls back."""


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


def test_the_demo_submitted_bundle(demo):
    applicant = demo_person("17000000002")
    [bundle] = queries_fanout.bundles_of(applicant)
    assert (bundle.theme_code, bundle.state, bundle.channel) == ("company-opening", "in_progress", "3")
    status = {m.key: m.state for m in bundle.members.all()}
    assert status == {
        "licence": "case",
        "seal": "waiting",
        "social": "waiting",
        "tax": "waiting",
        "invoice": "waiting",
        "fund": "waiting",
    }
    first = bundle.members.get(key="licence")
    [case] = case_queries.cases_of(applicant).filter(number=first.case_number)
    assert (case.state, case.department_id, case.channel) == ("submitted", first.department_id, "3")
    before = AuditEvent.objects.count()
    assert bundles_submitted.seed_submitted_bundle(say=lambda _: None) is False
    assert AuditEvent.objects.count() == before


def test_the_demo_completed_bundle(demo):
    """刘洋's 企业开办: five departments' demo officers decided its six members, the dependants
    filed under the new company with its 营业执照 from the library, one pickup by `clerk`."""
    applicant = demo_person("17000000003")
    [bundle] = queries_fanout.bundles_of(applicant)
    assert (bundle.theme_code, bundle.state, bundle.channel, bundle.completed_on_time) == (
        "company-opening",
        "delivered",
        "3",
        True,
    )
    assert bundle.delivered_by.username == "clerk"
    members = {m.key: m.case_number for m in bundle.members.all()}
    cases = {c.number: c for c in case_queries.cases_of(applicant).filter(number__in=members.values())}
    assert len(cases) == 6 and {c.state for c in cases.values()} == {"delivered"}
    deciders = {}
    for key, number in members.items():
        case = cases[number]
        steps = case_queries.case_steps(case)
        assert all(s.completed_by.department_id == case.department_id for s in steps)
        deciders[key] = [s.completed_by.username for s in steps]
    assert deciders == {
        "licence": ["officer", "deptadmin"],
        "seal": ["officer-gongan"],
        "social": ["officer-renshe", "deptadmin-renshe"],
        "tax": ["officer-shuiwu"],
        "invoice": ["officer-shuiwu"],
        "fund": ["officer-gjj"],
    }
    licence = cases[members["licence"]]
    assert licence.legal_person_id is None and licence.result_licence
    for key in ("seal", "social", "tax", "invoice", "fund"):
        case = cases[members[key]]
        assert case.applicant_name == "武汉洋帆信息科技有限公司"
        assert [x.identifier for x in case_queries.case_licences(case) if x.name == "营业执照"] == [
            licence.result_licence
        ]
    before = AuditEvent.objects.count()
    assert bundles_completed.seed_done_bundle(say=lambda _: None) is False
    assert bundles_completed.complete_done_bundle(say=lambda _: None) is False
    assert AuditEvent.objects.count() == before
