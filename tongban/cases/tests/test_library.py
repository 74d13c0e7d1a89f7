"""Materials the e-licence library supplies (免提交): an applicant's valid licence of the type a
material maps to is fetched with the case as purpose, recorded on the case, and not uploaded."""

from __future__ import annotations

import pytest

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import enterprise, person
from tongban.cases import services
from tongban.cases.models import Case, CaseLicence
from tongban.core.errors import InvalidInput
from tongban.licences import queries as licence_queries
from tongban.licences import services as licence_services
from tongban.licences.tests.conftest import BUSINESS_FACE

from .conftest import FORM, SYSTEM, staff, upload

BUSINESS_TYPE = "11100000000013338W001"  # what the catalogue's test material names


@pytest.fixture
def library(world):
    """The business-licence type issued by the item's department; 陈建国 represents an enterprise."""
    licence_services.do_seed_standard_types(
        actor=SYSTEM, codes={"营业执照": BUSINESS_TYPE}, issuers={"营业执照": [world["dept"].pk]}
    )
    rep = person(7, name="陈建国", level=2)
    credit_code, mandate = enterprise(rep, 7, name="武汉鑫达商贸有限公司")
    account_services.do_switch_acting(actor=rep, kind="enterprise", target_id=mandate.pk)
    rep.refresh_from_db()
    return {
        "rep": rep,
        "credit_code": credit_code,
        "issuer": staff("issuer", "approving_officer", department=world["dept"]),
    }


def issue_business_licence(world, library):
    return licence_services.do_issue_licence(
        actor=library["issuer"],
        type_code=BUSINESS_TYPE,
        issuer=world["dept"].pk,
        holder_name="武汉鑫达商贸有限公司",
        holder_code=library["credit_code"],
        face={**BUSINESS_FACE, "credit_code": library["credit_code"]},
    )


def apply_without_the_licence(world, actor):
    form_only = [m for m in world["materials"] if not m.license_type_code]
    return services.do_submit(
        actor=actor, item_code=world["item"].code, data=FORM, uploads=[upload(m) for m in form_only]
    )


def test_the_library_licence_stands_in_for_the_material_and_the_use_is_logged(world, library):
    licence = issue_business_licence(world, library)
    case = apply_without_the_licence(world, library["rep"])
    supplied = CaseLicence.objects.get(case=case)
    mapped = next(m for m in world["materials"] if m.license_type_code)
    assert (supplied.material_id, supplied.identifier, supplied.number, supplied.licence_name) == (
        mapped.pk,
        licence.identifier,
        licence.number,
        "营业执照",
    )
    assert case.materials.filter(material=mapped).count() == 0  # nothing uploaded for it
    use = licence_queries.get_usage(supplied.usage_id)
    assert (use.case_number, use.outcome) == (case.number, "supplied")
    assert "免提交营业执照" in use.purpose


def test_without_a_valid_licence_the_required_material_must_be_uploaded(world, library):
    licence = issue_business_licence(world, library)
    licence_services.do_revoke_licence(
        actor=library["issuer"], identifier=licence.identifier, reason="依法吊销"
    )
    before = Case.objects.count()
    with pytest.raises(InvalidInput) as exc:
        apply_without_the_licence(world, library["rep"])
    mapped = next(m for m in world["materials"] if m.license_type_code)
    assert [p.field for p in exc.value.problems] == ["materials", f"m_{mapped.pk}"]
    assert "营业执照" in exc.value.problems[0].message
    assert Case.objects.count() == before and CaseLicence.objects.count() == 0


def test_a_person_without_an_id_number_on_record_uploads_as_before(world, library):
    issue_business_licence(world, library)
    with pytest.raises(InvalidInput) as exc:
        apply_without_the_licence(world, world["citizen"])  # L1: the library cannot name them
    assert "请上传必要材料：营业执照" in exc.value.problems[0].message


def test_the_applicant_and_the_officer_see_what_the_library_supplied(world, library):
    from .conftest import as_user

    licence = issue_business_licence(world, library)
    case = apply_without_the_licence(world, library["rep"])
    for client, url in (
        (as_user(library["rep"]), f"/cases/{case.number}/"),
        (as_user(world["officer"]), f"/workbench/cases/{case.number}/"),
    ):
        page = client.get(url).content.decode()
        assert "电子证照库调取（免提交）" in page
        assert (
            f'<span lang="zh-Hans">营业执照</span>：<span lang="zh-Hans">营业执照</span> <span class="code">{licence.number}</span>'
            in page
        )
