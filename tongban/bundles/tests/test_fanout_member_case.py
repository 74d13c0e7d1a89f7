"""cases' hook for bundles (cases.bundled): a member case created for the applicant recorded at
the bundle's submission, with the files given once and the licence another member issued."""

from __future__ import annotations

import pytest

from tongban.cases import queries as case_queries
from tongban.cases import services as case_services

from .fanout_support import BUSINESS_TYPE, LEASE, PDF, PDF2, build_world, material_of


@pytest.fixture
def world(db, regions_loaded, settings, tmp_path):
    return build_world(settings, tmp_path)


def who(user) -> dict:
    return {
        "applicant_id": user.pk,
        "legal_person_id": None,
        "applicant_name": user.display_name,
        "agent_id": None,
    }


def member_case(world, key: str, *, uploads, library=(), idem: str = "k1"):
    item = world["items"][key]
    citizen = world["citizen"]
    return case_services.bundled.do_submit_member(
        actor=citizen,
        who=who(citizen),
        item_code=item.code,
        cleaned={
            "applicant_name": "武汉芳华餐饮管理有限公司",
            "contact_name": "娄钢",
            "contact_phone": "13900000003",
            "request": "联办",
        },
        uploads=uploads,
        library=list(library),
        bundle_number="LB42011520260929000000001",
        idempotency_key=idem,
    )


def test_member_case_takes_the_given_files_and_is_idempotent_by_key(world):
    item = world["items"]["tax"]
    files = [
        case_services.Upload(material_of(item, "申请书").pk, "申请书", PDF, "application/pdf"),
        case_services.Upload(material_of(item, LEASE).pk, LEASE, PDF2, "application/pdf"),
    ]
    first = member_case(world, "tax", uploads=files)
    again = member_case(world, "tax", uploads=files)
    assert again.pk == first.pk
    assert case_queries.cases_of(world["citizen"]).count() == 1
    assert (first.state, first.item_code, first.applicant_id) == ("submitted", item.code, world["citizen"].pk)
    assert sorted(case_queries.case_materials(first).values_list("name", flat=True)) == sorted(
        ["申请书", LEASE]
    )
    event = first.events.get(action="submit")
    assert event.data["bundle"] == "LB42011520260929000000001"
    assert "missing" not in event.data


def test_a_licence_the_bundle_has_not_produced_is_left_for_a_supplement(world):
    item = world["items"]["seal"]
    files = [case_services.Upload(material_of(item, "申请书").pk, "申请书", PDF, "application/pdf")]
    entry = case_services.bundled.LibraryMaterial(
        material_id=material_of(item, "营业执照").pk,
        holder_code="91420115MA4K0000X0",
        type_code=BUSINESS_TYPE,
        produced=True,
    )
    case = member_case(world, "seal", uploads=files, library=[entry])
    assert case_queries.case_licences(case).count() == 0
    assert case.events.get(action="submit").data["missing"] == ["营业执照"]
