"""Issue 11, the walk-in without a smartphone and the village helper: a landline as the contact
phone at the window, the SMS receipt where there is a mobile, the 受理通知书 with the query code
printed at once, 办件进度查询 without signing in (/cases/progress/), the helper following the
elder's case while her consent is valid, and 容缺 only where it means something."""

from __future__ import annotations

import random
import re

import pytest
from django.core.cache import cache
from django.test import Client

from tongban.accounts import services as account_services
from tongban.accounts.gateways import outbox
from tongban.accounts.tests.identity_support import in_days, person, rid
from tongban.catalog.testing import SYSTEM
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.identifiers import landline_parts, make_resident_id, mask_phone, normalize_phone
from tongban.core.models import AuditEvent
from tongban.pdftest import needs_pdftotext, pdf_text

from .. import formschema, progress, queries, services
from ..enums import CaseState
from ..models import Case
from .conftest import FORM, as_user, counts, upload, window_item

pytestmark = pytest.mark.usefixtures("regions_loaded")

LANDLINE = "027-87654321"


@pytest.fixture
def walk_in(world):
    """王五 registered at the hall: no mobile on his account."""
    id_number = make_resident_id(random.Random(77))
    account_services.do_upsert_population_record(actor=SYSTEM, name="王五", id_number=id_number)
    return account_services.do_register_walk_in(actor=world["clerk"], name="王五", id_number=id_number)


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # rate-limit counters and the SMS outbox live in the cache
    yield
    cache.clear()


def intake(world, applicant, *, phone: str = LANDLINE, **kw) -> Case:
    return services.do_window_intake(
        actor=world["clerk"],
        applicant_id=applicant.pk,
        item_code=world["item"].code,
        data={**FORM, "contact_phone": phone},
        uploads=[upload(m) for m in world["materials"]],
        **kw,
    )


def lookup(number: str, code: str, client=None):
    return (client or Client()).post("/cases/progress/", {"number": number, "code": code})


def text(response) -> str:
    return response.content.decode()


def without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


# --- Landlines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("027-87654321", "027-87654321"),
        ("02787654321", "027-87654321"),
        ("0710-1234567", "0710-1234567"),
        ("07101234567", "0710-1234567"),
        ("010 62345678", "010-62345678"),
        ("13912345678", "13912345678"),
    ],
)
def test_phones_a_walk_in_may_give(raw, clean):
    assert normalize_phone(raw) == clean


@pytest.mark.parametrize(
    "raw", ["87654321", "027-1234", "027-012345678", "1271-1234567", "0271-123456789", "0027-8765432", "电话"]
)
def test_what_is_not_a_phone(raw):
    assert normalize_phone(raw) == "" and landline_parts(raw) is None


def test_phones_are_masked_to_their_last_four():
    assert (mask_phone("027-87654321"), mask_phone("0710-1234567"), mask_phone("13912345678")) == (
        "027-****4321",
        "0710-***4567",
        "139****5678",
    )


def test_the_window_accepts_a_landline_with_its_area_code(world, walk_in):
    """Regression: the window refused a landline as the contact phone (请输入11位手机号码)."""
    case = intake(world, walk_in, phone="02712345678")
    assert services.form_data(case)["contact_phone"] == "027-12345678"
    assert "12345678" not in case.form_enc  # kept SM4-encrypted with the form
    case = intake(world, walk_in, phone="0710-1234567")
    assert services.form_data(case)["contact_phone"] == "0710-1234567"
    page = text(as_user(world["clerk"]).get(f"/workbench/cases/{case.number}/"))
    assert "0710-***4567" in page and "1234567" not in page.replace("0710-***4567", "")


def test_a_phone_that_is_neither_is_refused_by_name_and_nothing_changes(world, walk_in):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        intake(world, walk_in, phone="87654321")  # no area code
    assert [(p.field, p.message) for p in exc.value.problems] == [
        ("contact_phone", "联系电话：请输入11位手机号码，或带区号的固定电话（如027-87654321）")
    ]
    assert counts() == before


def test_online_forms_still_ask_for_a_mobile():
    schema = formschema.DEFAULT_SCHEMA
    with pytest.raises(InvalidInput) as exc:
        formschema.clean_form(schema, {**FORM, "contact_phone": LANDLINE})
    assert [p.field for p in exc.value.problems] == ["contact_phone"]


def test_the_window_form_takes_a_landline(world, walk_in):
    clerk = as_user(world["clerk"])
    id_number = make_resident_id(random.Random(77))
    assert clerk.post("/workbench/cases/window/find/", {"id_number": id_number}).status_code == 302
    form = text(clerk.get("/workbench/cases/window/", {"item": world["item"].code}))
    assert (
        '<p class="field__help" id="f-contact_phone-help">手机号码，或带区号的固定电话（如027-87654321）</p>'
        in form
    )
    assert '<input type="tel" id="f-contact_phone"' in form
    m1, m2 = world["materials"]
    response = clerk.post(
        "/workbench/cases/window/intake/",
        {
            **FORM,
            "contact_phone": "0710-1234567",
            "item_code": world["item"].code,
            f"m_{m1.pk}": [upload_file()],
            f"m_{m2.pk}": [upload_file()],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workbench/cases/{case.number}/"
    page = text(clerk.get(response["Location"]))
    assert f'<strong class="code" id="query-code">{progress.query_code(case)}</strong>' in page
    assert "联系电话 0710-***4567 为固定电话，不发短信：请将打印的回执交给申请人。" in page


def upload_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import PDF

    return SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")


# --- The SMS and the printed receipt -----------------------------------------------------------


def test_a_window_case_texts_the_contact_mobile_with_its_query_code(
    world, walk_in, django_capture_on_commit_callbacks
):
    """Regression: no SMS was sent for a window case (the walk-in's account has no mobile)."""
    with django_capture_on_commit_callbacks(execute=True):
        case = intake(world, walk_in, phone="13900000077")
    code = progress.query_code(case)
    assert outbox("13900000077") == [
        f"【通办】您的办件{case.number}（{case.item_name}）已在窗口受理，查询码{code}，"
        "可凭办件编号和查询码在“办件进度查询”查看进度。"
    ]
    page = text(as_user(world["clerk"]).get(f"/workbench/cases/{case.number}/"))
    assert "已向 139****0077 发送受理短信（含查询码）。" in page


def test_a_landline_gets_no_sms(world, walk_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        intake(world, walk_in, phone=LANDLINE)
    assert outbox(LANDLINE) == [] and outbox("02787654321") == []


def test_a_registered_mobile_hears_once(world, django_capture_on_commit_callbacks):
    citizen, mobile = world["citizen"], "13900000001"  # conftest.citizen(1)
    with django_capture_on_commit_callbacks(execute=True):
        case = intake(world, citizen, phone=mobile)
    assert [t for t in outbox(mobile) if "查询码" in t] == []  # notify_user told them already
    assert len([t for t in outbox(mobile) if case.number in t]) == 1


@needs_pdftotext
def test_the_window_result_page_offers_the_receipt_with_the_query_code(world, walk_in):
    case = intake(world, walk_in)
    code = progress.query_code(case)
    assert re.fullmatch(f"[{progress.QUERY_ALPHABET}]{{8}}", code)
    assert code not in case.query_code_enc and code not in case.query_digest
    [notice] = case.notices.all()
    clerk = as_user(world["clerk"])
    page = text(clerk.get(f"/workbench/cases/{case.number}/"))
    assert f'id="print-receipt" href="/notices/{case.number}/{notice.number}.pdf"' in page
    pdf = clerk.get(f"/notices/{case.number}/{notice.number}.pdf")
    assert pdf.status_code == 200
    words = re.sub(r"\s", "", pdf_text(pdf.content))
    assert f"凭办件编号{case.number}和查询码{code}" in words
    assert "/cases/progress/" in words
    assert code not in str(notice.data)  # printed at each download, never stored in clear


# --- 办件进度查询 -------------------------------------------------------------------------------


def test_progress_by_number_and_query_code_shows_state_and_dates_only(world, walk_in):
    case = intake(world, walk_in)
    anonymous = Client()
    page = anonymous.get("/cases/progress/")
    assert page.status_code == 200 and 'action="/cases/progress/"' in text(page)
    response = lookup(case.number, progress.query_code(case).lower(), anonymous)
    assert response.status_code == 200
    found = text(response)
    result = found[found.index('id="progress-result"') :]
    for shown in (case.number, case.item_name, world["dept"].name, "已受理", f"{case.accepted_on:%Y-%m-%d}"):
        assert shown in result
    for personal in ("王五", "87654321", "4321", FORM["request"], FORM["contact_name"]):
        assert personal not in result


def test_progress_by_the_contact_phones_last_four_digits(world, walk_in):
    case = intake(world, walk_in)
    assert lookup(case.number, "4321").status_code == 200
    assert lookup(case.number, "1234").status_code == 404


def test_a_wrong_code_and_an_unknown_case_read_the_same(world, walk_in):
    case = intake(world, walk_in)
    other = case.number[:-1] + ("2" if case.number[-1] != "2" else "3")
    wrong = lookup(case.number, "ABCDEFGH")
    unknown = lookup(other, progress.query_code(case))
    assert wrong.status_code == unknown.status_code == 404
    assert without_token(text(wrong)).replace(case.number, "N") == without_token(text(unknown)).replace(
        other, "N"
    )
    assert "没有找到该办件，请核对办件编号和查询码（或联系电话后四位）" in text(wrong)
    with pytest.raises(NotFound):
        progress.look_up(number=other, code="4321", ip="10.0.0.1")


def test_a_malformed_lookup_names_its_fields(world):
    response = lookup("12345", "O0")
    assert response.status_code == 400
    page = text(response)
    assert "请输入21位办件编号" in page and "请输入8位查询码，或联系电话的后四位" in page


def test_progress_is_rate_limited_per_case_and_per_address(world, walk_in, settings):
    case = intake(world, walk_in)
    code = progress.query_code(case)
    settings.CASE_PROGRESS_RATES = {"per_case": "3/1h", "per_address": "5/1h"}
    for _ in range(3):
        assert lookup(case.number, "ABCDEFGH").status_code == 404
    refused = lookup(case.number, code)  # the right code too, once the number's budget is spent
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "查询过于频繁" in text(refused) and 'id="progress-result"' not in text(refused)
    assert AuditEvent.objects.filter(action="cases.progress.refused").count() == 1
    other = intake(world, walk_in)
    assert lookup(other.number, progress.query_code(other)).status_code == 200  # 5th from this address
    assert lookup(other.number, progress.query_code(other)).status_code == 429  # the address's limit


def test_every_new_case_gets_its_own_query_code(world, walk_in):
    online = services.do_submit(
        actor=world["citizen"],
        item_code=world["item"].code,
        data=FORM,
        uploads=[upload(m) for m in world["materials"]],
    )
    window = intake(world, walk_in)
    codes = {progress.query_code(online), progress.query_code(window)}
    assert len(codes) == 2 and all(len(c) == 8 for c in codes)
    assert lookup(online.number, progress.query_code(online)).status_code == 200
    page = text(as_user(world["citizen"]).get(f"/cases/{online.number}/"))
    assert f'<span class="code" id="query-code">{progress.query_code(online)}</span>' in page


# --- The helper follows the elder's case -------------------------------------------------------


def test_the_helper_follows_the_elders_case_until_the_consent_is_revoked(world):
    elder = person(7, name="黄桂英", level=2)
    helper = person(8, name="周小红", level=2)
    consent = account_services.do_record_consent(
        actor=elder,
        principal=elder,
        agent_name="周小红",
        agent_id_number=rid(8),
        relation="village_helper",
        all_items=False,
        item_codes=[world["item"].code],
        expires_at=in_days(365),
        consent_method="online",
    )
    account_services.do_switch_acting(actor=helper, kind="principal", target_id=consent.pk)
    helper.refresh_from_db()
    case = services.do_submit(
        actor=helper, item_code=world["item"].code, data=FORM, uploads=[upload(m) for m in world["materials"]]
    )
    services.do_accept(actor=world["officer"], number=case.number)
    [notice] = case.notices.all()
    client = as_user(helper)
    page = client.get(f"/cases/{case.number}/")
    assert page.status_code == 200 and "没有找到该办件" not in text(page)
    assert client.get(f"/notices/{case.number}/{notice.number}.pdf").status_code == 200
    mine = text(client.get("/cases/"))
    assert case.number in mine and '<dd class="case-card__for">黄桂英</dd>' in mine
    account_services.do_switch_acting(actor=helper, kind="self")  # as herself too, while consent holds
    helper.refresh_from_db()
    assert as_user(helper).get(f"/cases/{case.number}/").status_code == 200

    account_services.do_revoke_consent(actor=elder, consent_id=consent.pk)
    client = as_user(helper)
    assert client.get(f"/cases/{case.number}/").status_code == 404
    assert client.get(f"/notices/{case.number}/{notice.number}.pdf").status_code == 404
    assert case.number not in text(client.get("/cases/"))  # nor in her messages
    assert [c.number for c in queries.cases_of(helper)] == []
    # The elder's own access is untouched.
    assert services.access_case(elder, case.number) == case
    assert as_user(elder).get(f"/cases/{case.number}/").status_code == 200


# --- 容缺 only where it means something ----------------------------------------------------------


def test_no_deferral_of_an_optional_material(world, walk_in):
    """Regression: 容缺 was offered and accepted on optional materials, which need none."""
    item, (essential, deferrable, optional) = window_item(world)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_window_intake(
            actor=world["clerk"],
            applicant_id=walk_in.pk,
            item_code=item.code,
            data=FORM,
            uploads=[upload(essential), upload(deferrable)],
            missing=[{"material_id": optional.pk, "due": "2026-10-20"}],
        )
    assert [(p.field, p.message) for p in exc.value.problems] == [
        ("missing", "“近期照片”不是可容缺后补的材料，不能容缺")
    ]
    assert counts() == before


def test_a_deferrable_material_is_required_at_the_window_unless_deferred(world, walk_in):
    item, (essential, deferrable, _optional) = window_item(world)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_window_intake(
            actor=world["clerk"],
            applicant_id=walk_in.pk,
            item_code=item.code,
            data=FORM,
            uploads=[upload(essential)],
        )
    assert [p.message for p in exc.value.problems] == ["请扫描必要材料：经营场所平面图"]
    assert counts() == before
    case = services.do_window_intake(
        actor=world["clerk"],
        applicant_id=walk_in.pk,
        item_code=item.code,
        data=FORM,
        uploads=[upload(essential)],
        missing=[{"material_id": deferrable.pk, "due": "2026-10-20"}],
    )
    assert case.state == CaseState.ACCEPTED
    assert case.missing_materials == [
        {"material_id": deferrable.pk, "name": "经营场所平面图", "due": "2026-10-20"}
    ]


# --- In English ---------------------------------------------------------------------------------


def test_the_progress_page_and_the_receipt_in_english(world, walk_in, english):
    from .test_english import chinese, in_english, ui_texts

    case = intake(world, walk_in)
    anonymous = Client()
    anonymous.post("/i18n/setlang/", {"language": "en", "next": "/cases/progress/"})
    found = anonymous.post("/cases/progress/", {"number": case.number, "code": progress.query_code(case)})
    texts = ui_texts(found, case.number, case.item_name, world["dept"].name)
    assert {"Case progress", "Result", "Current state"} <= set(texts)
    assert "Query code or last four digits of the contact phone" in text(found)
    assert chinese(texts) == []
    wrong = anonymous.post("/cases/progress/", {"number": case.number, "code": "ABCDEFGH"})
    assert "No such case: check the case number and the query code" in text(wrong)
    clerk = in_english(world["clerk"])
    page = text(clerk.get(f"/workbench/cases/{case.number}/"))
    assert "Print the notice of acceptance (receipt)" in page
    assert "The contact phone 027-****4321 is a landline, so no SMS" in page
