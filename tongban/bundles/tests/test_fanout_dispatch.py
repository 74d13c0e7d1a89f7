"""The fan-out's one transaction per bundle: the member cases made together from what the
submission decided once (each member's material plan carried on `BundleMember.provided`), and
a member that fails at dispatch keeping its error on its pending outbox row while the others
are made."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.test import TestCase

from tongban.bundles import fanout, submission
from tongban.bundles.models import BundleMember, BundleOutbox
from tongban.cases import queries as case_queries
from tongban.catalog import services as catalog_services
from tongban.catalog.testing import SYSTEM, make_basic_item, make_item
from tongban.core.models import AuditEvent

from .fanout_support import (  # noqa: F401 - day and world_fixture are fixtures
    SHARED,
    day,
    files,
    own_fields,
    publish_theme,
    requiring_nothing,
    shared_fields,
    spec_doc,
    upload,
    with_licence_uploaded,
    world_fixture,
)


def submit_later(world, code: str, uploads: dict, own: dict):
    """Submit, keeping the post-commit dispatch (the last hook) back: returned to run by hand.
    The other hooks (the files written on commit) run."""
    with TestCase.captureOnCommitCallbacks(execute=False) as hooks:
        bundle = submission.do_submit_bundle(
            actor=world["citizen"], theme_code=code, answers={}, shared=SHARED, own=own, uploads=uploads
        )
    *writes, dispatch = hooks
    for hook in writes:
        hook()
    return bundle, dispatch


def test_a_member_failing_at_dispatch_keeps_its_error_and_the_others_are_made(world):
    publish_theme(world, requiring_nothing(spec_doc(world)), code="qykb-all")  # five start at once
    uploads = with_licence_uploaded(world, files(world=world), "seal", "social", "tax", "fund")
    bundle, dispatch = submit_later(world, "qykb-all", uploads, own_fields())
    assert BundleOutbox.objects.filter(member__bundle=bundle, done_at__isnull=True).count() == 5
    # Between the submission and the dispatch the 印章刻制备案 gets a new version: its materials
    # are new rows, so the files given for the old ones no longer belong to it.
    seal = world["items"]["seal"]
    draft = catalog_services.do_new_version(actor=SYSTEM, item=seal)
    catalog_services.do_submit_for_review(actor=SYSTEM, item=draft)
    catalog_services.do_approve(actor=SYSTEM, item=draft)
    before = AuditEvent.objects.filter(action="bundles.dispatch").count()

    assert fanout.dispatch_bundle(bundle.number) == 4

    members = {m.key: m for m in BundleMember.objects.filter(bundle=bundle)}
    assert {k: m.state for k, m in members.items()} == {
        "licence": "case",
        "seal": "queued",
        "social": "case",
        "tax": "case",
        "fund": "case",
    }
    row = BundleOutbox.objects.get(member=members["seal"])
    assert (row.done_at, row.attempts, row.last_error) == (None, 1, "materials：上传的材料不属于该事项")
    done = BundleOutbox.objects.filter(member__bundle=bundle, done_at__isnull=False)
    assert sorted(done.values_list("attempts", flat=True)) == [1, 1, 1, 1]
    assert AuditEvent.objects.filter(action="bundles.dispatch").count() == before + 4
    cases = list(case_queries.cases_of(world["citizen"]))
    assert sorted(c.number for c in cases) == sorted(m.case_number for m in members.values() if m.case_number)
    # The recovery tries the failing row again (still failing), and makes nothing twice.
    assert fanout.dispatch_pending() == 0
    row.refresh_from_db()
    assert (row.done_at, row.attempts) == (None, 2)
    assert case_queries.cases_of(world["citizen"]).count() == 4
    dispatch()  # the submission's own post-commit dispatch, late: nothing left to make
    assert case_queries.cases_of(world["citizen"]).count() == 4


def name_theme(world) -> dict:
    """A one-member theme whose item has a generated 申请表, an identity material and an upload."""
    materials = [
        {"name": "《企业登记申请表》", "originals": 1, "copies": 0},
        {
            "name": "申请人居民身份证",
            "source": "2",
            "originals": 1,
            "copies": 0,
            "license_type_code": "11100000000013127D001",
            "license_type_name": "居民身份证",
        },
        {"name": "申请书", "originals": 1, "copies": 0, "requirement": "required"},
    ]
    item = make_item(world["depts"]["licence"], make_basic_item(name="名称自主申报"), materials=materials)
    form_material, card, letter = item.materials.order_by("order", "id")
    doc = {
        "promised_days": 1,
        "questions": [],
        "shared_fields": shared_fields(),
        "shared_materials": [],
        "members": [
            {
                "key": "name",
                "item_code": item.code,
                "when": [],
                "requires": [],
                "on_requirement_refused": "cancel",
                "fields": {"applicant_name": "company_name", "contact_phone": "phone"},
                "materials": {},
            }
        ],
    }
    publish_theme(world, doc, code="mczz", name="名称自主申报")
    return {"form": form_material, "card": card, "letter": letter}


def submit_name(world, parts):
    return submit_later(
        world, "mczz", {f"name.m_{parts['letter'].pk}": upload()}, {"name": {"request": "名称申报"}}
    )


def test_the_material_plan_is_decided_at_submission_and_carried_to_the_member_case(world):
    parts = name_theme(world)
    form_material, card = parts["form"], parts["card"]
    citizen = world["citizen"]
    verified = citizen.verified_at
    bundle, dispatch = submit_name(world, parts)
    member = BundleMember.objects.get(bundle=bundle)
    assert member.provided == [
        {"material_id": form_material.pk, "how": "generated"},
        {"material_id": card.pk, "how": "identity", "level": 2, "verified_at": verified.isoformat()},
    ]
    # The dispatcher uses what the submission decided (the page promised it): a change of the
    # person's verification afterwards does not undo the 免提交 of this application.
    get_user_model().objects.filter(pk=citizen.pk).update(assurance_level=1)
    dispatch()
    member.refresh_from_db()
    case = case_queries.cases_of(citizen).get(number=member.case_number)
    assert case.identity_materials == [
        {"material_id": card.pk, "name": "申请人居民身份证", "level": 2, "verified_at": verified.isoformat()}
    ]
    generated = list(
        case_queries.case_materials(case).filter(stage="generated").values_list("name", flat=True)
    )
    assert generated == ["企业登记申请表（系统生成）.pdf"]
    assert isinstance(dt.datetime.fromisoformat(member.provided[1]["verified_at"]), dt.datetime)


def test_a_member_without_a_carried_plan_is_decided_at_dispatch(world):
    """Bundles submitted before the plan was carried (`provided` null) still dispatch: the plan
    is decided then, for the person as they are at that moment."""
    parts = name_theme(world)
    citizen = world["citizen"]
    bundle, dispatch = submit_name(world, parts)
    BundleMember.objects.filter(bundle=bundle).update(provided=None)
    get_user_model().objects.filter(pk=citizen.pk).update(assurance_level=1)
    dispatch()
    member = BundleMember.objects.get(bundle=bundle)
    case = case_queries.cases_of(citizen).get(number=member.case_number)
    assert case.identity_materials == []  # at L1 now: no verified identity stands for the card
    generated = list(
        case_queries.case_materials(case).filter(stage="generated").values_list("name", flat=True)
    )
    assert generated == ["企业登记申请表（系统生成）.pdf"]
