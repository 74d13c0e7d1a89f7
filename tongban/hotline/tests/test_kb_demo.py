"""The demo's knowledge base and dispatch history: articles live for the assist panel, 400
dispatched tickets, the classifier trained on them with its held-out accuracy; idempotent."""

from __future__ import annotations

import pytest
from django.test import TestCase

from tongban.demo import hotline_history, hotline_kb

from .. import kb, suggest
from ..models import Ticket
from ..models_kb import Article, DispatchModel
from .tickets_world import clock_fixture, department, world_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_articles_history_and_a_trained_model_once(world):
    for code, district, _s in hotline_history.DISTRICTS:
        for matter, pattern in hotline_history.UNITS.items():
            department(
                hotline_history.unit_name(matter, district), code[:6] if "{d}" in pattern else "420100"
            )
    for owner in {a[0] for a in hotline_kb.ARTICLES}:
        department(owner, "420115" if "江夏" in owner else "420100")
    said: list[str] = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert hotline_kb.seed_hotline_kb(actor="system:demo", say=said.append) is True
    assert Article.objects.count() == 8 and Article.objects.filter(live=True).count() == 7
    assert Ticket.objects.filter(state="dispatched", channel="phone").count() == hotline_kb.HISTORY
    model = DispatchModel.objects.get()
    assert (model.samples, model.test_count, model.category_correct, model.unit_correct) == (400, 78, 75, 77)
    assert said[-2:] == [
        f"hotline: 诉求分类 category: {model.category_correct}/{model.test_count} = "
        f"{100 * model.category_correct / model.test_count:.1f}%",
        f"hotline: 承办单位 handling unit: {model.unit_correct}/{model.test_count} = "
        f"{100 * model.unit_correct / model.test_count:.1f}%",
    ]
    hits = kb.search_articles("我租房想把公积金取出来，要带什么材料")
    assert hits[0].article.question == "租房提取住房公积金需要哪些材料？"
    s = suggest.suggest("徐家棚一家超市卖过期食品", "420106000000")
    assert s.unit_name == "武汉市武昌区市场监督管理局"
    counts = (Article.objects.count(), Ticket.objects.count(), DispatchModel.objects.count())
    assert hotline_kb.seed_hotline_kb(actor="system:demo", say=said.append) is False
    assert (Article.objects.count(), Ticket.objects.count(), DispatchModel.objects.count()) == counts
