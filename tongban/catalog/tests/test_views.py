"""The staff workbench: edit a draft, submit, review (four eyes), publish, new version."""

import pytest
from django.urls import reverse

from tongban.accounts.services import do_upsert_staff
from tongban.catalog import queries
from tongban.catalog.models import ImplementationItem
from tongban.catalog.testing import SYSTEM, make_basic_item, make_department, make_item
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Wb-test-password-2026"


@pytest.fixture
def setup():
    dept = make_department(region="420100", name="武汉市行政审批局")
    other = make_department(region="420200", name="黄石市行政审批局")
    basic = make_basic_item(name="食品经营许可证核发")
    draft = make_item(dept, basic, publish=False)
    editor = do_upsert_staff(
        actor=SYSTEM,
        username="editor",
        password=PASSWORD,
        display_name="编制员",
        roles=["catalog_editor"],
        department_id=dept.pk,
    )
    outsider = do_upsert_staff(
        actor=SYSTEM,
        username="outsider",
        password=PASSWORD,
        display_name="外部门",
        roles=["catalog_editor"],
        department_id=other.pk,
    )
    reviewer = do_upsert_staff(
        actor=SYSTEM,
        username="reviewer",
        password=PASSWORD,
        display_name="审核员",
        roles=["catalog_reviewer"],
    )
    return {"dept": dept, "draft": draft, "editor": editor, "outsider": outsider, "reviewer": reviewer}


def edit_payload(item, **overrides):
    data = {
        "name": item.name,
        "description": item.description,
        "conditions": item.conditions,
        "service_objects": item.service_objects,
        "statutory_limit": item.statutory_limit,
        "statutory_unit": item.statutory_unit,
        "promised_limit": item.promised_limit,
        "promised_unit": item.promised_unit,
        "limit_note": "",
        "case_type": item.case_type,
        "fee_basis": "",
        "visits": item.visits,
        "visit_reason": "",
        "handling_forms": item.handling_forms,
        "online_depth": item.online_depth,
        "fully_online": "on",
        "delivery_methods": item.delivery_methods,
        "consult_phone": item.consult_phone,
        "complaint_phone": item.complaint_phone,
        "result_name": item.result_name,
        "result_sample": "",
        "online_url": "",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "60",
        "m-0-name": "申请书",
        "m-0-source": "1",
        "m-0-originals": "1",
        "m-0-copies": "0",
        "m-0-medium": "both",
        "m-0-requirement": "required",
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("catalog:workbench"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/workbench/catalog/")


def test_draft_edit_submit_approve_publish(client, setup):
    draft = setup["draft"]
    client.force_login(setup["editor"])
    response = client.post(
        reverse("catalog:item_edit", args=[draft.pk]), edit_payload(draft, promised_limit=3)
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.promised_limit == 3
    assert [m.name for m in draft.materials.all()] == ["申请书"]
    client.post(reverse("catalog:item_action", args=[draft.pk, "submit"]))
    draft.refresh_from_db()
    assert draft.status == "in_review"
    # The editor cannot approve their own submission.
    client.post(reverse("catalog:item_action", args=[draft.pk, "approve"]))
    draft.refresh_from_db()
    assert draft.status == "in_review"
    client.force_login(setup["reviewer"])
    client.post(reverse("catalog:item_action", args=[draft.pk, "approve"]), {"comment": "同意"})
    draft.refresh_from_db()
    assert (draft.status, draft.is_current, draft.review_comment) == ("published", True, "同意")
    assert queries.get_guide(draft.code).promised_limit == 3


def test_rule_violation_is_shown_next_to_the_field_and_nothing_changes(client, setup):
    draft = setup["draft"]
    client.force_login(setup["editor"])
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("catalog:item_edit", args=[draft.pk]), edit_payload(draft, promised_limit=30)
    )
    assert response.status_code == 400
    assert "承诺时限（30工作日）不能超过法定时限（20工作日）" in response.content.decode()
    draft.refresh_from_db()
    assert draft.promised_limit == 5
    assert AuditEvent.objects.count() == before


def test_editor_of_another_department_is_refused(client, setup):
    draft = setup["draft"]
    client.force_login(setup["outsider"])
    response = client.post(reverse("catalog:item_edit", args=[draft.pk]), edit_payload(draft, name="改名"))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.name == "食品经营许可证核发"


def test_reject_requires_a_reason_and_returns_to_draft(client, setup):
    draft = setup["draft"]
    client.force_login(setup["editor"])
    client.post(reverse("catalog:item_action", args=[draft.pk, "submit"]))
    client.force_login(setup["reviewer"])
    client.post(reverse("catalog:item_action", args=[draft.pk, "reject"]), {"comment": ""})
    draft.refresh_from_db()
    assert draft.status == "in_review"
    client.post(reverse("catalog:item_action", args=[draft.pk, "reject"]), {"comment": "请补充收费依据"})
    draft.refresh_from_db()
    assert (draft.status, draft.review_comment) == ("draft", "请补充收费依据")


def test_new_version_from_published(client, setup):
    item = make_item(setup["dept"], make_basic_item(name="特殊工时工作制审批"))
    client.force_login(setup["editor"])
    response = client.post(reverse("catalog:item_action", args=[item.pk, "new-version"]))
    new = ImplementationItem.objects.get(code=item.code, version=2)
    assert response["Location"] == reverse("catalog:item", args=[new.pk])
    assert new.status == "draft" and not new.is_current
    assert new.materials.count() == item.materials.count()
    page = client.get(reverse("catalog:workbench"))
    assert item.code in page.content.decode()


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_import_upload_creates_drafts_from_an_export(client, setup):
    published = make_item(setup["dept"], make_basic_item(name="林木采伐许可证核发"))
    client.force_login(setup["editor"])
    exported = client.get(reverse("catalog:export"))
    assert exported.status_code == 200
    response = client.post(reverse("catalog:import"), {"file": _upload("list.xlsx", exported.content)})
    assert response.status_code == 302 and response["Location"] == reverse("catalog:import")
    assert "均为草稿，待审核" in client.get(response["Location"]).content.decode()
    draft = ImplementationItem.objects.get(code=published.code, version=2)
    assert (draft.status, draft.name) == ("draft", "林木采伐许可证核发")


def test_import_refuses_a_file_that_is_not_xlsx_and_writes_nothing(client, setup):
    client.force_login(setup["editor"])
    before = (ImplementationItem.objects.count(), AuditEvent.objects.count())
    response = client.post(reverse("catalog:import"), {"file": _upload("list.xlsx", b"<html>not a workbook")})
    assert response.status_code == 400
    assert "file" in response.content.decode()
    assert (ImplementationItem.objects.count(), AuditEvent.objects.count()) == before


def test_import_refuses_an_oversized_upload(client, setup, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1024
    client.force_login(setup["editor"])
    before = ImplementationItem.objects.count()
    response = client.post(reverse("catalog:import"), {"file": _upload("big.xlsx", b"x" * 4096)})
    assert response.status_code == 413
    assert "文件超过 1.0\xa0KB 的上限" in response.content.decode()
    assert ImplementationItem.objects.count() == before


def test_every_request_has_a_size_ceiling(client, settings):
    settings.MAX_REQUEST_BYTES = 100
    response = client.post("/api/v1/catalog/items", data=b"x" * 500, content_type="application/octet-stream")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


EXEMPT_BADGE = "1项材料免提交（电子证照库自动调取）"
EXEMPT_MARK = "免提交·电子证照"


def test_the_guide_shows_the_materials_the_library_supplies(client, setup, library_type):
    client.force_login(setup["editor"])
    page = client.get(reverse("catalog:item", args=[setup["draft"].pk])).content.decode()
    assert (page.count(EXEMPT_BADGE), page.count(EXEMPT_MARK)) == (1, 1)


def test_without_the_type_in_the_library_nothing_is_exempt(client, setup):
    client.force_login(setup["editor"])
    page = client.get(reverse("catalog:item", args=[setup["draft"].pk])).content.decode()
    assert ('<td><span lang="zh-Hans">营业执照</span></td>' in page, "免提交" in page) == (True, False)


def test_the_editor_sets_the_result_licence_type_on_a_draft(client, setup, library_type):
    draft = setup["draft"]
    client.force_login(setup["editor"])
    url = reverse("catalog:item_edit", args=[draft.pk])
    bad = client.post(url, edit_payload(draft, result_license_type_code="营业执照"))
    assert bad.status_code == 400
    assert "电子证照类型代码应为21位" in bad.content.decode()
    assert ImplementationItem.objects.get(pk=draft.pk).result_license_type_code == ""
    assert client.post(url, edit_payload(draft, result_license_type_code=library_type)).status_code == 302
    assert ImplementationItem.objects.get(pk=draft.pk).result_license_type_code == library_type
    page = client.get(reverse("catalog:item", args=[draft.pk])).content.decode()
    assert f"<code>{library_type}</code>" in page
