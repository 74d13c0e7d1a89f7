"""The applicant's pages: the combined form, one POST, the status page; another person's
bundle is 404; the withdrawal and the pickup choice; the window's one pickup."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.bundles.models import Bundle, BundleMember
from tongban.bundles.testing import make_published_theme
from tongban.core.idempotency import FORM_FIELD
from tongban.core.testing import once_token

from .fanout_support import (  # noqa: F401 - regions_loaded and day are fixtures
    LEASE,
    PDF,
    PDF2,
    build_world,
    combined_form_post,
    conclude,
    day,
    material_of,
    spec_doc,
    submit,
)


@pytest.fixture
def world(db, regions_loaded, settings, tmp_path, day):  # noqa: F811
    world = build_world(settings, tmp_path)
    world["theme"] = make_published_theme(
        spec_doc(world), code="qykb", region_code="420115000000", name="企业开办"
    )
    return world


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_combined_form_asks_shared_fields_once_and_submits_one_bundle(
    world, django_capture_on_commit_callbacks
):
    client = signed_in(world["citizen"])
    page = client.get("/bundles/qykb/apply/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('name="s_company_name"') == 1
    assert html.count('name="f_lease"') == 1  # the lease once, for two members
    assert "由本次联办自动获取" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/bundles/qykb/apply/", combined_form_post(world, "page-1"))
    assert response.status_code == 302, response.content.decode()[-6000:]
    bundle = Bundle.objects.get()
    assert response["Location"] == f"/bundles/applications/{bundle.number}/"
    status = client.get(response["Location"])
    assert status.status_code == 200
    text = status.content.decode()
    assert "内资有限责任公司设立登记" in text and "等待前置事项" in text
    assert BundleMember.objects.get(bundle=bundle, key="licence").case_number in text
    assert signed_in(world["stranger"]).get(response["Location"]).status_code == 404
    assert Client().get(response["Location"]).status_code == 302  # sign in first
    mine = client.get("/bundles/applications/")
    assert bundle.number in mine.content.decode()


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_withdraw_and_pickup_choice_through_the_page(world):
    bundle = submit(world, world["theme"])
    client = signed_in(world["citizen"])
    page = client.get(f"/bundles/applications/{bundle.number}/").content.decode()
    response = client.post(
        f"/bundles/applications/{bundle.number}/pickup/",
        {
            "pickup": "post",
            "address": "武汉市江夏区纸坊街文化大道99号",
            FORM_FIELD: once_token(page, f"/bundles/applications/{bundle.number}/pickup/"),
        },
    )
    assert response.status_code == 302
    assert Bundle.objects.get(pk=bundle.pk).pickup == "post"
    stranger = signed_in(world["stranger"])
    assert (
        stranger.post(f"/bundles/applications/{bundle.number}/withdraw/", {"reason": "x"}).status_code == 404
    )
    assert Bundle.objects.get(pk=bundle.pk).state == "in_progress"
    response = client.post(f"/bundles/applications/{bundle.number}/withdraw/", {"reason": "不再开办"})
    assert response.status_code == 302
    assert Bundle.objects.get(pk=bundle.pk).state == "withdrawn"


def test_the_window_hands_everything_over_in_one_pickup(world, django_capture_on_commit_callbacks):
    bundle = submit(world, world["theme"])
    licence = BundleMember.objects.get(bundle=bundle, key="licence").case_number
    with django_capture_on_commit_callbacks(execute=True):
        conclude(world, "licence", licence)
    for key in ("seal", "social", "tax", "fund"):
        with django_capture_on_commit_callbacks(execute=True):
            conclude(world, key, BundleMember.objects.get(bundle=bundle, key=key).case_number)
    bundle.refresh_from_db()
    assert (bundle.state, bundle.completed_on_time) == ("completed", True)
    clerk = signed_in(world["clerk"])
    desk = clerk.get("/bundles/applications/window/")
    assert bundle.number in desk.content.decode()
    wrong = clerk.post(
        "/bundles/applications/window/",
        {"number": bundle.number, "code": "000000" if bundle.pickup_code != "000000" else "111111"},
    )
    assert wrong.status_code == 302 and Bundle.objects.get(pk=bundle.pk).state == "completed"
    ok = clerk.post("/bundles/applications/window/", {"number": bundle.number, "code": bundle.pickup_code})
    assert ok.status_code == 302
    bundle.refresh_from_db()
    assert bundle.state == "delivered"
    from tongban.cases import services as case_services

    numbers = list(BundleMember.objects.filter(bundle=bundle).values_list("case_number", flat=True))
    assert {c.state for c in case_services.bundled.member_cases(numbers).values()} == {"delivered"}
