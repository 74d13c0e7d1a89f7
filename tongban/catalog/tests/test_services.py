"""Catalogue writes: the draft -> review -> publish workflow, immutable versions, new versions
that copy their children, permissions (four eyes) and the audit events each step records."""

from __future__ import annotations

import pytest

from tongban.catalog import queries, services
from tongban.catalog.enums import Status
from tongban.catalog.models import BasicItem, HandlingItem, ImplementationItem, Material
from tongban.catalog.testing import SYSTEM, item_data, make_basic_item, make_item
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .conftest import counts, make_staff

pytestmark = pytest.mark.usefixtures("regions_loaded")

MATERIAL_VALUES = (
    "order",
    "name",
    "source",
    "originals",
    "copies",
    "medium",
    "requirement",
    "license_type_code",
    "license_type_name",
    "spec",
    "note",
)


def actions(item) -> list[tuple[str, str]]:
    return [(e.action, e.actor) for e in core_queries.audit_events_for("catalog.implementationitem", item.pk)]


def fresh(item):
    return type(item).objects.get(pk=item.pk)


def state(item) -> tuple:
    item = fresh(item)
    return item.status, item.is_current, item.version


def bundle(dept, basic, **overrides):
    data = item_data(dept, basic, **overrides)
    return services.ItemBundle(
        data,
        [
            {"name": "申请书", "originals": 1},
            {"name": "营业执照", "source": "2", "copies": 1, "spec": "复印件加盖公章"},
        ],
        [
            {"code": data["code"] + "001", "name": "设立", "kind": "new"},
            {"code": data["code"] + "002", "name": "变更", "kind": "change"},
        ],
    )


# --- Create ----------------------------------------------------------------------------------


def test_an_editor_creates_a_draft_of_their_department(editor, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    item = fresh(item)
    assert (item.status, item.version, item.is_current, item.published_at, item.created_by) == (
        Status.DRAFT,
        1,
        False,
        None,
        editor,
    )
    assert item.region_id == dept.region_id == "420100000000"
    assert list(item.materials.values_list("order", "name")) == [(1, "申请书"), (2, "营业执照")]
    assert list(item.handling_items.values_list("order", "code", "kind")) == [
        (1, item.code + "001", "new"),
        (2, item.code + "002", "change"),
    ]
    assert actions(item) == [("catalog.item.create", f"user:{editor.pk}")]
    ev = core_queries.audit_events_for("catalog.implementationitem", item.pk).get()
    assert ev.data == {"code": item.code, "version": 1}


def test_derived_flags(dept, basic):
    online = make_item(dept, basic)
    assert (online.is_online, online.is_immediate, online.at_most_once, online.zero_visit) == (
        True,
        False,
        True,
        True,
    )
    window = make_item(
        dept,
        make_basic_item(name="窗口事项"),
        handling_forms=["1"],
        online_depth=["1", "2"],
        fully_online=False,
        visits=2,
        visit_reason="核验原件",
    )
    assert (window.is_online, window.at_most_once, window.zero_visit) == (False, False, False)
    shallow = make_item(
        dept, make_basic_item(name="预审事项"), online_depth=["1", "2", "3"], fully_online=False
    )
    assert shallow.is_online is False  # online forms, but not accepted online


def test_a_draft_is_invisible_to_the_public(dept, basic):
    item = make_item(dept, basic, publish=False)
    with pytest.raises(NotFound):
        queries.get_guide(item.code)
    assert queries.search_items(queries.SearchFilters(q="营业执照")) == (0, [])


def test_the_search_text_covers_name_department_region_result_and_code(dept, basic):
    item = make_item(dept, basic)
    words = set(item.search_text.split())
    assert {"营业执照", "市场", "监督", "武汉市", "决定书", item.code.lower()} <= words


@pytest.mark.parametrize("who", ["other_editor", "reviewer", "anonymous", "plain_staff"])
def test_only_editors_of_the_department_or_admins_create(dept, other_dept, basic, who):
    actor = {
        "other_editor": lambda: make_staff("other", "catalog_editor", department=other_dept),
        "reviewer": lambda: make_staff("rev", "catalog_reviewer", department=dept),
        "anonymous": lambda: None,
        "plain_staff": lambda: make_staff("clerk", "window_clerk", department=dept),
    }[who]()
    before = counts()
    with pytest.raises(Forbidden):
        services.do_create_implementation_item(actor=actor, bundle=bundle(dept, basic))
    assert counts() == before


def test_a_platform_admin_and_a_department_admin_may_create(admin, dept, basic):
    assert services.do_create_implementation_item(actor=admin, bundle=bundle(dept, basic)).created_by == admin
    dept_admin = make_staff("dadmin", "department_admin", department=dept)
    other = make_basic_item(name="食品经营许可证核发")
    assert services.do_create_implementation_item(actor=dept_admin, bundle=bundle(dept, other)).pk


def test_a_duplicate_code_is_a_conflict(dept, basic):
    make_item(dept, basic)
    before = counts()
    with pytest.raises(Conflict):
        services.do_create_implementation_item(actor=SYSTEM, bundle=bundle(dept, basic))
    assert counts() == before


def test_an_unknown_region_is_not_found_and_writes_nothing(dept, basic):
    before = counts()
    with pytest.raises(NotFound):
        services.do_create_implementation_item(
            actor=SYSTEM, bundle=bundle(dept, basic, region_id="420199000000")
        )
    assert counts() == before


# --- Draft -> review -> publish ------------------------------------------------------------------


def test_the_full_workflow(editor, reviewer, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    services.do_submit_for_review(actor=editor, item=item)
    assert state(item) == (Status.IN_REVIEW, False, 1)
    assert fresh(item).submitted_by == editor
    published = services.do_approve(actor=reviewer, item=item, comment="同意")
    got = fresh(item)
    assert (got.status, got.is_current, got.reviewed_by, got.review_comment) == (
        Status.PUBLISHED,
        True,
        reviewer,
        "同意",
    )
    assert got.published_at is not None
    assert published.status == Status.PUBLISHED
    assert queries.get_guide(item.code).pk == item.pk
    assert actions(item) == [
        ("catalog.item.create", f"user:{editor.pk}"),
        ("catalog.item.submit", f"user:{editor.pk}"),
        ("catalog.item.publish", f"user:{reviewer.pk}"),
    ]
    assert audit.verify_chain().ok


def test_reject_sends_the_draft_back_with_a_comment(editor, reviewer, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    services.do_submit_for_review(actor=editor, item=item)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_reject(actor=reviewer, item=item, comment="  ")
    assert [p.field for p in exc.value.problems] == ["comment"]
    assert counts() == before
    assert state(item) == (Status.IN_REVIEW, False, 1)
    services.do_reject(actor=reviewer, item=item, comment="收费依据请写明文号")
    got = fresh(item)
    assert (got.status, got.review_comment, got.reviewed_by) == (Status.DRAFT, "收费依据请写明文号", reviewer)
    assert actions(item)[-1] == ("catalog.item.reject", f"user:{reviewer.pk}")
    # the editor fixes it and submits again; the comment is cleared
    services.do_update_draft(actor=editor, item=item, data={"fee_basis": "无"})
    services.do_submit_for_review(actor=editor, item=item)
    assert fresh(item).review_comment == ""


def test_four_eyes_nobody_approves_what_they_submitted(dept, basic):
    both = make_staff("both", "catalog_editor", "catalog_reviewer", department=dept)
    item = services.do_create_implementation_item(actor=both, bundle=bundle(dept, basic))
    services.do_submit_for_review(actor=both, item=item)
    before = counts()
    with pytest.raises(Forbidden):
        services.do_approve(actor=both, item=item)
    with pytest.raises(Forbidden):
        services.do_reject(actor=both, item=item, comment="自己退回")
    assert counts() == before
    assert state(item) == (Status.IN_REVIEW, False, 1)
    services.do_approve(actor=make_staff("second", "catalog_reviewer"), item=item)
    assert state(item) == (Status.PUBLISHED, True, 1)


def test_four_eyes_binds_platform_admins_too(admin, dept, basic):
    item = services.do_create_implementation_item(actor=admin, bundle=bundle(dept, basic))
    services.do_submit_for_review(actor=admin, item=item)
    with pytest.raises(Forbidden):
        services.do_approve(actor=admin, item=item)
    assert state(item) == (Status.IN_REVIEW, False, 1)


@pytest.mark.parametrize("who", ["editor", "anonymous", "clerk"])
def test_only_reviewers_approve(editor, dept, basic, who):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    services.do_submit_for_review(actor=editor, item=item)
    actor = {
        "editor": make_staff("editor2", "catalog_editor", department=dept),
        "anonymous": None,
        "clerk": make_staff("clerk", "window_clerk", department=dept),
    }[who]
    before = counts()
    with pytest.raises(Forbidden):
        services.do_approve(actor=actor, item=item)
    assert counts() == before
    assert state(item) == (Status.IN_REVIEW, False, 1)


def test_transitions_out_of_order_are_conflicts(editor, reviewer, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    before = counts()
    with pytest.raises(Conflict):
        services.do_approve(actor=reviewer, item=item)  # not submitted
    with pytest.raises(Conflict):
        services.do_reject(actor=reviewer, item=item, comment="x")
    assert counts() == before
    services.do_submit_for_review(actor=editor, item=item)
    with pytest.raises(Conflict):
        services.do_submit_for_review(actor=editor, item=item)  # already in review
    with pytest.raises(Conflict):
        services.do_update_draft(actor=editor, item=item, data={"name": "改名"})  # locked while in review
    services.do_approve(actor=reviewer, item=item)
    with pytest.raises(Conflict):
        services.do_approve(actor=reviewer, item=item)
    assert state(item) == (Status.PUBLISHED, True, 1)


def test_an_editor_of_another_department_cannot_submit(editor, other_dept, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    with pytest.raises(Forbidden):
        services.do_submit_for_review(
            actor=make_staff("other", "catalog_editor", department=other_dept), item=item
        )
    assert state(item) == (Status.DRAFT, False, 1)


def test_submit_rechecks_the_rules(editor, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    BasicItem.objects.filter(code=basic.code).delete()  # the basic item went away meanwhile
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_submit_for_review(actor=editor, item=item)
    assert [p.field for p in exc.value.problems] == ["basic_code"]
    assert counts() == before
    assert state(item) == (Status.DRAFT, False, 1)


# --- Editing drafts ---------------------------------------------------------------------------


def test_update_a_draft(editor, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    services.do_update_draft(
        actor=editor,
        item=item,
        data={"promised_limit": 3, "name": "企业营业执照核发（设立）"},
        materials=[{"name": "申请表"}],
    )
    got = fresh(item)
    assert (got.promised_limit, got.name) == (3, "企业营业执照核发（设立）")
    assert list(got.materials.values_list("name", flat=True)) == ["申请表"]
    assert got.handling_items.count() == 2  # not given: kept
    assert "设立" in got.search_text.split()
    ev = core_queries.audit_events_for("catalog.implementationitem", item.pk).last()
    assert (ev.action, ev.data) == (
        "catalog.item.update",
        {"code": item.code, "changed": ["name", "promised_limit"]},
    )


def test_a_bad_update_names_the_field_and_changes_nothing(editor, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    before = (counts(), list(ImplementationItem.objects.values()), list(Material.objects.values()))
    for data, field in (
        ({"promised_limit": 30}, "promised_limit"),
        ({"code": "X"}, "code"),
        ({"department_id": 0}, "department_id"),
        ({"basic_code": "420100199000"}, "basic_code"),
        ({"colour": "red"}, "colour"),
    ):
        with pytest.raises(InvalidInput) as exc:
            services.do_update_draft(actor=editor, item=item, data=data, materials=[{"name": ""}])
        assert exc.value.problems[0].field == field, data
    assert (counts(), list(ImplementationItem.objects.values()), list(Material.objects.values())) == before


def test_only_the_department_edits_its_drafts(editor, other_dept, dept, basic):
    item = services.do_create_implementation_item(actor=editor, bundle=bundle(dept, basic))
    other = make_staff("other", "catalog_editor", department=other_dept)
    with pytest.raises(Forbidden):
        services.do_update_draft(actor=other, item=item, data={"name": "改名"})
    with pytest.raises(Forbidden):
        services.access_draft(other, item.pk)
    assert services.access_draft(editor, item.pk).pk == item.pk
    with pytest.raises(NotFound):
        services.access_draft(editor, 0)
    assert fresh(item).name == basic.name


# --- Published versions are immutable --------------------------------------------------------------


def test_a_published_version_cannot_be_saved(dept, basic):
    item = make_item(dept, basic)
    item.name = "偷偷改名"
    with pytest.raises(Conflict):
        item.save()
    loaded = fresh(item)
    loaded.promised_limit = 1
    with pytest.raises(Conflict):
        loaded.save()
    with pytest.raises(Conflict):
        services.do_update_draft(actor=SYSTEM, item=loaded, data={"promised_limit": 1})
    got = fresh(item)
    assert (got.name, got.promised_limit) == (basic.name, 5)


def test_a_superseded_version_cannot_be_saved(dept, basic):
    v1 = make_item(dept, basic)
    v2 = services.do_new_version(actor=SYSTEM, item=v1)
    services.do_submit_for_review(actor=SYSTEM, item=v2)
    services.do_approve(actor=SYSTEM, item=v2)
    old = fresh(v1)
    assert old.status == Status.SUPERSEDED
    old.name = "改"
    with pytest.raises(Conflict):
        old.save()


# --- New versions ------------------------------------------------------------------------------


def test_a_new_version_copies_the_item_and_its_children(editor, reviewer, dept, basic):
    v1 = services.do_create_implementation_item(actor=SYSTEM, bundle=bundle(dept, basic), publish=True)
    v2 = services.do_new_version(actor=editor, item=v1)
    assert (v2.version, v2.status, v2.is_current, v2.created_by, v2.published_at) == (
        2,
        Status.DRAFT,
        False,
        editor,
        None,
    )
    assert v2.pk != v1.pk
    assert v2.code == v1.code
    assert v2.search_text == fresh(v1).search_text
    assert list(Material.objects.filter(item=v2).values_list(*MATERIAL_VALUES)) == list(
        Material.objects.filter(item=v1).values_list(*MATERIAL_VALUES)
    )
    assert list(HandlingItem.objects.filter(item=v2).values_list("order", "code", "name", "kind")) == list(
        HandlingItem.objects.filter(item=v1).values_list("order", "code", "name", "kind")
    )
    assert Material.objects.filter(item=v1).count() == 2
    new_version_event = core_queries.audit_events_for("catalog.implementationitem", v2.pk).get()
    assert (new_version_event.action, new_version_event.data) == (
        "catalog.item.new_version",
        {"code": v1.code, "version": 2, "from": 1},
    )

    # Editing the draft leaves version 1 as it was; the public still sees version 1.
    services.do_update_draft(
        actor=editor, item=v2, data={"promised_limit": 2}, materials=[{"name": "申请表"}]
    )
    assert (fresh(v1).promised_limit, Material.objects.filter(item=v1).count()) == (5, 2)
    assert queries.get_guide(v1.code).version == 1

    services.do_submit_for_review(actor=editor, item=v2)
    services.do_approve(actor=reviewer, item=v2)
    assert state(v1) == (Status.SUPERSEDED, False, 1)
    assert state(v2) == (Status.PUBLISHED, True, 2)
    assert queries.get_guide(v1.code).version == 2
    assert queries.get_guide(v1.code).promised_limit == 2
    old = queries.get_guide(v1.code, version=1)
    assert (old.promised_limit, [m.name for m in old.materials.all()]) == (5, ["申请书", "营业执照"])
    assert [i.version for i in queries.item_versions(v1.code)] == [2, 1]
    assert ImplementationItem.objects.filter(code=v1.code, is_current=True).count() == 1


def test_only_one_open_draft_per_item(dept, basic):
    v1 = make_item(dept, basic)
    v2 = services.do_new_version(actor=SYSTEM, item=v1)
    before = counts()
    with pytest.raises(Conflict):
        services.do_new_version(actor=SYSTEM, item=v1)
    with pytest.raises(Conflict):
        services.do_new_version(actor=SYSTEM, item=v2)
    assert counts() == before


def test_a_new_version_needs_a_published_source(dept, basic):
    draft = make_item(dept, basic, publish=False)
    with pytest.raises(Conflict):
        services.do_new_version(actor=SYSTEM, item=draft)


def test_a_new_version_of_a_superseded_version_numbers_after_the_latest(dept, basic):
    v1 = make_item(dept, basic)
    v2 = services.do_new_version(actor=SYSTEM, item=v1)
    services.do_submit_for_review(actor=SYSTEM, item=v2)
    services.do_approve(actor=SYSTEM, item=v2)
    v3 = services.do_new_version(actor=SYSTEM, item=v1)
    assert v3.version == 3


def test_new_version_permission(editor, other_dept, dept, basic):
    v1 = make_item(dept, basic)
    with pytest.raises(Forbidden):
        services.do_new_version(actor=make_staff("other", "catalog_editor", department=other_dept), item=v1)
    assert ImplementationItem.objects.filter(code=v1.code).count() == 1


# --- Basic items -----------------------------------------------------------------------------


def test_basic_item_workflow_and_versions(admin):
    topic = services.do_upsert_topic(actor=admin, slug="kaiban", name="企业开办", audience="enterprise")
    basic = services.do_create_basic_item(
        actor=admin,
        data={
            "code": "420100101000",
            "name": "企业营业执照核发",
            "item_type": "01",
            "level": "7",
            "legal_basis": "《条例》",
            "service_objects": ["2"],
        },
        topics=["kaiban"],
    )
    assert (basic.status, basic.is_current) == (Status.DRAFT, False)
    services.do_submit_for_review(actor=admin, item=basic)
    with pytest.raises(Forbidden):
        services.do_approve(actor=admin, item=basic)  # four eyes
    services.do_approve(actor=make_staff("admin2", "platform_admin"), item=basic)
    assert queries.basic_item_for("420100101000").pk == basic.pk
    v2 = services.do_new_version(actor=admin, item=basic)
    assert (v2.version, list(v2.topics.all())) == (2, [topic])
    assert [e.action for e in core_queries.audit_events_for("catalog.basicitem", basic.pk)] == [
        "catalog.basic.create",
        "catalog.basic.submit",
        "catalog.basic.publish",
    ]


def test_only_platform_admins_edit_the_basic_catalogue(editor, db):
    before = (BasicItem.objects.count(), AuditEvent.objects.count())
    with pytest.raises(Forbidden):
        make_basic_item_as(editor)
    with pytest.raises(Forbidden):
        services.do_upsert_topic(actor=editor, slug="x", name="x", audience="person")
    assert (BasicItem.objects.count(), AuditEvent.objects.count()) == before


def make_basic_item_as(actor):
    return services.do_create_basic_item(
        actor=actor,
        data={
            "code": "420100101000",
            "name": "企业营业执照核发",
            "item_type": "01",
            "level": "7",
            "legal_basis": "《条例》",
            "service_objects": ["2"],
        },
    )


def test_a_duplicate_basic_code_is_a_conflict(basic):
    before = (BasicItem.objects.count(), AuditEvent.objects.count())
    with pytest.raises(Conflict):
        make_basic_item(code=basic.code)
    assert (BasicItem.objects.count(), AuditEvent.objects.count()) == before


# --- Bulk import ------------------------------------------------------------------------------


def test_import_is_all_or_nothing(dept, basic):
    other = make_basic_item(name="食品经营许可证核发")
    good = bundle(dept, basic)
    bad = bundle(dept, other, promised_limit=99)
    bad.row = 7
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_import_items(actor=SYSTEM, bundles=[good, bad], publish=True)
    assert [(p.row, p.field) for p in exc.value.problems] == [(7, "promised_limit")]
    assert counts() == before


def test_import_duplicate_codes_in_one_file(dept, basic):
    first, second = bundle(dept, basic), bundle(dept, basic)
    first.row, second.row = 2, 3
    with pytest.raises(InvalidInput) as exc:
        services.do_import_items(actor=SYSTEM, bundles=[first, second])
    assert [(p.row, p.field) for p in exc.value.problems] == [(3, "code")]


def test_import_creates_and_versions(dept, basic):
    other = make_basic_item(name="食品经营许可证核发")
    assert services.do_import_items(actor=SYSTEM, bundles=[bundle(dept, basic)], publish=True) == {
        "created": 1,
        "new_versions": 0,
    }
    again = [bundle(dept, basic, promised_limit=3), bundle(dept, other)]
    assert services.do_import_items(actor=SYSTEM, bundles=again, publish=True) == {
        "created": 1,
        "new_versions": 1,
    }
    code = f"{dept.credit_code}3{basic.code}"
    assert list(
        ImplementationItem.objects.filter(code=code)
        .order_by("version")
        .values_list("version", "status", "is_current", "promised_limit")
    ) == [
        (1, Status.SUPERSEDED, False, 5),
        (2, Status.PUBLISHED, True, 3),
    ]
    current = queries.get_guide(code)
    assert (current.materials.count(), current.handling_items.count()) == (2, 2)
    ev = AuditEvent.objects.filter(action="catalog.item.import").last()
    assert ev.data["created"] == 1 and ev.data["new_versions"] == 1 and ev.data["published"] is True


def test_import_as_drafts_replaces_an_open_draft(editor, dept, basic):
    make_item(dept, basic)
    services.do_import_items(actor=editor, bundles=[bundle(dept, basic, promised_limit=4)])
    services.do_import_items(actor=editor, bundles=[bundle(dept, basic, promised_limit=3)])
    code = f"{dept.credit_code}3{basic.code}"
    rows = list(
        ImplementationItem.objects.filter(code=code)
        .order_by("version")
        .values_list("status", "is_current", "promised_limit")
    )
    assert rows == [(Status.PUBLISHED, True, 5), (Status.DRAFT, False, 3)]


def test_import_permissions(editor, other_dept, dept, basic):
    other = make_staff("other", "catalog_editor", department=other_dept)
    before = counts()
    with pytest.raises(Forbidden):
        services.do_import_items(actor=editor, bundles=[bundle(dept, basic)], publish=True)
    with pytest.raises(Forbidden):
        services.do_import_items(actor=other, bundles=[bundle(dept, basic)])
    assert counts() == before


# --- The result's e-licence type (configuration set in place, no new version) ----------------

RESULT_TYPE = "11100000000013338W001"
OTHER_TYPE = "111000000000131710001"


def result_types(*items) -> list[tuple[int, str]]:
    return [(i.version, fresh(i).result_license_type_code) for i in items]


def result_events() -> list[tuple[str, str, dict]]:
    rows = AuditEvent.objects.filter(action="catalog.item.result_licence_type").order_by("pk")
    return [(e.actor, e.object_id, e.data) for e in rows]


def test_set_the_result_licence_type_in_place(admin, dept, basic):
    first = make_item(dept, basic)
    second = make_item(dept, make_basic_item(name="食品经营许可证核发"))
    changed = services.do_set_result_licence_type(
        actor=admin, item_ids=[second.pk, first.pk, first.pk], type_code=" 11100000000013338w001 "
    )
    assert changed == 2
    assert result_types(first, second) == [(1, RESULT_TYPE), (1, RESULT_TYPE)]
    assert (state(first), state(second)) == ((Status.PUBLISHED, True, 1), (Status.PUBLISHED, True, 1))
    assert queries.get_guide(first.code).result_license_type_code == RESULT_TYPE
    assert result_events() == [
        (
            audit.actor_label(admin),
            str(item.pk),
            {"code": item.code, "version": 1, "from": "", "to": RESULT_TYPE, "open_versions": []},
        )
        for item in (first, second)
    ]


def test_setting_it_again_changes_nothing_and_writes_no_audit(dept, basic):
    item = make_item(dept, basic)
    assert services.do_set_result_licence_type(actor=SYSTEM, item_ids=[item.pk], type_code=RESULT_TYPE) == 1
    before = (counts(), list(ImplementationItem.objects.values()))
    assert services.do_set_result_licence_type(actor=SYSTEM, item_ids=[item.pk], type_code=RESULT_TYPE) == 0
    assert (counts(), list(ImplementationItem.objects.values())) == before


def test_a_blank_code_clears_it(dept, basic):
    item = make_item(dept, basic)
    services.do_set_result_licence_type(actor=SYSTEM, item_ids=[item.pk], type_code=RESULT_TYPE)
    assert services.do_set_result_licence_type(actor=SYSTEM, item_ids=[item.pk], type_code="") == 1
    assert result_types(item) == [(1, "")]
    assert result_events()[-1][2] == {
        "code": item.code,
        "version": 1,
        "from": RESULT_TYPE,
        "to": "",
        "open_versions": [],
    }


@pytest.mark.parametrize(
    "type_code",
    [
        "11100000000013338W",  # the ministry's code without the sequence
        "11100000000013338W0011",  # 22 characters
        "11100000000013338WABC",  # the sequence is not digits
        "11100000000013338X001",  # a wrong check character
    ],
)
def test_a_bad_code_names_type_code_and_changes_nothing(dept, basic, type_code):
    item = make_item(dept, basic)
    before = (counts(), list(ImplementationItem.objects.values()))
    with pytest.raises(InvalidInput) as exc:
        services.do_set_result_licence_type(actor=SYSTEM, item_ids=[item.pk], type_code=type_code)
    assert [p.field for p in exc.value.problems] == ["type_code"]
    assert (counts(), list(ImplementationItem.objects.values())) == before


def test_only_current_items_are_configured_and_nothing_changes_otherwise(dept, basic):
    current = make_item(dept, basic)
    draft = make_item(dept, make_basic_item(name="食品经营许可证核发"), publish=False)
    before = (counts(), list(ImplementationItem.objects.values()))
    for ids in ([current.pk, draft.pk], [current.pk, 999_999], ["x"]):
        with pytest.raises(InvalidInput) as exc:
            services.do_set_result_licence_type(actor=SYSTEM, item_ids=ids, type_code=RESULT_TYPE)
        assert [p.field for p in exc.value.problems] == ["item_ids"], ids
    assert (counts(), list(ImplementationItem.objects.values())) == before


def test_only_the_department_or_admins_configure_it(editor, other_dept, dept, basic):
    ours = make_item(dept, basic)
    theirs = make_item(other_dept, make_basic_item(name="食品经营许可证核发"))
    before = (counts(), list(ImplementationItem.objects.values()))
    with pytest.raises(Forbidden):
        services.do_set_result_licence_type(
            actor=editor, item_ids=[ours.pk, theirs.pk], type_code=RESULT_TYPE
        )
    assert (counts(), list(ImplementationItem.objects.values())) == before
    assert services.do_set_result_licence_type(actor=editor, item_ids=[ours.pk], type_code=RESULT_TYPE) == 1


def test_an_open_draft_follows_unless_it_was_given_its_own(dept, basic):
    v1 = make_item(dept, basic)
    v2 = services.do_new_version(actor=SYSTEM, item=v1)
    services.do_set_result_licence_type(actor=SYSTEM, item_ids=[v1.pk], type_code=RESULT_TYPE)
    assert result_types(v1, v2) == [(1, RESULT_TYPE), (2, RESULT_TYPE)]
    assert result_events()[-1][2]["open_versions"] == [2]
    services.do_update_draft(actor=SYSTEM, item=v2, data={"result_license_type_code": OTHER_TYPE})
    services.do_set_result_licence_type(actor=SYSTEM, item_ids=[v1.pk], type_code="")
    assert result_types(v1, v2) == [(1, ""), (2, OTHER_TYPE)]  # the draft's own choice stays
    services.do_submit_for_review(actor=SYSTEM, item=v2)
    services.do_approve(actor=SYSTEM, item=v2)
    assert queries.get_guide(v1.code).result_license_type_code == OTHER_TYPE


def test_new_versions_and_imports_keep_it(dept, basic):
    v1 = make_item(dept, basic)
    services.do_set_result_licence_type(actor=SYSTEM, item_ids=[v1.pk], type_code=RESULT_TYPE)
    v2 = services.do_new_version(actor=SYSTEM, item=v1)
    assert result_types(v2) == [(2, RESULT_TYPE)]
    ImplementationItem.objects.filter(pk=v2.pk).delete()
    # A file without the field keeps the current version's; one that carries it sets it.
    services.do_import_items(actor=SYSTEM, bundles=[bundle(dept, basic, promised_limit=3)], publish=True)
    assert queries.get_guide(v1.code).result_license_type_code == RESULT_TYPE
    with_field = bundle(dept, basic, result_license_type_code=OTHER_TYPE)
    services.do_import_items(actor=SYSTEM, bundles=[with_field], publish=True)
    assert queries.get_guide(v1.code).result_license_type_code == OTHER_TYPE


def test_a_bad_result_licence_type_in_a_guide_names_the_field(dept, basic):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_create_implementation_item(
            actor=SYSTEM, bundle=bundle(dept, basic, result_license_type_code="营业执照")
        )
    assert [p.field for p in exc.value.problems] == ["result_license_type_code"]
    assert counts() == before
