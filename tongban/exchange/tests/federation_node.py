"""One node of the two-process federation test (test_federation_live.py), run in its own process
against that node's own database (DATABASE_URL and EXCHANGE_* in the environment):

    python -m tongban.exchange.tests.federation_node <step> '<json arguments>'

prints one JSON object. The steps build each node's state the way a deployment would have it
(departments, the OIDC clients of the other node's systems, catalogue entries, grants) and read
it back for the test's assertions. Test code: never imported by the platform."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

SYSTEM = "system:federation-test"


def _department(name: str, region: str):
    import random

    from tongban.core import services as core_services
    from tongban.core.identifiers import make_credit_code

    return core_services.do_upsert_department(
        actor=SYSTEM,
        name=name,
        credit_code=make_credit_code(random.Random(f"federation:{name}"), region=region, kind="11"),
        region_code=region,
        kind="bureau",
    )


def _system(department, client_id: str, secret: str, name: str) -> None:
    from tongban.accounts import clients

    clients.do_register_client(
        actor=SYSTEM,
        name=name,
        department_id=department.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
        client_id=client_id,
        client_secret=secret,
    )


def _regions() -> None:
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services

    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor=SYSTEM)


def _grant(resource, department, client_id: str, *, fields, purposes, rate_limit: str = "100/m") -> int:
    from django.utils import timezone

    from tongban.exchange.enums import GrantState, RequestState
    from tongban.exchange.models import Grant, ShareRequest

    now, today = timezone.now(), timezone.localdate()
    until = today + dt.timedelta(days=365)
    request = ShareRequest.objects.create(
        number=f"FED{ShareRequest.objects.count() + 1:08d}",
        resource=resource,
        requester=department,
        client_id=client_id,
        fields=list(fields),
        purpose="联邦测试",
        purpose_codes=list(purposes),
        legal_basis="《政务信息资源共享管理暂行办法》",
        serves=["FED-TEST"],
        valid_until=until,
        expected_daily_calls=100,
        state=RequestState.APPROVED,
        submitted_by=SYSTEM,
        submitted_at=now,
        due_on=today,
        decided_by=SYSTEM,
        decided_at=now,
    )
    grant = Grant.objects.create(
        request=request,
        resource=resource,
        code=resource.code,
        department=department,
        client_id=client_id,
        fields=list(fields),
        purpose_codes=list(purposes),
        rate_limit=rate_limit,
        expires_on=until,
        state=GrantState.ACTIVE,
        granted_by=SYSTEM,
        granted_at=now,
    )
    return grant.pk


def setup_city(*, province_client: str, province_secret: str, person: dict) -> dict:
    """The city: its public-security bureau's catalogue (BM-GA-001 mounted as a data service over
    the city's population register; BM-GA-002 a file, not mounted), one person, the province's
    system as a client here, and the city's grant to it on BM-GA-001 (name and sex, for licensing)."""
    from tongban.accounts import services as account_services
    from tongban.exchange.testing import make_resource

    _regions()
    bureau = _department("武汉市公安局", "420100")
    province_office = _department("湖北省政务服务和大数据管理局", "420000")
    _system(province_office, province_client, province_secret, "湖北省数据共享交换平台")
    account_services.do_upsert_population_record(
        actor=SYSTEM, name=person["name"], id_number=person["id_number"]
    )
    fields = [
        {"key": "name", "name": "姓名", "type": "C", "length": 50, "sensitivity": "personal"},
        {"key": "sex", "name": "性别", "type": "C", "length": 1, "sensitivity": "personal"},
        {"key": "birth_date", "name": "出生日期", "type": "D", "sensitivity": "personal"},
    ]
    wh1 = make_resource(
        bureau, code="BM-GA-001", name="武汉市户籍人口信息", fields=fields, mount_target="population.person"
    )
    make_resource(
        bureau, code="BM-GA-002", name="武汉市户籍人口统计表", format="spreadsheet", open_type="open"
    )
    grant = _grant(wh1, province_office, province_client, fields=["name", "sex"], purposes=["licensing"])
    return {"grant": grant}


def setup_province(*, city_client: str, city_secret: str, caller_client: str, caller_secret: str) -> dict:
    """The province: the city's data office (the registrant for city:420100) and the province's
    market-regulation bureau (the caller), each a client_credentials system."""
    _regions()
    city_office = _department("武汉市政务服务和大数据管理局", "420100")
    caller = _department("湖北省市场监督管理局", "420000")
    _system(city_office, city_client, city_secret, "武汉市数据共享交换节点")
    _system(caller, caller_client, caller_secret, "湖北省市场监管业务系统")
    return {"city_office": city_office.pk, "caller": caller.pk}


def grant_province(*, code: str, client_id: str, fields: list, purposes: list) -> dict:
    """The province's grant to `client_id`'s system on its current entry `code`."""
    from tongban.core.models import Department
    from tongban.exchange.models import Resource

    resource = Resource.objects.get(code=code, is_current=True)
    department = Department.objects.get(name="湖北省市场监督管理局")
    return {"grant": _grant(resource, department, client_id, fields=fields, purposes=purposes)}


def grant_state(*, grant: int, state: str) -> dict:
    """Suspend or resume a grant (as the grants service would; written directly here)."""
    from django.utils import timezone

    from tongban.exchange.models import Grant

    changed = Grant.objects.filter(pk=grant).update(
        state=state, changed_by=SYSTEM, changed_at=timezone.now(), change_reason="联邦测试"
    )
    return {"changed": changed}


def state() -> dict:
    from tongban.core.models import AuditEvent
    from tongban.exchange.models import CallLog, Mount, Resource

    return {
        "resources": list(
            Resource.objects.order_by("code", "version").values(
                "code", "version", "is_current", "state", "origin", "origin_code", "name", "provider__name"
            )
        ),
        "mounts": list(Mount.objects.order_by("code").values("code", "kind", "state", "target")),
        "calls": list(
            CallLog.objects.order_by("id").values(
                "service_code",
                "client_id",
                "purpose",
                "case_number",
                "subject_index",
                "subject_masked",
                "fields",
                "outcome",
                "error_code",
                "node",
            )
        ),
        "audit": list(
            AuditEvent.objects.filter(action__startswith="exchange.federation.")
            .order_by("pk")
            .values_list("action", "actor", "object_id")
        ),
    }


def revoke_tokens(*, client_id: str) -> dict:
    """Delete every access token of `client_id` (as revoking them would)."""
    from oauth2_provider.models import get_access_token_model

    deleted, _ = get_access_token_model().objects.filter(application__client_id=client_id).delete()
    return {"deleted": deleted}


STEPS = {
    "revoke-tokens": revoke_tokens,
    "setup-city": setup_city,
    "setup-province": setup_province,
    "grant-province": grant_province,
    "grant-state": grant_state,
    "state": state,
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    step = STEPS[sys.argv[1]]
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    sys.stdout.write(json.dumps(step(**args), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
