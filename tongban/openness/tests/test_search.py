"""`openness.queries`: the filters as parsed, and search at its limits (the candidate cap, the
browse count cap, ranking), on whichever database the run uses (SQLite FTS5 or PostgreSQL GIN)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tongban.core.errors import InvalidInput

from .. import queries
from ..enums import PolicyState, Subject
from .public_world import department, policy

TODAY = dt.date(2026, 9, 29)


@pytest.fixture
def gov(db, regions_loaded):
    return department("湖北省人民政府", region="420000")


def search(**params) -> queries.PolicyPage:
    return queries.search_policies(queries.check_filters(params, today=TODAY))


def test_filters_parse_to_exact_values(gov):
    f = queries.check_filters(
        {"q": "  营商   环境 ", "issuer": gov.credit_code.lower(), "subject": "economy", "year": "2025"},
        today=TODAY,
    )
    assert (f.q, f.issuer, f.issuer_id, f.subject, f.year_from, f.year_to, f.order, f.page) == (
        "营商 环境",
        gov.credit_code,
        gov.pk,
        "economy",
        2025,
        2025,
        "relevance",
        1,
    )
    assert f.as_params() == {
        "q": "营商 环境",
        "issuer": gov.credit_code,
        "subject": "economy",
        "year": "2025",
    }
    assert queries.check_filters({}, today=TODAY).order == "date"


def test_the_current_year_is_allowed_and_the_next_is_not(gov):
    assert queries.check_filters({"year": "2026"}, today=TODAY).year_from == 2026
    with pytest.raises(InvalidInput) as exc:
        queries.check_filters({"to": "2027"}, today=TODAY)
    assert exc.value.problems[0].field == "to"


def test_only_public_states_are_found(gov):
    for state in PolicyState.values:
        policy(gov, title=f"关于营商环境的{state}通知", state=state)
    found = search(q="营商环境").policies
    assert sorted(p.state for p in found) == ["published", "repealed"]


def test_a_large_match_pages_the_newest_candidates_and_says_the_count_is_estimated(gov, monkeypatch):
    monkeypatch.setattr(queries, "CANDIDATES", 5)
    for n in range(8):
        policy(
            gov, title=f"关于安全生产的第{n}号通知", published_on=dt.date(2026, 1, 1) + dt.timedelta(days=n)
        )
    result = search(q="安全生产", sort="date")
    assert (result.exact, result.reachable, result.total >= 6, result.num_pages) == (False, 5, True, 1)
    assert [p.title for p in result.policies] == [f"关于安全生产的第{n}号通知" for n in (7, 6, 5, 4, 3)]
    assert search(q="安全生产", year="2026").exact is False


def test_a_small_match_is_counted_exactly(gov):
    for n in range(3):
        policy(gov, title=f"关于林木采伐的第{n}号通知")
    result = search(q="林木采伐")
    assert (result.total, result.exact, result.num_pages, len(result.policies)) == (3, True, 1, 3)


def test_a_browse_counts_up_to_its_cap_then_estimates(gov, monkeypatch):
    monkeypatch.setattr(queries, "BROWSE_COUNT_CAP", 4)
    for n in range(6):
        policy(gov, title=f"关于第{n}项工作的通知", published_on=dt.date(2025, 1, 1) + dt.timedelta(days=n))
    result = search()
    # SQLite counts (6); PostgreSQL's estimate is at least the cap + 1 rows it read.
    assert result.exact is False and (
        result.total == 6 if connection.vendor == "sqlite" else result.total >= 5
    )
    assert result.reachable == 4 and result.num_pages == 1


def test_relevance_puts_title_hits_before_newer_text_hits(gov):
    policy(gov, title="关于数字政府建设的通知", text="推进一网通办。", published_on=dt.date(2025, 1, 1))
    policy(gov, title="关于其他事项的通知", text="数字政府建设要加快。", published_on=dt.date(2026, 1, 1))
    assert [p.title for p in search(q="数字政府").policies] == [
        "关于数字政府建设的通知",
        "关于其他事项的通知",
    ]
    assert [p.title for p in search(q="数字政府", sort="date").policies] == [
        "关于其他事项的通知",
        "关于数字政府建设的通知",
    ]


def test_the_list_rows_do_not_load_the_full_text(gov):
    policy(gov, title="关于科技创新的通知", text="科技创新" * 1000)
    row = search(q="科技创新").policies[0]
    assert "text" in row.get_deferred_fields() and "search_text" in row.get_deferred_fields()


def test_issuers_and_years_offered_are_those_with_public_policies(gov):
    other = department("湖北省教育厅", region="420000")
    policy(gov, published_on=dt.date(2024, 5, 1))
    policy(other, state=PolicyState.DRAFT)
    assert [d.pk for d in queries.issuers()] == [gov.pk]
    assert queries.years() == [2024]


def test_subject_filter(gov):
    policy(gov, title="关于教育的通知", subject=Subject.SCIENCE)
    policy(gov, title="关于卫生的通知", subject=Subject.HEALTH)
    assert [p.title for p in search(subject="health").policies] == ["关于卫生的通知"]
