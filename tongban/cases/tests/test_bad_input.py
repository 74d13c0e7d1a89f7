"""Bad input to cases answers 400 naming the field (or 404), never 500, and changes nothing: NUL
bytes in case numbers, searches and bodies (PostgreSQL refuses NUL in text, SQLite stores it: the
answer is the same on both), unknown materials in a supply, out-of-range dates in a form.
Uploaded files are sealed at rest and written only when their transaction commits."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from tongban.core import crypto, files
from tongban.core.errors import InvalidInput

from .. import services
from ..enums import CaseState
from ..models import CaseMaterial
from .conftest import FORM, PDF, as_user, counts, submit, upload
from .test_api import URL, assert_field_error, b64, json_materials, post

pytestmark = pytest.mark.usefixtures("regions_loaded")


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_a_nul_byte_in_a_case_number_or_search_is_400_everywhere(world):
    case = submit(world)
    officer, citizen = as_user(world["officer"]), as_user(world["citizen"])
    before = counts()
    assert_field_error(officer.get(URL + "search", {"q": "4201\x00"}), 400, "q")
    assert_field_error(officer.get(URL + "%00" + case.number), 400, "path")
    assert_field_error(post(officer, f"{case.number}%00/accept"), 400, "path")
    for response in (
        officer.get("/workbench/cases/", {"q": "\x00"}),
        officer.get(f"/workbench/cases/{case.number}%00/"),
        citizen.get(f"/cases/{case.number}%00/"),
        citizen.post(
            f"/cases/{case.number}/withdraw/",
            urlencode({"reason": "a\x00b"}),
            content_type="application/x-www-form-urlencoded",
        ),
        officer.get("/notices/verify/abc%00def/"),
    ):
        assert response.status_code == 400, response
        assert "不能包含空字符" in response.content.decode()
    # A multipart form's text reaches the form, whose fields refuse NUL (Django's CharField).
    response = citizen.post(f"/cases/{case.number}/withdraw/", {"reason": "a\x00b"})
    assert response.status_code == 400 and "reason" in response.content.decode()
    assert counts() == before
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_a_nul_byte_in_a_json_body_is_400_naming_the_field(world):
    citizen = as_user(world["citizen"])
    body = {"item_code": world["item"].code, "data": FORM | {"request": "申请\x00办理"}}
    before = counts()
    assert_field_error(post(citizen, "", body | {"materials": json_materials(world)}), 400, "data.request")
    materials = json_materials(world)
    materials[0]["name"] = "申请书\x00.pdf"
    assert_field_error(
        post(citizen, "", body | {"data": FORM, "materials": materials}), 400, "materials.0.name"
    )
    assert counts() == before


def test_a_nul_byte_in_a_multipart_payload_is_400(world):
    """A multipart submission carries its JSON as a form value: the escape \\u0000 is a NUL only
    after parsing, so the API schemas refuse it too."""
    citizen = as_user(world["citizen"])
    before = counts()
    r = citizen.post(URL, {"item_code": world["item"].code, "data": '{"request": "x\\u0000"}'})
    assert_field_error(r, 400, "data")
    assert "空字符" in r.json()["message"]
    assert counts() == before


def test_a_supply_naming_an_unknown_material_is_400_and_changes_nothing(world):
    case = submit(world)
    services.do_request_supplement(actor=world["officer"], number=case.number, items=["请补充"], note="")
    citizen = as_user(world["citizen"])
    before = counts()
    body = {"materials": [{"material_id": 999999, "name": "x.pdf", "content_type": "application/pdf",
                           "content_base64": b64(PDF)}]}  # fmt: skip
    assert_field_error(post(citizen, f"{case.number}/supply", body), 400, "materials")
    other = [m.pk for m in submit(world).item.materials.all()]
    assert counts()["materials"] == before["materials"] + len(other)
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        services.do_supply(
            actor=world["citizen"],
            number=case.number,
            uploads=[
                services.Upload(material_id=2**40, name="x.pdf", content=PDF, content_type="application/pdf")
            ],
        )
    assert caught.value.problems[0].field == "materials"
    assert counts() == before


def test_an_out_of_range_date_in_the_application_form_names_the_field(world):
    from tongban.cases import formschema

    field = {"name": "born_on", "label": "出生日期", "type": "date"}
    schema = {"sections": [{"title": "基本信息", "fields": [field]}]}
    for value in ("0001-01-01", "9999-06-01"):
        with pytest.raises(InvalidInput) as caught:
            formschema.clean_form(schema, {"born_on": value})
        assert caught.value.problems[0].field == "born_on"
        assert "1900-01-01" in caught.value.problems[0].message
    assert formschema.clean_form(schema, {"born_on": "2026-01-05"}) == {"born_on": "2026-01-05"}


# --- files at rest ---------------------------------------------------------------------------


def test_uploaded_files_are_sealed_and_written_on_commit(world, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = submit(world)
        assert stored_files(settings.MEDIA_ROOT) == []  # nothing on disk before the commit
    for callback in callbacks:
        callback()
    rows = list(case.materials.order_by("id"))
    on_disk = stored_files(settings.MEDIA_ROOT)
    assert len(on_disk) == len(rows) == len(world["materials"])
    for row in rows:
        raw = default_storage.open(row.file.name, "rb").read()
        assert crypto.is_sealed(raw) and PDF not in raw and case.number not in row.file.name
        assert files.open_decrypted(row.file.name) == PDF
    response = as_user(world["citizen"]).get(f"/cases/{case.number}/files/{rows[0].pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_a_sealed_file_moved_to_another_name_does_not_open(
    world, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = files.store_encrypted(b"one", directory="t")
        second = files.store_encrypted(b"two", directory="t")
    (settings.MEDIA_ROOT / second).write_bytes((settings.MEDIA_ROOT / first).read_bytes())
    with pytest.raises(ValueError):
        files.open_decrypted(second)


def test_a_failed_submission_leaves_no_file(world, settings):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(world)
        raise RuntimeError("a later step of the same transaction fails")
    assert stored_files(settings.MEDIA_ROOT) == []
    before = counts()
    bad = [upload(m) for m in world["materials"]] + [
        services.Upload(material_id=None, name="x.pdf", content=PDF, content_type="application/pdf")
    ]
    with pytest.raises(InvalidInput):
        submit(world, uploads=bad)
    assert counts() == before and stored_files(settings.MEDIA_ROOT) == []


def test_files_stored_before_encryption_still_download(world, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(world)
    row = case.materials.order_by("id").first()
    legacy = f"cases/2026/09/{case.number}-legacy.pdf"
    (settings.MEDIA_ROOT / "cases/2026/09").mkdir(parents=True)
    (settings.MEDIA_ROOT / legacy).write_bytes(PDF)
    CaseMaterial.objects.filter(pk=row.pk).update(file=legacy)
    response = as_user(world["citizen"]).get(f"/cases/{case.number}/files/{row.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    (settings.MEDIA_ROOT / legacy).unlink()
    assert as_user(world["citizen"]).get(f"/cases/{case.number}/files/{row.pk}/").status_code == 404


# --- caching ---------------------------------------------------------------------------------


def test_api_answers_and_signed_in_pages_are_not_stored(world, client):
    case = submit(world)
    citizen = as_user(world["citizen"])
    for response in (
        citizen.get(URL),
        citizen.get(f"/cases/{case.number}/"),
        as_user(world["officer"]).get(f"/workbench/cases/{case.number}/"),
        client.get("/api/v1/catalog/items"),
        client.get(URL),  # 401 without a session: still not stored
    ):
        assert "no-store" in response["Cache-Control"], response
        assert "private" in response["Cache-Control"]
    assert "no-store" not in client.get("/").get("Cache-Control", "")
