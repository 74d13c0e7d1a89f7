"""Fixtures: the cases app's world (Hubei's regions, the 2026 calendar, a department with
officers, a published item, a citizen), reused as it is."""

from tongban.cases.tests.conftest import day, regions_loaded, world  # noqa: F401 - pytest fixtures
