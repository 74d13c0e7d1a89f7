"""The rows of the insight dashboards (一屏全览): public pages, figures and downloads that show
counts and rates of the platform, never a person. 200 for everyone, signed in or not."""

from __future__ import annotations

from .table import Row, rules

PUBLIC = rules(200)

INSIGHT_PAGES = [
    Row("insight_dashboard", "get", "/insight/?region=420100", "/insight/", PUBLIC),
    Row("insight_screen", "get", "/insight/screen/", "/insight/screen/", PUBLIC),
    Row("insight_formulas", "get", "/insight/formulas/", "/insight/formulas/", PUBLIC),
    Row("insight_csv", "get", "/insight/export.csv?table=ranking", "/insight/export.csv", PUBLIC),
    Row("insight_xlsx", "get", "/insight/export.xlsx?table=channels", "/insight/export.xlsx", PUBLIC),
    Row("insight_map", "get", "/insight/map.json?region=420100", "/insight/map.json", PUBLIC),
]
