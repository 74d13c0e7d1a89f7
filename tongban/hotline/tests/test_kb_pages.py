"""The knowledge-base workbench pages and the operators' assist fragment: the workflow through the
pages, bad input shown on the form (400, nothing written), outsiders 404, and the assist fragment
listing matching articles and the dispatch suggestion without writing anything."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from tongban.core.testing import once_token
from tongban.demo import hotline_history

from .. import classifier, kb
from ..enums_kb import ArticleState
from ..models_kb import Article
from .kb_world import (  # noqa: F401 (fixture)
    department,
    snapshot,
    staff,
    world_fixture,
)

BASE = "/hotline/workbench/kb/"
GOOD = {
    "question": "住房公积金提取需要哪些材料？",
    "answer": "租房提取需身份证和租赁合同备案证明；购房提取需购房合同和发票。可在线上办理。",
    "keywords": "公积金 提取 材料",
    "category": "housing",
}


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form_token(html: str) -> str:
    m = re.search(r'name="once_token" value="([^"]+)"', html)
    return m.group(1) if m else ""


def test_workflow_through_the_pages(world):
    writer, reviewer = signed_in(world.writer), signed_in(world.reviewer)
    html = writer.get(BASE + "new/").content.decode()
    r = writer.post(BASE + "new/", GOOD | {"once_token": form_token(html)})
    assert r.status_code == 302
    article = Article.objects.get()
    page = f"{BASE}{article.pk}/"
    assert r["Location"] == page
    html = writer.get(page).content.decode()
    assert GOOD["question"] in html and "提交审核" in html
    action = f"{page}submit/"
    r = writer.post(action, {"once_token": once_token(html, action), "lock_version": article.lock_version})
    assert r.status_code == 302
    html = reviewer.get(page).content.decode()
    action = f"{page}approve/"
    article.refresh_from_db()
    r = reviewer.post(action, {"once_token": once_token(html, action), "lock_version": article.lock_version})
    assert r.status_code == 302
    article.refresh_from_db()
    assert (article.state, article.version, article.live) == (ArticleState.PUBLISHED, 1, True)
    # The list, the operators' search and the live article.
    html = writer.get(BASE).content.decode()
    assert GOOD["question"] in html and "v1" in html
    operator = signed_in(world.operator)
    html = operator.get(BASE + "search/", {"q": "公积金提取材料"}).content.decode()
    assert f'href="{BASE}live/{article.pk}/"' in html
    html = operator.get(f"{BASE}live/{article.pk}/").content.decode()
    assert "租赁合同备案证明" in html


def test_bad_input_is_shown_on_the_form_and_writes_nothing(world):
    writer = signed_in(world.writer)
    html = writer.get(BASE + "new/").content.decode()
    before = snapshot()
    r = writer.post(BASE + "new/", GOOD | {"question": "", "once_token": form_token(html)})
    assert r.status_code == 400
    assert "请填写问题" in r.content.decode()
    assert snapshot() == before


def test_outsiders_get_404(world):
    a = kb.do_create_article(actor=world.writer, owner_id=world.market.pk, values=GOOD)
    outsider = signed_in(world.outsider)
    for url in (f"{BASE}{a.pk}/", f"{BASE}{a.pk}/edit/", f"{BASE}{a.pk}/links/", f"{BASE}live/{a.pk}/"):
        assert outsider.get(url).status_code == 404, url
    person = staff("kb-nobody", dept=None)
    person.is_staff = False
    person.save(update_fields=["is_staff"])
    assert signed_in(person).get(BASE + "assist/", {"text": "公积金"}).status_code == 404
    assert Client().get(BASE + "assist/", {"text": "公积金"}).status_code == 302  # to sign in


@pytest.fixture(name="trained")
def trained_fixture(world):
    units = {}
    for code, district, _s in hotline_history.DISTRICTS:
        for matter, pattern in hotline_history.UNITS.items():
            name = hotline_history.unit_name(matter, district)
            if name not in units:
                units[name] = department(name, code[:6] if "{d}" in pattern else "420100")
    samples = [
        classifier.Sample(t.ref, t.text, t.region_code, t.category, units[t.unit_name].pk, t.address)
        for t in hotline_history.history(300)
    ]
    classifier.do_train(actor="system:test", samples=samples)
    return units


def test_assist_fragment_lists_articles_and_the_suggestion_and_writes_nothing(world, trained):
    a = kb.do_create_article(actor=world.writer, owner_id=world.market.pk, values=GOOD)
    kb.do_submit_article(actor=world.writer, pk=a.pk)
    kb.do_approve_article(actor=world.reviewer, pk=a.pk)
    operator = signed_in(world.operator)
    before = snapshot()
    r = operator.get(
        BASE + "assist/",
        {
            "text": "我在中北路租房，想问公积金提取要什么材料",
            "region_code": "420106000000",
            "form_id": "intake",
        },
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert f'name="article_id" value="{a.pk}" form="intake"' in html
    assert "武汉住房公积金管理中心" in html  # the suggested unit
    assert "<form" not in html and "<html" not in html  # a fragment, no form of its own
    r = operator.get(BASE + "assist/", {"text": "x", "form_id": '"><script>'})
    assert r.status_code == 200 and "script" not in r.content.decode()
    assert snapshot() == before


def test_the_included_panel_renders_the_answers_for_its_text(world):
    a = kb.do_create_article(actor=world.writer, owner_id=world.market.pk, values=GOOD)
    kb.do_submit_article(actor=world.writer, pk=a.pk)
    kb.do_approve_article(actor=world.reviewer, pk=a.pk)
    request = RequestFactory().get("/hotline/intake/")
    request.user = world.operator
    html = render_to_string("hotline/kb/_assist.html", {"text": "公积金提取材料"}, request=request)
    assert f'name="article_id" value="{a.pk}"' in html
    assert 'hx-get="/hotline/workbench/kb/assist/"' in html
    html = render_to_string("hotline/kb/_assist.html", {}, request=request)
    assert "article_id" not in html and "kb-suggestion" not in html
