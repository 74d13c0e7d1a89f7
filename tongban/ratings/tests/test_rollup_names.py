"""The ranking by item names its lines from the item rollup rows (`Rollup.name`), kept by every
write and by the full recount: it never looks names up in the ratings (10⁷ rows at province
scale, without an index on the item code)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .. import queries, rollups, services
from ..enums import Level, Scope
from ..models import Rating, Rollup
from .conftest import conclude


def test_the_item_ranking_reads_names_from_the_rollups_only(rworld):
    number = conclude(rworld)
    services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=Level.VERY_SATISFIED)
    rating = Rating.objects.get(ref=number)
    code, name = rating.item_code, rating.item_name
    assert code and name
    assert list(Rollup.objects.filter(scope=Scope.ITEM).values_list("key", "name").distinct()) == [
        (code, name)
    ]
    assert set(Rollup.objects.exclude(scope=Scope.ITEM).values_list("name", flat=True)) == {""}
    with CaptureQueriesContext(connection) as read:
        lines = queries.ranking(Scope.ITEM)
    assert [(line["key"], line["name"], line["count"], line["rank"]) for line in lines] == [
        (code, name, 1, 1)
    ]
    assert "item_name" not in lines[0]
    assert len(read.captured_queries) == 1
    assert "ratings_rating" not in read.captured_queries[0]["sql"]


def test_the_recount_names_the_item_rows(rworld):
    number = conclude(rworld)
    services.do_rate(actor=rworld["citizen"], kind="case", ref=number, level=Level.SATISFIED)
    name = Rating.objects.get(ref=number).item_name
    Rollup.objects.update(name="")
    rollups.rebuild()
    assert set(Rollup.objects.filter(scope=Scope.ITEM).values_list("name", flat=True)) == {name}
    assert set(Rollup.objects.exclude(scope=Scope.ITEM).values_list("name", flat=True)) == {""}
    assert queries.ranking(Scope.ITEM)[0]["name"] == name
    assert rollups.drift() == []
