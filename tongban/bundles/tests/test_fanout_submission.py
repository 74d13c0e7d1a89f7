"""One submission of 企业开办: the bundle, its members and the first member case; dependants
start when the 营业执照 is issued and receive it from the e-licence library; the lease uploaded
once serves both members that need it; a retry is idempotent; a stranger finds nothing."""

from __future__ import annotations

import pytest

from tongban.bundles import fanout, progress, queries_fanout
from tongban.bundles.models import Bundle, BundleFile, BundleKey, BundleMember, BundleOutbox
from tongban.bundles.testing import make_published_theme
from tongban.cases import queries as case_queries
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .fanout_support import (  # noqa: F401 - regions_loaded is a fixture
    BUSINESS_TYPE,
    LEASE,
    PDF2,
    SHARED,
    build_world,
    conclude,
    day,
    files,
    spec_doc,
    submit,
)


@pytest.fixture
def world(db, regions_loaded, settings, tmp_path, day):  # noqa: F811
    world = build_world(settings, tmp_path)
    world["theme"] = make_published_theme(
        spec_doc(world), code="qykb", region_code="420115000000", name="企业开办"
    )
    return world


def counts() -> dict:
    return {
        "bundles": Bundle.objects.count(),
        "members": BundleMember.objects.count(),
        "files": BundleFile.objects.count(),
        "outbox": BundleOutbox.objects.count(),
        "keys": BundleKey.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def members(bundle) -> dict:
    return {m.key: m for m in BundleMember.objects.filter(bundle=bundle)}


def cases_of(world):
    return list(case_queries.cases_of(world["citizen"]).order_by("id"))


def test_one_submission_creates_the_bundle_and_the_first_member_case(world):
    bundle = submit(world, world["theme"], idempotency_key="once-1")
    assert (bundle.theme_code, bundle.state, bundle.promised_days) == ("qykb", "in_progress", 1)
    assert (str(bundle.received_on), str(bundle.promised_due)) == ("2026-09-29", "2026-09-30")
    by_key = members(bundle)
    assert {k: m.state for k, m in by_key.items()} == {
        "licence": "case",
        "seal": "waiting",
        "social": "waiting",
        "tax": "waiting",
        "fund": "waiting",
    }
    [case] = cases_of(world)
    assert (case.number, case.item_code, case.state) == (
        by_key["licence"].case_number,
        world["items"]["licence"].code,
        "submitted",
    )
    assert case_queries.case_materials(case).filter(name=LEASE).count() == 1
    # Shared once: one file for the lease, one 申请书 per member.
    assert BundleFile.objects.filter(bundle=bundle, key="lease").count() == 1
    assert BundleFile.objects.filter(bundle=bundle).count() == 6
    assert BundleOutbox.objects.filter(done_at__isnull=True).count() == 0


def test_dependants_start_when_the_licence_is_issued_and_receive_it_without_upload(
    world, django_capture_on_commit_callbacks
):
    bundle = submit(world, world["theme"])
    licence_case = members(bundle)["licence"].case_number
    with django_capture_on_commit_callbacks(execute=True):
        concluded = conclude(world, "licence", licence_case)
    assert concluded.result_licence
    by_key = members(bundle)
    assert {k: m.state for k, m in by_key.items()} == dict.fromkeys(
        ("licence", "seal", "social", "tax", "fund"), "case"
    )
    cases = {c.number: c for c in cases_of(world)}
    assert len(cases) == 5
    for key in ("seal", "social", "tax", "fund"):
        case = cases[by_key[key].case_number]
        assert case.item_code == world["items"][key].code
        [licence] = case_queries.case_licences(case)
        assert (licence.identifier, licence.name) == (concluded.result_licence, "营业执照")
        assert not case_queries.case_materials(case).filter(name="营业执照").exists()
    # Material de-duplication: the lease uploaded once is the same file in both member cases.
    lease = {
        key: list(
            case_queries.case_materials(cases[by_key[key].case_number])
            .filter(name=LEASE)
            .values_list("sha256", flat=True)
        )
        for key in ("licence", "tax")
    }
    assert lease["licence"] == lease["tax"] and len(lease["tax"]) == 1
    assert BundleFile.objects.filter(bundle=bundle, key="lease").count() == 1


def test_dependency_order_a_dependant_waits_while_its_requirement_runs(
    world, django_capture_on_commit_callbacks
):
    bundle = submit(world, world["theme"])
    number = members(bundle)["licence"].case_number
    officer = world["officers"]["licence"][0]
    from tongban.cases import services as case_services

    with django_capture_on_commit_callbacks(execute=True):
        case_services.do_accept(actor=officer, number=number)
    assert [m.state for m in members(bundle).values() if m.key != "licence"] == ["waiting"] * 4
    assert len(cases_of(world)) == 1
    assert fanout.dispatch_pending() == 0  # nothing is ready: the recovery creates nothing either


def test_double_submission_with_the_same_key_is_one_bundle(world):
    first = submit(world, world["theme"], idempotency_key="form-token-1")
    before = counts()
    again = submit(world, world["theme"], idempotency_key="form-token-1")
    assert again.pk == first.pk
    assert counts() == before
    assert len(cases_of(world)) == 1
    with pytest.raises(Conflict):
        submit(
            world,
            world["theme"],
            idempotency_key="form-token-1",
            shared={**SHARED, "company_name": "别的公司"},
        )
    assert counts() == before


def test_a_missing_shared_field_and_a_missing_upload_are_named_and_nothing_is_written(world):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        submit(world, world["theme"], shared={"phone": "13900000003"})
    assert "company_name" in {p.field for p in exc.value.problems}
    uploads = files(world=world)
    del uploads["lease"]
    with pytest.raises(InvalidInput) as exc:
        submit(world, world["theme"], uploads=uploads)
    assert {p.field for p in exc.value.problems} >= {"materials", "lease"}
    assert counts() == before
    assert cases_of(world) == []


def test_another_persons_bundle_is_not_found(world):
    bundle = submit(world, world["theme"])
    for actor in (world["stranger"], world["officers"]["seal"][0]):
        with pytest.raises(NotFound):
            queries_fanout.bundle_status(bundle.number, actor)
        with pytest.raises(NotFound):
            progress.do_withdraw_bundle(actor=actor, number=bundle.number)
    assert Bundle.objects.get(pk=bundle.pk).state == "in_progress"
    status = queries_fanout.bundle_status(bundle.number, world["citizen"])
    assert [m.key for m in status.members] == ["licence", "seal", "social", "tax", "fund"]


def test_the_lease_file_content_is_what_was_uploaded(world):
    bundle = submit(world, world["theme"])
    row = BundleFile.objects.get(bundle=bundle, key="lease")
    from tongban.core import files as core_files

    assert core_files.open_decrypted(row.file.name) == PDF2
    assert BUSINESS_TYPE in [e["type_code"] for e in members(bundle)["seal"].library]


def test_the_applicant_gets_one_receipt_for_the_bundle_not_one_per_member(world):
    """Regression: each member case sent its own "已收到您的申请" SMS (five for 企业开办)."""
    from django.core.cache import cache

    from tongban.accounts.gateways import SMS
    from tongban.accounts.tests.identity_support import mobile

    key = SMS.outbox_key(mobile(3))  # 娄钢, the world's citizen
    cache.delete(key)
    try:
        bundle = submit(world, world["theme"], idempotency_key="receipt-1")
        sent = cache.get(key, [])
        assert len(sent) == 1, sent
        assert sent[0].startswith(f"【通办】您的一件事联办{bundle.number}（企业开办）已收到，5个事项")
        [case] = cases_of(world)
        # the member case still tells in the app (its own history), only the SMS is the bundle's
        notes = case_queries.notifications(world["citizen"]).filter(case=case)
        assert list(notes.values_list("msgid", flat=True)) == ["已收到您的申请，正在预审"]
        submit(world, world["theme"], idempotency_key="receipt-1")  # a retry sends nothing more
        assert len(cache.get(key, [])) == 1
    finally:
        cache.delete(key)
