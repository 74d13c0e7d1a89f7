"""The demo's cases across Hubei's cities (`insight_cases.py`) on the seeded demo (the run's one
seed, `story_support.demo_for_module`); the rollups the hook kept equal a recount, the dashboards'
reads see the cities and counties, the evaluation ranks them, and a second seed writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tongban.cases.tests.story_support import demo_for_module
from tongban.core.models import AuditEvent
from tongban.demo import insight_cases
from tongban.insight import evaluation, rollups
from tongban.insight import queries as insight_queries

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
FAR = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
PROVINCE = "420000000000"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded demo (committed: the run's one seed, restored when another module seeded it
    first), then `seed demo` and the spread's seed again, which must write nothing."""
    hashers = [FAST_HASHER, *settings.PASSWORD_HASHERS]
    with demo_for_module(django_db_blocker, tmp_path_factory.mktemp("demo-media")) as first:
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers):
            counts = (AuditEvent.objects.count(), rollups.live_rows(*FAR))
            second = StringIO()
            call_command("seed", "demo", stdout=second)
            again = (AuditEvent.objects.count(), rollups.live_rows(*FAR))
            said = []
            third = insight_cases.seed_spread(actor="system:seed", say=said.append)
        yield {
            "first": first,
            "second": second.getvalue(),
            "counts": (counts, again),
            "third": (third, said),
        }


pytestmark = pytest.mark.django_db


def _week() -> tuple[dt.date, dt.date]:
    """The days the cases were seeded on (the seed may cross a midnight)."""
    today = timezone.localdate()
    return today - dt.timedelta(days=7), today


def _received(region: str) -> dict[str, int]:
    since, today = _week()
    return {
        r.name: r.value
        for r in insight_queries.breakdown("received", region=region, date_from=since, date_to=today)
        if r.value
    }


def test_the_rollups_kept_by_the_hook_equal_a_recount(demo):
    live = rollups.live_rows(*FAR)
    recount = {k: v for k, v in rollups.recount(*FAR).items() if any(v.values())}
    assert live == recount
    received = sum(v["received"] for (grain, *_), v in live.items() if grain == "m")
    assert 150 <= received <= 300


def test_every_city_has_cases_and_volumes_differ(demo):
    cities = _received(PROVINCE)
    assert len(cities) == 17  # every city-level unit, 武汉市 to 神农架林区
    assert cities["武汉市"] == max(cities.values())
    assert len(set(cities.values())) >= 8  # rankings differ
    assert re.search(
        r"insight cases: 164 cases in 17 cities \(\d+ walk-ins, 6 online citizens", demo["first"]
    )


def test_drill_down_into_wuhan_and_yichang_shows_counties(demo):
    wuhan = _received("420100000000")
    assert set(wuhan) == {"武昌区", "洪山区", "东西湖区", "江夏区"}  # 江夏: the story's cases
    assert set(_received("420500000000")) == {"夷陵区", "宜都市", "当阳市"}


def test_a_mix_of_states_and_channels(demo):
    since, today = _week()
    states = {
        key: n
        for key, _label, n in insight_queries.volumes(
            region=PROVINCE, date_from=since, date_to=today, by="state"
        )
        if n
    }
    assert {"submitted", "supplement", "accepted", "refused", "returned", "concluded", "delivered"} <= set(
        states
    )
    channels = {
        key: n
        for key, _label, n in insight_queries.volumes(
            region=PROVINCE, date_from=since, date_to=today, by="channel"
        )
        if n
    }
    assert {"1", "2", "3"} <= set(channels)  # window, PC, mobile


def test_the_evaluation_ranks_the_cities_with_different_scores(demo):
    run = evaluation.runs().get(year=timezone.localdate().year)
    scores = evaluation.city_scores(run)
    assert len(scores) == 17
    assert len({s.total for s in scores}) >= 10
    assert scores[0].total > scores[-1].total


def test_a_second_seed_writes_nothing(demo):
    first, again = demo["counts"]
    assert first == again
    assert "insight cases" not in demo["second"]
    assert demo["third"] == (None, [])
