"""Fixtures of the themes tests (a module of their own: the app's tests are shared with the
fan-out part). Modules import the fixtures by name."""

from __future__ import annotations

import pytest

from tongban.catalog import testing as catalog_testing
from tongban.core.models import AuditEvent

from .. import testing
from ..models import Theme, ThemeReview, ThemeVersion

SYSTEM = "system:test"
WUHAN = "420100000000"


class World:
    def __init__(self):
        self.dept = catalog_testing.make_department(region="420100", name="武汉市行政审批局")
        self.items = testing.make_member_items(self.dept)
        self.editor = testing.make_admin("theme-editor")
        self.reviewer = testing.make_admin("theme-reviewer")
        self.doc = testing.simple_spec(self.items)


@pytest.fixture(name="world")
def world_fixture(db, regions_loaded) -> World:
    return World()


def snapshot() -> dict[str, int]:
    """Row counts a refused write must leave unchanged."""
    return {
        "themes": Theme.objects.count(),
        "versions": ThemeVersion.objects.count(),
        "reviews": ThemeReview.objects.count(),
        "audit": AuditEvent.objects.count(),
    }
