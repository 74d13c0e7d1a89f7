"""The dispatch classifier: trained on a deterministic history, measured on the held-out tickets
(exact counts), stored as data with a digest; suggestions write nothing and dispatch nothing."""

from __future__ import annotations

import pytest

from tongban.core.errors import Conflict
from tongban.demo import hotline_history

from .. import classifier, suggest
from ..models_kb import DispatchModel
from .kb_world import (
    department,
    snapshot,
)

HISTORY = 600


@pytest.fixture(name="units")
def units_fixture(db, regions_loaded):
    """The departments the history dispatches to, by name."""
    out = {}
    for code, district, _streets in hotline_history.DISTRICTS:
        for matter in hotline_history.UNITS:
            name = hotline_history.unit_name(matter, district)
            if name not in out:
                region = code[:6] if "{d}" in hotline_history.UNITS[matter] else "420100"
                out[name] = department(name, region)
    return out


def samples(units, n=HISTORY):
    return [
        classifier.Sample(t.ref, t.text, t.region_code, t.category, units[t.unit_name].pk, t.address)
        for t in hotline_history.history(n)
    ]


def test_history_is_deterministic():
    a, b = hotline_history.history(50), hotline_history.history(50)
    assert a == b
    assert len({t.ref for t in a}) == 50
    assert hotline_history.history(50, seed=7) != a
    assert len(hotline_history.unit_names()) == 7 * 7 + 2


def test_unit_kinds_drop_the_names_of_the_regions(units):
    kinds = classifier.unit_kinds([d.pk for d in units.values()])
    assert {kinds[units[n].pk] for n in ("武汉市江岸区市场监督管理局", "武汉市洪山区市场监督管理局")} == {
        "市场监督管理局"
    }
    assert kinds[units["武汉市公安局江岸区分局"].pk] == "公安局分局"
    assert kinds[units["武汉住房公积金管理中心"].pk] == "住房公积金管理中心"
    assert len(set(kinds.values())) == 9


def test_split_is_fixed_by_the_ticket_number():
    refs = [t.ref for t in hotline_history.history(HISTORY)]
    assert sum(classifier.held_out(r) for r in refs) == 144
    assert classifier.held_out(refs[0]) is classifier.held_out(refs[0])


def test_training_reports_exact_held_out_accuracy(units):
    report = classifier.do_train(actor="system:test", samples=samples(units))
    model = report.model
    assert (report.samples, report.train, report.test) == (HISTORY, 456, 144)
    assert (report.category_correct, report.unit_correct) == (142, 137)
    assert (model.test_count, model.category_correct, model.unit_correct) == (144, 142, 137)
    assert model.is_active and model.digest == classifier._digest(model.data)
    assert report.lines()[1] == "诉求分类 category: 142/144 = 98.6%"
    assert report.lines()[2] == "承办单位 handling unit: 137/144 = 95.1%"
    # Measured on what was stored: re-scoring the held-out tickets with the stored data agrees.
    loaded = classifier.Loaded.from_data(DispatchModel.objects.get(pk=model.pk).data)
    held = [s for s in samples(units) if classifier.held_out(s.ref)]
    assert sum(loaded.top("unit", s) == str(s.unit_id) for s in held) == 137
    # A retrain makes a new active version and keeps the old one.
    again = classifier.do_train(actor="system:test", samples=samples(units))
    assert list(DispatchModel.objects.values_list("pk", "is_active")) == [
        (again.model.pk, True),
        (model.pk, False),
    ]


def test_suggestion_names_a_unit_of_the_place_and_writes_nothing(units):
    classifier.do_train(actor="system:test", samples=samples(units))
    before = snapshot()
    s = suggest.suggest("汉正街一家超市卖过期食品，要求市场监管部门查处", "420104000000")
    assert (s.category, s.unit_name) == ("market", "武汉市硚口区市场监督管理局")
    assert s.unit_id == units["武汉市硚口区市场监督管理局"].pk
    assert 0 < s.confidence <= 1 and len(s.alternatives) == 3
    assert all(a.probability <= s.confidence for a in s.alternatives)
    s = suggest.suggest("红钢城有人开设赌场，每天晚上很多人进出", "420107000000")
    assert (s.category, s.unit_name) == ("safety", "武汉市公安局青山区分局")
    s = suggest.suggest("公积金提取要什么材料", "420106000000")
    assert (s.category, s.unit_name) == ("housing", "武汉住房公积金管理中心")
    assert snapshot() == before  # advice only: nothing written, nothing audited


def test_no_model_or_nothing_known_gives_no_suggestion(units):
    assert suggest.suggest("汉正街超市卖过期食品") is None
    classifier.do_train(actor="system:test", samples=samples(units))
    assert suggest.suggest("") is None
    assert suggest.suggest("zzzz qqqq") is None


def test_a_tampered_model_is_not_used(units):
    report = classifier.do_train(actor="system:test", samples=samples(units, 200))
    data = report.model.data
    data["heads"]["category"]["intercept"][0] += 5.0
    DispatchModel.objects.filter(pk=report.model.pk).update(data=data)
    assert suggest.suggest("汉正街超市卖过期食品", "420104000000") is None
    with pytest.raises(Conflict):
        classifier.load(DispatchModel.objects.get(pk=report.model.pk))


def test_too_little_history_is_refused_and_writes_nothing(units):
    before = snapshot()
    with pytest.raises(Conflict):
        classifier.do_train(actor="system:test", samples=samples(units, 19))
    assert snapshot() == before
