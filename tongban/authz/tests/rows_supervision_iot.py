"""The rows of IoT supervision (物联网监管): the workbench sites list and a site's live page.

The world's `{iot_site}` is a site supervised by 江夏's department (with one noise sensor)."""

from __future__ import annotations

from .table import JIANGXIA_STAFF, LOGIN, Row, each, rules

# The list: every staff member (their department's sites; none for staff without one);
# a person gets 404 (the workbench does not exist for them).
SITES = rules(200, anonymous=LOGIN, people=404)
# A site: its department's staff, platform administrators and superusers.
SITE = rules(404, anonymous=LOGIN, **each((*JIANGXIA_STAFF, "platform_admin", "superuser"), 200))

SUPERVISION_IOT = [
    Row("supervision_iot_sites", "get", "/supervision/iot/sites/", "/supervision/iot/sites/", SITES),
    Row(
        "supervision_iot_site",
        "get",
        "/supervision/iot/sites/{iot_site}/",
        "/supervision/iot/sites/<int:pk>/",
        SITE,
    ),
]
