"""The pages: 我的评价, the rating form, a link, the hall screen, the public figures, the workbench."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.cases import services as case_services

from .. import services
from ..models import Rating, Rectification
from .conftest import FORM_HALL, as_user, conclude, counts, upload_all


def html(response) -> str:
    return response.content.decode()


def test_anonymous_visitors_see_what_it_is(client, rworld):
    page = html(client.get("/ratings/"))
    assert "政务服务好差评" in page and 'href="/ratings/public/"' in page and "登录后查看我的评价" in page
    assert client.get("/ratings/public/").status_code == 200


def test_rate_from_the_case_page(rworld):
    number = conclude(rworld)
    citizen = as_user(rworld["citizen"])
    case_page = html(citizen.get(f"/cases/{number}/"))
    assert f'href="/ratings/rate/case/{number}/"' in case_page
    mine = html(citizen.get("/ratings/"))
    assert 'id="pending-ratings"' in mine and number in mine
    form = html(citizen.get(f"/ratings/rate/case/{number}/"))
    assert 'name="level"' in form and 'name="reasons"' in form
    before = counts()
    bad = citizen.post(f"/ratings/rate/case/{number}/", {"level": "5"})
    assert bad.status_code == 400
    assert 'id="err-reasons"' in html(bad) and 'id="err-text"' in html(bad)
    assert counts() == before
    response = citizen.post(
        f"/ratings/rate/case/{number}/", {"level": "4", "reasons": ["slow", "trips"], "text": "来回跑了三趟"}
    )
    assert response.status_code == 302 and response["Location"] == "/ratings/"
    rating = Rating.objects.get(ref=number)
    assert (rating.level, rating.reasons, rating.channel) == (4, ["slow", "trips"], "pc")
    assert "不满意" in html(citizen.get(f"/cases/{number}/"))


def test_a_stranger_gets_404_on_the_form(rworld):
    number = conclude(rworld)
    stranger = as_user(rworld["stranger"])
    before = counts()
    assert stranger.get(f"/ratings/rate/case/{number}/").status_code == 404
    assert stranger.post(f"/ratings/rate/case/{number}/", {"level": "1"}).status_code == 404
    assert counts() == before
    assert f"/ratings/rate/case/{number}/" not in html(stranger.get("/ratings/"))


def test_the_workbench_loop(rworld):
    number = conclude(rworld)
    services.do_rate(
        actor=rworld["citizen"], kind="case", ref=number, level=5, reasons=["attitude"], text="窗口态度很差"
    )
    rect = Rectification.objects.get()
    admin, officer = as_user(rworld["admin"]), as_user(rworld["officer"])
    assert number in html(officer.get("/ratings/workbench/"))
    assert as_user(rworld["outsider"]).get(f"/ratings/workbench/rect/{rect.pk}/").status_code == 404
    detail = html(admin.get(f"/ratings/workbench/rect/{rect.pk}/"))
    assert f'action="/ratings/workbench/rect/{rect.pk}/verify/"' in detail
    assert admin.post(f"/ratings/workbench/rect/{rect.pk}/verify/", {"note": "属实"}).status_code == 302
    bad = officer.post(f"/ratings/workbench/rect/{rect.pk}/reply/", {"measures": "", "reply": "已整改"})
    assert bad.status_code == 400 and 'id="err-measures"' in html(bad)
    response = officer.post(
        f"/ratings/workbench/rect/{rect.pk}/reply/", {"measures": "窗口人员培训", "reply": "已批评教育并培训"}
    )
    assert response.status_code == 302
    citizen = as_user(rworld["citizen"])
    mine = html(citizen.get("/ratings/"))
    assert "已批评教育并培训" in mine and f'action="/ratings/fix/{rect.pk}/"' in mine
    assert citizen.post(f"/ratings/fix/{rect.pk}/", {"level": "1"}).status_code == 302
    rect.refresh_from_db()
    assert (rect.state, rect.fix_level) == ("closed", 1)
    ranking = html(admin.get("/ratings/workbench/rankings/?by=dept"))
    assert rworld["dept"].name in ranking
    assert admin.get("/ratings/workbench/rankings/?by=nope").status_code == 400


def test_public_figures_move(rworld, client):
    number = conclude(rworld)
    services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=1)
    page = html(client.get("/ratings/public/"))
    assert rworld["dept"].name in page and "100.00%" in page
    assert client.get("/ratings/public/?from=2026-1").status_code == 400
    region = html(client.get("/ratings/public/?by=region"))
    assert "武汉市" in region


def test_the_hall_screen_and_the_qr_code(rworld):
    hall = rworld["clerk"].department_id
    services.do_create_window(actor=rworld["admin"], code="A01", name="综合受理1号窗口", department_id=hall)
    clerk = as_user(rworld["clerk"])
    assert clerk.post("/ratings/workbench/windows/A01/take/").status_code == 302
    screen = Client()
    assert 'id="screen-unpaired"' in html(screen.get("/ratings/hall/A01/"))
    assert screen.post("/ratings/hall/A01/", {"case": "x", "level": "1"}).status_code == 403
    assert Client().get("/ratings/hall/ZZ9/").status_code == 404
    # the clerk pairs the screen from its browser (the cookie stays with that browser)
    screen.force_login(rworld["clerk"])
    assert screen.post("/ratings/hall/A01/pair/").status_code == 302
    cookie = screen.cookies.get("tb_rating_screen")
    assert cookie is not None and cookie["httponly"] and cookie["path"] == "/ratings/hall/A01/"
    screen.logout()  # a screen signed in as nobody, with the cookie only
    screen.cookies["tb_rating_screen"] = cookie.value
    assert 'id="screen-idle"' in html(screen.get("/ratings/hall/A01/"))
    case = case_services.do_window_intake(
        actor=rworld["clerk"],
        applicant_id=rworld["citizen"].pk,
        item_code=rworld["item"].code,
        data=FORM_HALL,
        uploads=upload_all(rworld),
    )
    page = html(screen.get("/ratings/hall/A01/"))
    assert f'value="{case.number}"' in page
    qr = html(clerk.post("/ratings/workbench/windows/A01/qr/"))
    assert 'id="rating-qr"' in qr and "<svg" in qr
    response = screen.post("/ratings/hall/A01/", {"case": case.number, "level": "1"})
    assert response.status_code == 302
    rating = Rating.objects.get(ref=case.number, node="window")
    assert (rating.channel, rating.clerk_id) == ("tablet", rworld["clerk"].pk)
    assert 'id="screen-idle"' in html(screen.get("/ratings/hall/A01/"))


@pytest.mark.parametrize("token", ["nothing", "abc:def"])
def test_a_bad_link_is_404(client, rworld, token):
    assert client.get(f"/ratings/t/{token}/").status_code == 404


def test_the_rankings_api(rworld, client):
    number = conclude(rworld)
    services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=2)
    body = client.get("/api/v1/ratings/rankings").json()
    assert isinstance(body, list), body
    assert [(line["key"], line["count"], line["good_rate"]) for line in body] == [
        (str(rworld["dept"].pk), 1, 100.0)
    ]
    cities = client.get("/api/v1/ratings/rankings?by=region&level=2").json()
    assert [(line["key"], line["name"]) for line in cities] == [("420100", "武汉市")]
    bad = client.get("/api/v1/ratings/rankings?since=2026-01")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "since"
    assert client.get("/api/v1/ratings/rankings?by=nope").status_code == 400
    assert client.get("/api/v1/ratings/rankings?by=region&level=4").json()["errors"][0]["field"] == "level"
