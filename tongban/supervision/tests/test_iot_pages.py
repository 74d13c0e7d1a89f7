"""The workbench pages: the sites list and a site's live page (who sees what, what they show)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ..ingest import Ingestor
from .iot_world import World, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(name="world")
def world_fixture(regions_loaded):
    w = World()
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)
    readings = [(i, t0 + dt.timedelta(minutes=i), "71.5" if i >= 3 else "50") for i in range(1, 7)]
    Ingestor().process([w.message(readings)])
    return w


def test_sites_list_shows_the_departments_sites(world, client, django_assert_max_num_queries):
    client.force_login(world.officer)
    with django_assert_max_num_queries(12):
        response = client.get("/supervision/iot/sites/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "好味道餐馆后厨" in body and "jh-kitchen-1" in body
    assert "private, no-store" in response["Cache-Control"]
    client.force_login(world.stranger)
    body = client.get("/supervision/iot/sites/").content.decode()
    assert "好味道餐馆后厨" not in body and "本部门没有监测点位" in body


def test_site_live_page(world, client):
    client.force_login(world.officer)
    response = client.get(f"/supervision/iot/sites/{world.site.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "noise-001" in body and "71.5 dB(A)" in body
    assert "&gt; 60 连续 3 次或持续 10 分钟" in body  # the alert's rule
    assert 'hx-trigger="every 10s"' in body
    assert body.count("<tr><td>20") == 6  # the six readings, newest first


def test_site_page_is_private(world, client):
    url = f"/supervision/iot/sites/{world.site.pk}/"
    assert client.get(url).status_code == 302
    client.force_login(world.stranger)
    assert client.get(url).status_code == 404
    assert client.get("/supervision/iot/sites/999999999/").status_code == 404
    client.force_login(staff("iot-nobody", superuser=False))
    assert client.get(url).status_code == 404
