"""Fixtures: the cases app's world (Hubei's regions, the 2026 calendar, a department with
officers, a published item, a citizen), reused as it is."""

import pytest

from tongban.cases.tests.conftest import day, world  # noqa: F401 - pytest fixtures


@pytest.fixture
def regions(db, regions_loaded):
    """Hubei's province, cities and counties (core's reference data), loaded once per module."""
    return None
