"""Request-wide policies: language, error rendering for htmx."""

import pytest


@pytest.mark.django_db
def test_chinese_first_whatever_the_browser_asks(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert '<html lang="zh-Hans"' in page.content.decode()


@pytest.mark.django_db
def test_english_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/")
    assert '<html lang="en"' in page.content.decode()


@pytest.mark.django_db
def test_domain_error_in_an_htmx_request_is_a_fragment(client):
    response = client.get("/region/children/99/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in body
    assert "行政区划代码应为6位或12位数字" in body
