"""Using licences: the holder's own, an agency's within its grants, refusals, and the usage log
(append-only, one row per licence supplied or per attempt that supplied nothing)."""

from __future__ import annotations

import pytest
from django.db import connection

from tongban.accounts import services as account_services
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.models import AuditEvent

from .. import services
from ..models import LicenceGrant, LicenceUsage
from .conftest import CODES, COMPANY, PERSON_ID, SYSTEM, issue_business, issue_marriage, staff

pytestmark = pytest.mark.usefixtures("regions_loaded")

MARRIAGE = CODES["结婚证"]
BUSINESS = CODES["营业执照"]


def person(world, name="刘洋", id_number=PERSON_ID):
    account_services.do_upsert_population_record(actor=SYSTEM, name=name, id_number=id_number)
    clerk = staff("walkin-clerk", "window_clerk", dept=world["jiangxia"])
    return account_services.do_register_walk_in(actor=clerk, name=name, id_number=id_number)


def grant(world, type_code=BUSINESS, dept="jianghan", **kw):
    return services.do_grant_use(
        actor=world["platform"], type_code=type_code, department=world[dept].pk, basis="企业开办业务", **kw
    )


def usage_rows():
    return list(LicenceUsage.objects.order_by("pk").values())


def test_the_holder_fetches_their_own_licence_for_a_case_with_the_whole_face(world):
    marriage = issue_marriage(world)
    applicant = person(world)
    supplied = services.fetch_for_case(
        actor=applicant,
        holder_code=PERSON_ID,
        type_code=MARRIAGE,
        case_number="420115-2026-000001",
        purpose="申请公租房",
    )
    assert [s.identifier for s in supplied] == [marriage.identifier]
    assert supplied[0].face["spouse_id_number"].startswith("4201")  # the holder sees their own
    assert supplied[0].masked_fields == ()
    (row,) = usage_rows()
    assert row["licence_id"] == marriage.pk and row["identifier"] == marriage.identifier
    assert row["actor"] == f"user:{applicant.pk}" and row["user_id"] == applicant.pk
    assert (row["action"], row["outcome"], row["purpose"], row["case_number"]) == (
        "case",
        "supplied",
        "申请公租房",
        "420115-2026-000001",
    )
    assert row["holder_code_masked"] == marriage.holder_code_masked and PERSON_ID not in str(row)
    assert supplied[0].usage_id == row["id"]


def test_a_person_may_not_use_someone_elses_licence_and_the_attempt_is_logged(world):
    issue_business(world)
    applicant = person(world)
    with pytest.raises(Forbidden) as exc:
        services.fetch_for_case(
            actor=applicant,
            holder_code=COMPANY,
            type_code=BUSINESS,
            case_number="C-1",
            purpose="冒用他人执照",
        )
    assert exc.value.reason == "not_holder"
    (row,) = usage_rows()
    assert (row["outcome"], row["reason_code"], row["licence_id"], row["holder_code_masked"]) == (
        "refused",
        "not_holder",
        None,
        COMPANY,
    )


def test_an_agency_uses_only_granted_types_and_personal_fields_stay_masked(world):
    marriage = issue_marriage(world)
    officer = world["jianghan_officer"]
    kw = {"holder_code": PERSON_ID, "type_code": MARRIAGE, "purpose": "核实婚姻状况", "case_number": "C-2"}
    with pytest.raises(Forbidden):
        services.use_licence(actor=officer, **kw)
    grant(world, MARRIAGE)
    result = services.use_licence(actor=officer, **kw)
    (supplied,) = result.licences
    assert supplied.identifier == marriage.identifier
    assert supplied.masked_fields == ("spouse_id_number", "spouse_name")
    assert supplied.face["spouse_id_number"] == supplied.face["spouse_name"] == "***"
    assert supplied.face["holder_nationality"] == "中国"
    rows = usage_rows()
    assert [(r["outcome"], r["reason_code"], r["department_id"]) for r in rows] == [
        ("refused", "no_scope", world["jianghan"].pk),
        ("supplied", "", world["jianghan"].pk),
    ]


def test_a_grant_with_personal_scope_shows_the_whole_face(world):
    issue_marriage(world)
    grant(world, MARRIAGE, personal=True)
    result = services.use_licence(
        actor=world["jianghan_officer"], holder_code=PERSON_ID, type_code=MARRIAGE, purpose="婚姻登记核查"
    )
    assert result.licences[0].face["spouse_id_number"].startswith("4201")


def test_an_internal_caller_names_the_agency_whose_grants_apply(world):
    business = issue_business(world)
    kw = {"holder_code": COMPANY, "type_code": BUSINESS, "case_number": "C-3", "purpose": "企业开办"}
    with pytest.raises(Forbidden) as exc:
        services.fetch_for_case(actor="system:cases", **kw)
    assert exc.value.reason == "no_agency"
    grant(world)
    supplied = services.fetch_for_case(actor="system:cases", department_id=world["jianghan"].pk, **kw)
    assert [s.identifier for s in supplied] == [business.identifier]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"purpose": ""}, "purpose", "no_purpose"),
        ({"purpose": " 查 "}, "purpose", "no_purpose"),
        ({"purpose": "事" * 201}, "purpose", "bad_input"),
        ({"case_number": ""}, "case_number", "no_case_number"),
        ({"case_number": "C 1;drop"}, "case_number", "bad_input"),
        ({"holder_code": "12345"}, "holder_code", "bad_input"),
        ({"holder_code": ""}, "holder_code", "bad_input"),
        ({"type_code": "NOPE"}, "type_code", "bad_input"),
    ],
)
def test_bad_input_names_the_field_supplies_nothing_and_is_logged(world, change, field, reason):
    issue_business(world)
    grant(world)
    kw = {"holder_code": COMPANY, "type_code": BUSINESS, "case_number": "C-4", "purpose": "企业开办"} | change
    with pytest.raises(InvalidInput) as exc:
        services.fetch_for_case(actor=world["jianghan_officer"], **kw)
    assert exc.value.problems[0].field == field
    (row,) = usage_rows()
    assert (row["outcome"], row["reason_code"], row["licence_id"]) == ("refused", reason, None)
    assert len(row["purpose"]) <= 200


def test_none_found_is_an_empty_answer_logged_as_not_found(world):
    grant(world)
    result = services.use_licence(
        actor=world["jianghan_officer"], holder_code=COMPANY, type_code=BUSINESS, purpose="企业开办"
    )
    assert result.licences == []
    assert [r["outcome"] for r in usage_rows()] == ["not_found"]


def test_a_revoked_or_tampered_licence_is_not_supplied(world):
    business = issue_business(world)
    grant(world)
    kw = {"holder_code": COMPANY, "type_code": BUSINESS, "purpose": "企业开办"}
    from ..models import Licence

    Licence.objects.filter(pk=business.pk).update(holder_name="别的公司")  # breaks the seal
    result = services.use_licence(actor=world["jianghan_officer"], **kw)
    assert result.licences == [] and result.invalid == [business.identifier]
    (row,) = usage_rows()
    assert (row["outcome"], row["reason_code"]) == ("invalid", "signature_invalid")


def test_a_grant_may_require_a_case_number(world):
    issue_business(world)
    grant(world, case_number_required=True)
    with pytest.raises(Forbidden) as exc:
        services.use_licence(
            actor=world["jianghan_officer"], holder_code=COMPANY, type_code=BUSINESS, purpose="企业开办"
        )
    assert exc.value.reason == "no_case_number"


def test_grants_are_for_platform_admins_one_active_per_grantee_and_end_without_deleting(world):
    with pytest.raises(Forbidden):
        services.do_grant_use(
            actor=world["head"], type_code=BUSINESS, department=world["jianghan"].pk, basis="x"
        )
    with pytest.raises(InvalidInput) as exc:
        services.do_grant_use(actor=world["platform"], type_code="NOPE", basis="")
    assert {p.field for p in exc.value.problems} == {"type_code", "department", "basis"}
    g = grant(world)
    with pytest.raises(Conflict):
        grant(world)
    services.do_end_grant(actor=world["platform"], grant_id=g.pk, reason="业务调整")
    assert LicenceGrant.objects.get(pk=g.pk).revoked_at is not None
    assert grant(world).pk != g.pk
    client = services.do_grant_use(
        actor=world["platform"], type_code=BUSINESS, client_id="rp-1", basis="对接"
    )
    assert client.department_id is None
    assert AuditEvent.objects.filter(action__startswith="licences.grant.").count() == 4


def test_the_usage_log_is_append_only(world):
    grant(world)
    services.use_licence(
        actor=world["jianghan_officer"], holder_code=COMPANY, type_code=BUSINESS, purpose="企业开办"
    )
    row = LicenceUsage.objects.get()
    with pytest.raises(TypeError):
        LicenceUsage.objects.update(purpose="x")
    with pytest.raises(TypeError):
        LicenceUsage.objects.all().delete()
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    if connection.vendor == "postgresql":
        from django.db import DatabaseError, transaction

        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE licences_licenceusage SET purpose = 'x'")


def test_grant_commands(world, capsys):
    from django.core.management import CommandError, call_command

    call_command(
        "licences",
        "grant",
        "--type",
        BUSINESS,
        "--department",
        world["jianghan"].credit_code,
        "--basis",
        "企业开办",
    )
    g = LicenceGrant.objects.get()
    assert g.department_id == world["jianghan"].pk and g.granted_by == "system:cli"
    call_command("licences", "grants")
    assert world["jianghan"].name in capsys.readouterr().out
    with pytest.raises(CommandError, match="department"):
        call_command("licences", "grant", "--type", BUSINESS, "--department", "nope", "--basis", "x")
    call_command("licences", "end-grant", str(g.pk), "--reason", "调整")
    call_command("licences", "grants")
    assert capsys.readouterr().out.strip().endswith(f"Ended grant {g.pk}")
    call_command("licences", "grants", "--all")
    assert "ended" in capsys.readouterr().out


def test_admin_lists_grants_and_usage_read_only(world):
    from django.test import Client

    grant(world)
    services.use_licence(
        actor=world["jianghan_officer"], holder_code=COMPANY, type_code=BUSINESS, purpose="企业开办"
    )
    admin = staff("root", dept=None, superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/licences/licencegrant/").status_code == 200
    assert client.get("/admin/licences/licenceusage/").status_code == 200
    row = LicenceUsage.objects.get()
    r = client.post(f"/admin/licences/licenceusage/{row.pk}/delete/", {"post": "yes"})
    assert r.status_code == 403 and LicenceUsage.objects.count() == 1
