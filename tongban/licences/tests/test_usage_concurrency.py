"""The usage log under concurrent queries, on PostgreSQL: every query and every refusal from
threads racing each other leaves exactly one row (its own module: a transactional test flushes
the regions the module loaded)."""

from __future__ import annotations

import pytest

from .. import services
from .test_concurrency import needs_postgres, race

pytestmark = pytest.mark.usefixtures("regions_loaded")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_usage_log_is_complete_under_concurrent_queries(world, transactional_db):
    """Eight agencies' threads query at once, some within their scope and some outside it: every
    query and every refusal leaves exactly one row, with its own purpose."""
    from tongban.core.errors import Forbidden

    from ..models import LicenceUsage
    from .conftest import CODES, COMPANY, issue_business

    issue_business(world)
    services.do_grant_use(
        actor=world["platform"],
        type_code=CODES["营业执照"],
        department=world["jianghan"].pk,
        basis="企业开办",
    )
    per_thread = 25

    def agency(n):
        def run():
            refused = 0
            for i in range(per_thread):
                dept = world["jianghan"] if n % 2 == 0 else world["forestry"]
                try:
                    services.use_licence(
                        actor="system:test",
                        department_id=dept.pk,
                        holder_code=COMPANY,
                        type_code=CODES["营业执照"],
                        purpose=f"线程{n}第{i}次",
                    )
                except Forbidden:
                    refused += 1
            return refused

        return run

    results = race(*[agency(n) for n in range(8)])
    assert results == [0, per_thread] * 4, results
    rows = list(LicenceUsage.objects.values_list("purpose", "outcome"))
    assert len(rows) == 8 * per_thread
    assert sorted(p for p, _ in rows) == sorted(
        f"线程{n}第{i}次" for n in range(8) for i in range(per_thread)
    )
    outcomes = {p: o for p, o in rows}
    assert all(outcomes[f"线程{n}第0次"] == ("supplied" if n % 2 == 0 else "refused") for n in range(8))
