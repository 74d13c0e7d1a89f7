from __future__ import annotations

import pytest

from tongban.core import services

SYSTEM = "system:test"

# A 2027 calendar file (made-up dates: the State Council has not announced 2027 when this is
# written). 2027-01-01 is a Friday; 02-20 is an adjusted Saturday workday.
CALENDAR_2027 = """\
# 2027 holidays and adjusted workdays
date,kind,name
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-20,workday,春节
"""


@pytest.fixture
def calendar(db):
    """The working-day calendar 2004-2026, seeded from the chinesecalendar package."""
    return services.do_seed_calendar_from_package(actor=SYSTEM)


@pytest.fixture
def regions(db):
    return services.do_load_regions(actor=SYSTEM)
