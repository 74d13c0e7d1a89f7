"""Dates at the ends of the calendar and NUL bytes: a field error naming the field, nothing
issued, never a 500 (year 9999 plus a validity period used to overflow)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tongban.core.errors import InvalidInput

from .conftest import BUSINESS_FACE, CODES, COMPANY, counts, issue_food
from .test_api import bearer, post, system_token

pytestmark = pytest.mark.usefixtures("regions_loaded")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("valid_from", dt.date(9999, 6, 1)),
        ("issued_on", dt.date(1, 1, 1)),
        ("valid_until", dt.date(9999, 12, 31)),
    ],
)
def test_out_of_range_dates_are_refused_by_the_service(world, field, value):
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        issue_food(world, **{field: value})
    assert [(p.field, p.message) for p in caught.value.problems] == [
        (field, "日期应在 1900-01-01 至 2199-12-31 之间")
    ]
    assert counts() == before


def test_out_of_range_dates_and_nul_bytes_are_400_in_the_api(world):
    _, token = system_token(world["jiangxia"])
    body = {
        "type_code": CODES["营业执照"],
        "holder_name": "武汉鑫达恒通商贸有限公司",
        "holder_code": COMPANY,
        "face": BUSINESS_FACE,
    }
    before = counts()
    for extra, field in (
        ({"valid_from": "9999-06-01"}, "valid_from"),
        ({"issued_on": "0001-01-01"}, "issued_on"),
        ({"holder_name": "武汉\x00公司"}, "holder_name"),
        ({"face": {**BUSINESS_FACE, "established_on": "0001-01-01"}}, "face.established_on"),
    ):
        r = post(Client(), "", body | extra, **bearer(token))
        assert r.status_code == 400, (extra, r.content)
        assert r.json()["errors"][0]["field"] == field, r.json()
    r = post(
        Client(), "/query", {"holder_code": COMPANY, "type_code": "x", "purpose": "核验\x00"}, **bearer(token)
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose"
    assert Client().get("/api/v1/licences/1.2%00/verify", **bearer(token)).status_code == 400
    assert counts() == before


def test_a_renewal_from_year_9999_is_refused(world):
    from .. import services

    licence = issue_food(world)
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        services.do_supersede_licence(
            actor=world["officer"],
            identifier=licence.identifier,
            reason="renewal",
            valid_from=dt.date(9999, 6, 1),
        )
    assert [p.field for p in caught.value.problems] == ["valid_from"]
    assert counts() == before
