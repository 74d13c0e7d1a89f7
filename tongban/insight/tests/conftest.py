"""Fixtures of the insight tests."""

import pytest

from tongban.core import services as core_services

SYSTEM = "system:test"


@pytest.fixture
def regions(db):
    """Hubei's province, cities and counties (core's reference data)."""
    return core_services.do_load_regions(actor=SYSTEM)
