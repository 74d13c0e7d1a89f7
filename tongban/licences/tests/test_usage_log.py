"""The usage log's writer on PostgreSQL outside a transaction: one round trip (one prepared
statement, committed asynchronously), its id returned
(its own module: a transactional test flushes the regions the module loaded)."""

from __future__ import annotations

import pytest

from .. import services
from .test_concurrency import needs_postgres

pytestmark = pytest.mark.usefixtures("regions_loaded")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_row_is_written_in_one_round_trip_with_its_id(world, transactional_db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..models import LicenceUsage
    from .conftest import CODES, COMPANY, issue_business

    business = issue_business(world)
    services.do_grant_use(
        actor=world["platform"],
        type_code=CODES["营业执照"],
        department=world["jianghan"].pk,
        basis="企业开办",
    )
    with CaptureQueriesContext(connection) as ctx:
        result = services.use_licence(
            actor="system:test",
            department_id=world["jianghan"].pk,
            holder_code=COMPANY,
            type_code=CODES["营业执照"],
            purpose="企业开办",
        )
    (supplied,) = result.licences
    row = LicenceUsage.objects.get(pk=supplied.usage_id)
    assert (row.identifier, row.outcome, row.purpose) == (business.identifier, "supplied", "企业开办")
    sql = [q["sql"] for q in ctx.captured_queries]
    writes = [q for q in sql if "licences_licenceusage" in q or "tongban_usage_append" in q]
    writes = [q for q in writes if not q.startswith("PREPARE")]  # once per connection
    assert len(writes) == 1 and writes[0].startswith("EXECUTE tongban_usage_append(")
