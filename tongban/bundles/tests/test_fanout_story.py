"""Issue 13's demo story on the fan-out world (`tongban/demo/bundles_completed.py`): a person
submits 企业开办 once on a phone, five departments' officers act through the case services, the
营业执照 the first member issues reaches the four others from the e-licence library without an
upload, and the applicant collects everything in one pickup at the 综合窗口 within the bundle's
promised working day."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.bundles import queries_fanout
from tongban.bundles.models import Bundle, BundleMember
from tongban.cases import queries as case_queries
from tongban.cases import services as case_services
from tongban.cases.enums import Channel
from tongban.core import workdays
from tongban.core.errors import Conflict
from tongban.core.models import AuditEvent
from tongban.demo import bundles_completed as story
from tongban.licences import queries as licence_queries

from .fanout_support import (  # noqa: F401 - regions_loaded, day and qykb_world are fixtures
    BUSINESS_TYPE,
    day,
    material_of,
    qykb_world,
    submit,
)

DEPENDANTS = ("seal", "social", "tax", "fund")


def _cases(bundle):
    members = {m.key: m.case_number for m in BundleMember.objects.filter(bundle=bundle)}
    cases = case_services.bundled.member_cases(members.values())
    return {key: cases.get(number) for key, number in members.items()}


def test_five_departments_act_and_everything_leaves_in_one_pickup(qykb_world):  # noqa: F811
    world = qykb_world
    citizen, clerk = world["citizen"], world["clerk"]
    bundle = submit(world, world["theme"], channel=Channel.MOBILE)
    assert [m.state for m in bundle.members.order_by("position")] == ["case", *["waiting"] * 4]

    # Nothing to hand over before the departments have decided: refused, nothing changes.
    with pytest.raises(Conflict):
        story.collect(bundle.number, citizen, clerk)
    assert Bundle.objects.get(pk=bundle.pk).state == "in_progress"

    actions = story.run_members(bundle.number, citizen)
    # Each of the five: accepted, three steps (承办, 审核, 批准) and concluded.
    assert actions == 5 * 5
    bundle.refresh_from_db()
    cases = _cases(bundle)
    assert {key: case.state for key, case in cases.items()} == dict.fromkeys(cases, "concluded")
    assert bundle.state == "completed"

    # Each member case was decided by people of ITS department, none an administrator of the
    # platform; every step by a different person (separation of duties).
    for key, case in cases.items():
        staff = {*world["officers"][key], world["heads"][key]}
        steps = case_queries.case_steps(case)
        assert [s.completed_by for s in steps] == [*world["officers"][key], world["heads"][key]]
        assert all(s.outcome == "pass" for s in steps)
        acted = {e.action: e.actor for e in case_queries.timeline(case) if e.action in ("accept", "conclude")}
        assert acted == {"accept": world["officers"][key][0], "conclude": world["officers"][key][0]}
        assert all(u.department_id == case.department_id and not u.is_superuser for u in staff)

    # The 营业执照 the first member issued, to the new company, is used by the four others:
    # supplied from the library (免提交, produced by this bundle), no file uploaded for it.
    licence = cases["licence"]
    assert licence.result_code == "01" and licence.result_licence
    issued = licence_queries.get_licence(licence.result_licence)
    assert (issued.holder_name, issued.type_code) == ("武汉芳华餐饮管理有限公司", BUSINESS_TYPE)
    for key in DEPENDANTS:
        case = cases[key]
        material = material_of(world["items"][key], "营业执照")
        member = BundleMember.objects.get(bundle=bundle, key=key)
        assert [e["member"] for e in member.library if e["material_id"] == material.pk] == ["licence"]
        supplied = list(case_queries.case_licences(case))
        assert [(x.material_id, x.identifier) for x in supplied] == [(material.pk, licence.result_licence)]
        assert not case_queries.case_materials(case).filter(material_id=material.pk).exists()
    # ... and their cases are the new company's, its legal representative the applicant, who
    # sees them among their own; the 设立登记 itself is the person's.
    assert (licence.applicant, licence.legal_person_id, licence.applicant_name) == (citizen, None, "娄钢")
    company = {
        (cases[k].applicant, cases[k].legal_person.credit_code, cases[k].applicant_name) for k in DEPENDANTS
    }
    holder = licence_queries.licence_holder_code(issued)
    assert holder.startswith("91") and company == {(citizen, holder, "武汉芳华餐饮管理有限公司")}
    mine = case_queries.cases_of(citizen).filter(number__in=[c.number for c in cases.values()])
    assert set(mine) == set(cases.values())
    status = queries_fanout.bundle_status(bundle.number, citizen)
    assert {m.key: m.produced_from for m in status.members} == {
        "licence": [],
        **{key: ["内资有限责任公司设立登记"] for key in DEPENDANTS},
    }
    assert {m.key: m.received for m in status.members} == {
        "licence": [],
        **{key: [("营业执照", "内资有限责任公司设立登记")] for key in DEPENDANTS},
    }

    client = Client()
    client.force_login(citizen)
    page = client.get(f"/bundles/applications/{bundle.number}/").content.decode()
    assert page.count("营业执照（“内资有限责任公司设立登记”签发，由本次联办自动获取）") == 4

    # Done within the promised working day on the bundle's own clock.
    assert (bundle.promised_days, bundle.completed_on_time) == (1, True)
    from tongban.cases import clock

    assert workdays.count_working_days(bundle.received_on, clock.today()) <= bundle.promised_days
    assert clock.today() <= bundle.promised_due == status.promised_due

    # One pickup at the 综合窗口 covering every result.
    before = AuditEvent.objects.filter(action="bundles.pickup").count()
    delivered = story.collect(bundle.number, citizen, clerk)
    assert (delivered.state, delivered.delivered_by, delivered.pickup) == ("delivered", clerk, "window")
    [pickup] = AuditEvent.objects.filter(action="bundles.pickup")[before:]
    assert sorted(pickup.data["cases"]) == sorted(c.number for c in cases.values())
    for case in _cases(bundle).values():
        assert case.state == "delivered"
        [deliver] = [e for e in case_queries.timeline(case) if e.action == "deliver"]
        assert (deliver.actor, deliver.note) == (clerk, f"一事联办{bundle.number}统一出件")

    # A second run finds nothing to do; a second pickup is refused and changes nothing.
    assert story.run_members(bundle.number, citizen) == 0
    with pytest.raises(Conflict):
        story.collect(bundle.number, citizen, clerk)
    assert AuditEvent.objects.filter(action="bundles.pickup").count() == before + 1
