"""POST /api/v1/bundles/applications with an Idempotency-Key (a retry answers the first bundle,
another body 409) and GET /api/v1/bundles/applications/{number} (another person: 404)."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from tongban.bundles.models import Bundle
from tongban.bundles.testing import make_published_theme

from .fanout_support import (  # noqa: F401 - regions_loaded and day are fixtures
    PDF,
    PDF2,
    SHARED,
    build_world,
    day,
    material_of,
    own_fields,
    spec_doc,
)


@pytest.fixture
def world(db, regions_loaded, settings, tmp_path, day):  # noqa: F811
    world = build_world(settings, tmp_path)
    world["theme"] = make_published_theme(
        spec_doc(world), code="qykb", region_code="420115000000", name="企业开办"
    )
    return world


def body(world, **changes) -> dict:
    def b64(content: bytes) -> dict:
        return {
            "name": "a.pdf",
            "content_type": "application/pdf",
            "content_base64": base64.b64encode(content).decode(),
        }

    files = {"lease": b64(PDF2)}
    for key in ("licence", "seal", "social", "tax", "fund"):
        files[f"{key}.m_{material_of(world['items'][key], '申请书').pk}"] = b64(PDF)
    return {
        "theme_code": "qykb",
        "shared": SHARED,
        "members": own_fields(),
        "files": files,
        "channel": "3",
        **changes,
    }


def post(client, data, key):
    return client.post(
        "/api/v1/bundles/applications",
        json.dumps(data),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_the_api_submits_once_per_key_and_shows_the_status_to_the_applicant_only(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world["citizen"])
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, body(world), "api-key-1")
    assert first.status_code == 201, first.content
    answer = first.json()
    assert [m["key"] for m in answer["members"]] == ["licence", "seal", "social", "tax", "fund"]
    # Answered inside the key's transaction: the first member is queued, dispatched on commit.
    assert [m["state"] for m in answer["members"]] == ["待分发"] + ["等待前置事项"] * 4
    again = post(client, body(world), "api-key-1")
    assert (again.status_code, again.json()["number"]) == (201, answer["number"])
    other = post(client, body(world, shared={**SHARED, "company_name": "另一家公司"}), "api-key-1")
    assert other.status_code == 409
    assert Bundle.objects.count() == 1
    got = client.get(f"/api/v1/bundles/applications/{answer['number']}")
    assert (got.status_code, got.json()["promised_due"]) == (200, "2026-09-30")
    assert got.json()["members"][0]["case_number"] and got.json()["members"][0]["state"] == "已申报"
    stranger = Client()
    stranger.force_login(world["stranger"])
    assert stranger.get(f"/api/v1/bundles/applications/{answer['number']}").status_code == 404


def test_a_bad_file_is_named_and_nothing_is_written(world):
    client = Client()
    client.force_login(world["citizen"])
    data = body(world)
    data["files"]["lease"]["content_base64"] = base64.b64encode(b"not a pdf").decode()
    response = post(client, data, "api-key-2")
    assert response.status_code == 400
    assert "lease" in {e["field"] for e in response.json()["errors"]}
    assert Bundle.objects.count() == 0
