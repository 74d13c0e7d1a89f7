"""Concurrency of the policy workflow on PostgreSQL (real row locks, one connection per thread):
two reviewers publishing the same policy at once publish it once; a redaction racing a
confirmation of the same finding leaves exactly one of them done."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tongban.catalog.testing import ensure_regions
from tongban.core.errors import Conflict
from tongban.core.models import AuditEvent

from .. import services
from ..enums import FindingStatus, PolicyState
from ..models import Policy
from .policy_world import department, staff, values

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's (SQLite serialises every write)"
)


def race(*calls):
    """Run the calls at once, each in its own thread and connection; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the loser's error is the result
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def people(transactional_db):
    ensure_regions()
    market = department("武汉市市场监督管理局")
    return {
        "drafter": staff("c-drafter", "window_clerk", dept=market),
        "admin": staff("c-admin", "department_admin", dept=market),
        "officer": staff("c-officer", "approving_officer", dept=market),
        "market": market,
    }


def in_secrecy(p, text: str) -> Policy:
    policy = services.do_create_policy(actor=p["drafter"], issuer_id=p["market"].pk, values=values(text=text))
    services.do_add_interpretation(
        actor=p["drafter"], policy_id=policy.pk, kind="text", title="解读", text="内容"
    )
    services.do_submit_policy(actor=p["drafter"], policy_id=policy.pk)
    return services.do_review_policy(actor=p["admin"], policy_id=policy.pk, approve=True)


def test_two_publications_at_once_publish_once(people):
    policy = in_secrecy(people, "各区市场监督管理局：现将有关事项通知如下。")
    services.do_secrecy_review(actor=people["officer"], policy_id=policy.pk, approve=True)
    results = race(
        lambda: services.do_publish_policy(actor=people["admin"], policy_id=policy.pk),
        lambda: services.do_publish_policy(actor=people["officer"], policy_id=policy.pk),
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Policy"], results
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.PUBLISHED
    assert AuditEvent.objects.filter(action="openness.policy.published").count() == 1
    assert policy.reviews.filter(step="publish").count() == 1


def test_redaction_racing_a_confirmation(people):
    policy = in_secrecy(people, "经审查，申请人王建国的申请符合条件。")
    finding = policy.findings.get()
    results = race(
        lambda: services.do_redact_finding(actor=people["officer"], finding_id=finding.pk),
        lambda: services.do_confirm_finding(actor=people["admin"], finding_id=finding.pk, reason="公开人员"),
    )
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    finding.refresh_from_db()
    text = Policy.objects.get(pk=policy.pk).text
    if finding.status == FindingStatus.REDACTED:
        assert text == "经审查，申请人王**的申请符合条件。"
    else:
        assert (finding.status, text) == (FindingStatus.CONFIRMED, "经审查，申请人王建国的申请符合条件。")
