"""Display filters: time limits, visits, phone links, safe URLs."""

from __future__ import annotations

import pytest
from django.utils import translation

from tongban.portal.templatetags.portal import limit_text, safe_http_url, tel, visits_text


@pytest.fixture(autouse=True)
def chinese():
    """Page tests leave the thread's language as their last request set it."""
    with translation.override("zh-hans"):
        yield


def test_limit_text():
    assert limit_text(0, "workday") == "即时办结"
    assert limit_text(5, "workday") == "5个工作日"
    assert limit_text(30, "calendar_day") == "30个自然日"
    assert limit_text(2, "hour") == "2小时"
    assert limit_text(3, "month") == "3个月"
    assert limit_text(None) == ""


def test_limit_text_in_english():
    with translation.override("en"):
        if translation.gettext("工作日") == "工作日":
            return  # translations not compiled here; test_views covers the English page when they are
        assert limit_text(5, "workday") == "5 working days"
        assert limit_text(0, "workday") == "On the spot"


def test_visits_text():
    assert visits_text(0) == "零跑动"
    assert visits_text(1) == "最多跑一次"
    assert visits_text(3) == "需到现场3次"


def test_tel_keeps_only_dialable_characters():
    assert tel("027-8555 1234") == "02785551234"
    assert tel("+86 27 12345") == "+862712345"
    assert tel('12345"><script>') == "12345"


def test_safe_http_url():
    assert safe_http_url("https://zwfw.example.cn/a?b=1") == "https://zwfw.example.cn/a?b=1"
    assert safe_http_url("javascript:alert(1)") == ""
    assert safe_http_url('http://x.cn/"onmouseover=') == ""
    assert safe_http_url("") == ""
