"""The demo's disclosure story (`tongban/demo/disclosure.py`) on a small world with the demo's
names: one request through extension and answer, one paused for 补正 for the enterprise, one
with an extension pending, one waiting, one answered 非本机关掌握; idempotent."""

from __future__ import annotations

from django.test import TestCase

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import PASSWORD, rid
from tongban.demo import disclosure as demo
from tongban.licences.tests.conftest import COMPANY, department, staff

from .. import concerns
from ..enums_disclosure import ApplicantKind, ExtensionState, RequestState
from ..models_disclosure import ConcernArticle, DisclosureRequest
from .disclosure_world import SYSTEM, today_fixture  # noqa: F401 (fixtures)


def citizen(mobile: str, name: str, n: int):
    user = account_services.do_register_person(
        actor=SYSTEM, mobile=mobile, password=PASSWORD, display_name=name
    )
    account_services.do_upsert_population_record(actor=SYSTEM, name=name, id_number=rid(n))
    return account_services.do_verify_real_name(actor=user, user=user, name=name, id_number=rid(n))


def test_the_demo_story(regions_loaded, db, today):
    from tongban.core import services as core_services

    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    body = department(demo.BODY, "420115")
    staff("officer", "approving_officer", dept=body)
    staff("deptadmin", "department_admin", dept=body)
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=COMPANY,
        name="武汉鑫达恒通商贸有限公司",
        kind="enterprise",
        legal_rep_name="陈建国",
        legal_rep_id_number=rid(4),
    )
    citizen("17000000001", "李晓明", 1)
    citizen("17000000002", "王芳", 2)
    chen = citizen("17000000004", "陈建国", 4)
    account_services.do_claim_legal_person(actor=chen, credit_code=COMPANY)
    lines = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert demo.seed_disclosure(actor=SYSTEM, say=lines.append) is True
    rows = list(DisclosureRequest.objects.order_by("pk"))
    assert [(r.state, r.applicant_kind) for r in rows] == [
        (RequestState.ANSWERED, ApplicantKind.PERSON),
        (RequestState.CLARIFYING, ApplicantKind.ORGANISATION),
        (RequestState.PROCESSING, ApplicantKind.PERSON),
        (RequestState.RECEIVED, ApplicantKind.PERSON),
        (RequestState.ANSWERED, ApplicantKind.PERSON),
    ]
    first = rows[0]
    assert (first.extension_days, first.answer.kind, first.answer.ground) == (20, "partial", "privacy")
    assert list(rows[2].extensions.values_list("state", flat=True)) == [ExtensionState.PENDING]
    assert rows[4].answer.holder_body == demo.HOLDER
    assert chen.__class__.objects.get(pk=chen.pk).acting == {"kind": "self"}  # switched back
    assert [a.title for a in concerns.public_articles()][::-1] == [a[0] for a in demo.ARTICLES if a[4]]
    assert ConcernArticle.objects.count() == 4
    assert demo.seed_disclosure(actor=SYSTEM, say=lines.append) is False  # idempotent
    assert DisclosureRequest.objects.count() == 5
    assert len(lines) == 1
