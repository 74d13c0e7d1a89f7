"""The region and large-text cookies: read safely, written with safe attributes."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tongban.portal import context

pytestmark = pytest.mark.django_db


def request_with(**cookies):
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    return request


def test_region_from_cookie(regions):
    assert context.region_from_cookie(request_with(tb_region="420100")).name == "武汉市"
    assert context.region_from_cookie(request_with(tb_region="420100000000")).name == "武汉市"
    for bad in ("", "abc", "42010", "429999", "４２０１００"):
        assert context.region_from_cookie(request_with(tb_region=bad)) is None, bad


def test_portal_context_is_lazy_and_safe(regions, django_assert_num_queries):
    with django_assert_num_queries(0):
        ctx = context.portal(request_with(tb_region="420100", tb_large="1"))
    assert ctx["current_region_code"] == "420100000000"
    assert ctx["large_text"] is True
    with django_assert_num_queries(1):
        assert ctx["current_region"].name == "武汉市"
    assert context.portal(request_with(tb_large="yes"))["large_text"] is False


def test_cookies_are_http_only_and_lax(regions):
    response = HttpResponse()
    context.set_region_cookie(response, context.region_from_cookie(request_with(tb_region="420100")))
    context.set_large_text_cookie(response, True)
    for name, value in (("tb_region", "420100000000"), ("tb_large", "1")):
        morsel = response.cookies[name]
        assert morsel.value == value
        assert (
            morsel["httponly"] is True
            and morsel["samesite"] == "Lax"
            and morsel["max-age"] == 365 * 24 * 3600
        )
