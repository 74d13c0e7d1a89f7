"""The online apply form (issue 11, the villager): 免提交 promised only when true for this applicant,
the verified identity standing in for the ID card, files staged with the draft across a form
sent back, the 申请表 generated as a PDF, and the 告知承诺书 signed online."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import in_days, person, rid
from tongban.catalog.testing import make_basic_item, make_item
from tongban.core import files
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEvent
from tongban.licences import services as licence_services
from tongban.pdftest import needs_pdftotext, pdf_text

from .. import services, supplied
from ..models import Case, CaseMaterial, Draft, StagedFile
from .conftest import FORM, PDF, SYSTEM, as_user, citizen, counts, upload
from .test_library import issue_business_licence, library  # noqa: F401 - `library` is a fixture

ID_CARD_TYPE = "11100000000013127D001"
ID_CARD = {
    "name": "申请人居民身份证",
    "source": "2",
    "originals": 1,
    "copies": 0,
    "license_type_code": ID_CARD_TYPE,
    "license_type_name": "居民身份证",
}
MATERIALS = [
    {"name": "《个体工商户设立登记申请表》", "originals": 1, "copies": 0},
    ID_CARD,
    {"name": "告知承诺书", "originals": 1, "copies": 0},
    {"name": "住所（经营场所）使用证明", "originals": 1, "copies": 0},
]


@pytest.fixture
def shop(world):
    """个体工商户设立登记 with the featured item's materials: the form, the ID card (a licence type
    the library knows), the commitment and the premises proof."""
    licence_services.do_register_licence_type(
        actor=SYSTEM,
        code=ID_CARD_TYPE,
        data={
            "name": "居民身份证",
            "ministry_name": "中华人民共和国公安部",
            "holder_kind": "person",
            "face_fields": [{"key": "address", "label": "住址", "type": "text"}],
            "validity_kind": "given",
            "template": "licences/faces/base.html",
            "issuing_departments": [],
        },
    )
    item = make_item(world["dept"], make_basic_item(name="个体工商户设立登记"), materials=MATERIALS)
    form, card, commitment, premises = item.materials.order_by("order", "id")
    return {"item": item, "form": form, "card": card, "commitment": commitment, "premises": premises}


def body(response) -> str:
    return response.content.decode()


def post(shop, **extra):
    data = {**FORM, "action": "submit", f"m_{shop['premises'].pk}": [pdf("场所.pdf")]}
    data.update(extra)
    return data


def pdf(name="材料.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def how(actor, shop) -> dict[str, str]:
    return {p.material.name: p.how for p in services.material_plan(actor, shop["item"])}


# --- 1. 免提交 only when true for this applicant ----------------------------------------------


def test_the_plan_promises_only_what_this_applicant_has(world, shop):
    l1, l2 = citizen(5, "李晓明"), person(8, name="王芳", level=2)
    assert how(l1, shop) == {
        "《个体工商户设立登记申请表》": "generated",
        "申请人居民身份证": "upload",  # L1: no verified identity, no licence
        "告知承诺书": "signed",
        "住所（经营场所）使用证明": "upload",
    }
    assert how(l2, shop)["申请人居民身份证"] == "identity"
    anonymous = services.material_plan(None, shop["item"])
    assert [p.how for p in anonymous] == ["generated", "upload", "signed", "upload"]


def test_a_licence_the_applicant_does_not_hold_is_an_ordinary_upload_on_page_and_at_submission(world):
    """Regression: the page said 持有有效电子证照的可免提交 to everyone, and the submission then
    refused the applicant who held none ("fails after submission")."""
    client = as_user(world["citizen"])
    url = f"/cases/apply/{world['item'].code}/"
    m1, m2 = world["materials"]  # m2 (营业执照) maps to a licence type; this citizen holds none
    page = body(client.get(url))
    assert "免提交" not in page and f'name="m_{m2.pk}"' in page
    before = counts()
    response = client.post(url, {**FORM, "action": "submit", f"m_{m1.pk}": [pdf()]})
    assert response.status_code == 400
    assert re.search(rf'id="m_{m2.pk}-error">请上传“营业执照”</p>', body(response))
    assert Case.objects.count() == 0 and counts()["cases"] == before["cases"]


def test_a_licence_the_enterprise_holds_is_named_on_the_page_and_used(world, library):  # noqa: F811
    licence = issue_business_licence(world, library)
    client = as_user(library["rep"])
    url = f"/cases/apply/{world['item'].code}/"
    m1, m2 = world["materials"]
    page = body(client.get(url))
    assert f'将使用您的电子证照“<span lang="zh-Hans">营业执照</span>”（编号 {licence.number}' in page
    assert f'name="m_{m2.pk}"' not in page  # nothing to upload for it
    response = client.post(url, {**FORM, "action": "submit", f"m_{m1.pk}": [pdf()]})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.licences.get().identifier == licence.identifier
    assert not case.materials.filter(material=m2).exists()


# --- 2. The verified identity supplies the identity material ----------------------------------


def test_a_helper_reads_that_her_principals_identity_stands_in_not_her_own(world, shop):
    elder = person(7, name="黄桂英", level=2)
    helper = person(9, name="周小红", level=2)
    consent = account_services.do_record_consent(
        actor=elder,
        principal=elder,
        agent_name="周小红",
        agent_id_number=rid(9),
        relation="village_helper",
        all_items=True,
        expires_at=in_days(30),
        consent_method="online",
    )
    account_services.do_switch_acting(actor=helper, kind="principal", target_id=consent.pk)
    helper.refresh_from_db()
    page = body(as_user(helper).get(f"/cases/apply/{shop['item'].code}/"))
    text = re.sub(r"<[^>]+>", "", page)  # the name is marked as data (lang) inside the sentence
    assert "黄桂英已通过平台实名认证（L2" in text
    assert "您已通过平台实名认证" not in page and f'name="m_{shop["card"].pk}"' not in page


def test_a_verified_applicant_needs_no_id_card_and_the_case_records_the_identity(world, shop):
    wang = person(8, name="王芳", level=2)
    page = body(as_user(wang).get(f"/cases/apply/{shop['item'].code}/"))
    assert "您已通过平台实名认证（L2" in page and f'name="m_{shop["card"].pk}"' not in page
    case = services.do_submit(
        actor=wang,
        item_code=shop["item"].code,
        data=FORM,
        uploads=[upload(shop["premises"])],
        signed=[shop["commitment"].pk],
    )
    assert case.identity_materials == [
        {
            "material_id": shop["card"].pk,
            "name": "申请人居民身份证",
            "level": 2,
            "verified_at": wang.verified_at.isoformat(),
        }
    ]
    assert not case.materials.filter(material=shop["card"]).exists()
    assert case.events.get(action="submit").data["identity"] == [{"name": "申请人居民身份证", "level": 2}]
    page = body(as_user(wang).get(f"/cases/{case.number}/"))
    assert '<span lang="zh-Hans">申请人居民身份证</span>：平台实名认证 L2' in page


def test_an_l1_applicant_is_told_to_upload_or_verify_first(world, shop):
    li = citizen(5, "李晓明")
    page = body(as_user(li).get(f"/cases/apply/{shop['item'].code}/"))
    assert f'name="m_{shop["card"].pk}"' in page
    assert "完成实名认证（L2）后由平台核验的身份代替" in page and 'href="/accounts/me/verify/"' in page
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_submit(
            actor=li,
            item_code=shop["item"].code,
            data=FORM,
            uploads=[upload(shop["premises"])],
            signed=[shop["commitment"].pk],
        )
    assert exc.value.problems[0].message == "请上传必要材料：申请人居民身份证"
    assert (exc.value.problems[1].field, exc.value.problems[1].message) == (
        f"m_{shop['card'].pk}",
        "请上传“申请人居民身份证”，或先完成实名认证（L2）后免提交",
    )
    assert counts() == before
    case = services.do_submit(
        actor=li,
        item_code=shop["item"].code,
        data=FORM,
        uploads=[upload(shop["premises"]), upload(shop["card"])],
        signed=[shop["commitment"].pk],
    )
    assert case.identity_materials == [] and case.materials.filter(material=shop["card"]).count() == 1


# --- 5 and 6. The generated 申请表 and the 告知承诺书 signed online ------------------------------


@needs_pdftotext
def test_the_form_and_the_signed_commitment_are_kept_as_pdfs(world, shop, django_capture_on_commit_callbacks):
    wang = person(8, name="王芳", level=2)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.do_submit(
            actor=wang,
            item_code=shop["item"].code,
            data={**FORM, "applicant_name": "王芳"},
            uploads=[upload(shop["premises"])],
            signed=[shop["commitment"].pk],
        )
    rows = {m.stage: m for m in case.materials.all()}
    assert set(rows) == {"application", "generated", "signed"}
    form, signed = rows["generated"], rows["signed"]
    assert (form.material_id, form.name, form.content_type) == (
        shop["form"].pk,
        "个体工商户设立登记申请表（系统生成）.pdf",
        "application/pdf",
    )
    text = pdf_text(files.open_decrypted(form.file.name))
    assert "个体工商户设立登记申请表" in text and case.number in text
    assert "申请人（单位）名称" in text and "王芳" in text and "13900000001" in text
    assert signed.material_id == shop["commitment"].pk and signed.name == "告知承诺书（在线签署）.pdf"
    text = " ".join(pdf_text(files.open_decrypted(signed.file.name)).split())
    assert "现郑重承诺" in text and "承诺人：王芳" in text
    assert f"在线签署确认时间：{timezone.localtime(case.submitted_at):%Y-%m-%d %H:%M:%S}" in text
    # Listed on the applicant's case page with the uploaded file, downloadable.
    client = as_user(wang)
    page = body(client.get(f"/cases/{case.number}/"))
    assert "个体工商户设立登记申请表（系统生成）.pdf" in page and "告知承诺书（在线签署）.pdf" in page
    response = client.get(f"/cases/{case.number}/files/{signed.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_an_unconfirmed_commitment_is_named_next_to_its_checkbox_and_nothing_is_written(world, shop):
    wang = person(8, name="王芳", level=2)
    client = as_user(wang)
    url = f"/cases/apply/{shop['item'].code}/"
    page = body(client.get(url))
    assert "现郑重承诺" in page and f'name="c_{shop["commitment"].pk}"' in page
    before = Case.objects.count()
    response = client.post(url, post(shop))
    assert response.status_code == 400
    assert re.search(
        rf'id="c_{shop["commitment"].pk}-error">请阅读并勾选确认“告知承诺书”</p>', body(response)
    )
    assert Case.objects.count() == before


def test_an_api_client_may_still_upload_the_form_and_the_commitment(world, shop):
    li = citizen(5, "李晓明")
    case = services.do_submit(
        actor=li,
        item_code=shop["item"].code,
        data=FORM,
        uploads=[upload(m) for m in shop.values() if m != shop["item"]],
    )
    assert sorted(case.materials.values_list("stage", flat=True)) == ["application"] * 4


# --- 3. Files survive a validation error: staged with the draft --------------------------------


def test_chosen_files_survive_a_form_error_and_go_with_the_corrected_form(
    world, shop, django_capture_on_commit_callbacks
):
    wang = person(8, name="王芳", level=2)
    client = as_user(wang)
    url = f"/cases/apply/{shop['item'].code}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, post(shop, contact_phone="123", **{f"c_{shop['commitment'].pk}": "on"}))
    page = body(response)
    assert response.status_code == 400 and "已选择的文件已随草稿暂存，无需重新选择" in page
    staged = StagedFile.objects.get()
    assert (staged.user_id, staged.material_id, staged.name, staged.size) == (
        wang.pk,
        shop["premises"].pk,
        "场所.pdf",
        len(PDF),
    )
    assert files.open_decrypted(staged.file.name) == PDF  # sealed at rest
    assert default_storage.open(staged.file.name).read() != PDF
    assert '<span class="staged-name" lang="zh-Hans">场所.pdf</span>' in page
    assert f'name="unstage" value="{staged.pk}"' in page
    assert f'name="c_{shop["commitment"].pk}" checked' in page  # the confirmation is kept too
    # Another person never sees it.
    other = person(9, name="赵敏", level=2)
    assert "场所.pdf" not in body(as_user(other).get(url))
    assert not services.staged_files(other, shop["item"].code).exists()
    # Corrected, without choosing the file again.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**FORM, "action": "submit", f"c_{shop['commitment'].pk}": "on"})
    assert response.status_code == 302
    case = Case.objects.get()
    uploaded = case.materials.get(stage="application")
    assert (uploaded.material_id, uploaded.name) == (shop["premises"].pk, "场所.pdf")
    assert files.open_decrypted(uploaded.file.name) == PDF
    assert StagedFile.objects.count() == 0 and not default_storage.exists(staged.file.name)


def test_a_staged_file_can_be_removed_by_its_owner_only(world, shop, django_capture_on_commit_callbacks):
    wang = person(8, name="王芳", level=2)
    code = shop["item"].code
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = services.do_stage_uploads(actor=wang, item_code=code, uploads=[upload(shop["premises"])])
    other = person(9, name="赵敏", level=2)
    with pytest.raises(Exception) as exc:
        services.do_unstage(actor=other, item_code=code, staged_id=row.pk)
    assert getattr(exc.value, "status", None) == 404 and StagedFile.objects.count() == 1
    url = f"/cases/apply/{code}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(wang).post(url, {**FORM, "unstage": str(row.pk)})
    assert response.status_code == 200 and "已移除该文件。" in body(response)
    assert StagedFile.objects.count() == 0 and not default_storage.exists(row.file.name)
    assert AuditEvent.objects.filter(action="cases.draft.unstage").count() == 1


def test_staged_files_of_abandoned_drafts_are_purged_by_the_tick(
    world, shop, django_capture_on_commit_callbacks
):
    wang, zhao = person(8, name="王芳", level=2), person(9, name="赵敏", level=2)
    code = shop["item"].code
    with django_capture_on_commit_callbacks(execute=True):
        (old,) = services.do_stage_uploads(actor=wang, item_code=code, uploads=[upload(shop["premises"])])
        (kept,) = services.do_stage_uploads(actor=zhao, item_code=code, uploads=[upload(shop["premises"])])
        (fresh,) = services.do_stage_uploads(actor=wang, item_code=code, uploads=[upload(shop["premises"])])
    long_ago = timezone.now() - dt.timedelta(days=services.STAGED_DAYS + 1)
    StagedFile.objects.filter(pk__in=[old.pk, kept.pk]).update(created_at=long_ago)
    services.do_save_draft(actor=zhao, item_code=code, data={})  # 赵敏 is still working on hers
    assert Draft.objects.filter(user=zhao).exists()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.do_tick()
    assert report.staged_purged == 1 and not report.failed
    assert set(StagedFile.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
    assert not default_storage.exists(old.file.name) and default_storage.exists(fresh.file.name)


# --- 4. The featured items' real fields ------------------------------------------------------


def test_the_featured_forms_are_valid_and_use_the_licence_face_keys():
    from tongban.cases import formschema
    from tongban.demo.data import forms as demo_forms
    from tongban.licences.standard import STANDARD_TYPES

    derived = {"credit_code", "legal_representative", "established_on"}  # cases.results derives them
    expect = {
        "内资有限责任公司设立登记": "营业执照",
        "食品经营许可": "食品经营许可证",
        "林木采伐许可证核发": "林木采伐许可证",
        "企业实行不定时工作制和综合计算工时工作制审批": "特殊工时工作制审批决定书",
    }
    for basic, (schema, sample) in demo_forms.FORMS.items():
        formschema.check_schema(schema)
        names = {f["name"] for s in schema["sections"] for f in s["fields"]}
        assert set(sample) <= names, basic
        assert basic in demo_forms.WHERE
        if basic in expect:  # every required face field the case cannot derive is asked for
            face = STANDARD_TYPES[expect[basic]].face_fields
            assert {f["key"] for f in face if f["required"]} - derived <= names, basic
    sole = {f["name"] for s in demo_forms.FORMS["个体工商户设立登记"][0]["sections"] for f in s["fields"]}
    assert {"enterprise_name", "trade_name", "operator", "composition", "premises", "business_scope"} <= sole
    assert {"capital", "employees"} <= sole and "registered_capital" not in sole
    filled = demo_forms.filled(
        "个体工商户设立登记", applicant_name="全应香", person_name="全应香", phone="13900000001", request=""
    )
    cleaned = formschema.clean_form(demo_forms.FORMS["个体工商户设立登记"][0], filled)
    assert (
        cleaned["operator"] == "全应香" and cleaned["composition"] == "个人经营" and cleaned["employees"] == 2
    )


def test_the_guide_says_what_stands_in_for_this_visitor_only(world, shop, client):
    url = f"/items/{shop['item'].code}/"
    anonymous = body(client.get(url))
    assert '<span class="exempt">免提交</span>' not in anonymous
    assert (
        '可用电子证照“<span lang="zh-Hans">居民身份证</span>”代替：登录后，持有有效证照的免提交' in anonymous
    )
    wang = body(as_user(person(8, name="王芳", level=2)).get(url))
    assert "由您已核验的实名身份（L2）代替，无需提交" in wang and '<span class="exempt">免提交</span>' in wang
    assert "您有1项材料由平台提供" in wang
    li = body(as_user(citizen(5, "李晓明")).get(url))
    assert '<span class="exempt">免提交</span>' not in li and "可用电子证照“居民身份证”代替" not in li
    assert "网上申请时根据在线填写的内容自动生成" in li and "网上申请时在线阅读并确认签署" in li


def test_staging_refuses_a_file_of_another_item(world, shop):
    wang = person(8, name="王芳", level=2)
    with pytest.raises(InvalidInput):
        services.do_stage_uploads(
            actor=wang, item_code=shop["item"].code, uploads=[upload(world["materials"][0])]
        )
    assert StagedFile.objects.count() == 0 and CaseMaterial.objects.count() == 0
    assert supplied.is_commitment(shop["commitment"]) and not supplied.is_commitment(shop["premises"])


def test_the_api_confirms_a_commitment_like_the_form_and_refuses_without_it(world, shop):
    import base64
    import json

    wang = person(8, name="王芳", level=2)
    premises = {
        "material_id": shop["premises"].pk,
        "name": "场所.pdf",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(PDF).decode(),
    }
    body = {"item_code": shop["item"].code, "data": FORM, "materials": [premises]}
    client = as_user(wang)

    def post(payload):
        return client.post("/api/v1/cases/", json.dumps(payload), content_type="application/json")

    refused = post(body)
    assert refused.status_code == 400
    assert {
        "field": f"c_{shop['commitment'].pk}",
        "message": "请阅读并勾选确认“告知承诺书”",
    } in refused.json()["errors"]
    assert Case.objects.count() == 0
    done = post({**body, "commitments": [shop["commitment"].pk]})
    assert done.status_code == 201, done.content
    assert sorted(m["stage"] for m in done.json()["materials"]) == ["application", "generated", "signed"]


def test_staging_stops_at_ten_files_per_material_and_keeps_none_of_the_refused_batch(world, shop):
    wang = person(8, name="王芳", level=2)
    code = shop["item"].code
    services.do_stage_uploads(actor=wang, item_code=code, uploads=[upload(shop["premises"])] * 9)
    with pytest.raises(InvalidInput) as exc:
        services.do_stage_uploads(actor=wang, item_code=code, uploads=[upload(shop["premises"])] * 2)
    assert (exc.value.problems[0].field, exc.value.problems[0].message) == (
        f"m_{shop['premises'].pk}",
        "每项材料最多暂存10个文件，请先移除不需要的文件",
    )
    assert StagedFile.objects.count() == 9
    services.do_stage_uploads(actor=wang, item_code=code, uploads=[upload(shop["premises"])])
    assert StagedFile.objects.count() == 10
