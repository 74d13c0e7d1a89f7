"""The rows of insight's read API (/api/v1/insight/...): public figures over the case rollups,
nothing personal, the same answer for everyone (signed in or not, a department system too)."""

from __future__ import annotations

from .table import Row, rules

API = "/api/v1/insight"
PUBLIC = rules(200)
PERIOD = "region=420100&from=2026-01-01&to=2026-12-31"

INSIGHT_CORE = [
    Row("insight_definitions", "get", f"{API}/definitions", "GET /api/v1/insight/definitions", PUBLIC),
    Row("insight_indicators", "get", f"{API}/indicators?{PERIOD}", "GET /api/v1/insight/indicators", PUBLIC),
    Row(
        "insight_series",
        "get",
        f"{API}/series?indicator=received&{PERIOD}",
        "GET /api/v1/insight/series",
        PUBLIC,
    ),
    Row(
        "insight_breakdown",
        "get",
        f"{API}/breakdown?indicator=online_case_rate&region=420000&from=2026-01-01&to=2026-12-31",
        "GET /api/v1/insight/breakdown",
        PUBLIC,
    ),
    Row("insight_volumes", "get", f"{API}/volumes?by=state&{PERIOD}", "GET /api/v1/insight/volumes", PUBLIC),
]
