"""Theme writes through the services: validation against the catalogue (each refusal changes
nothing), four-eyes review, versioning, withdrawal, and the factories other parts use."""

from __future__ import annotations

import copy

import pytest

from tongban.accounts.enums import StaffRole
from tongban.bundles import queries, services, testing
from tongban.catalog import testing as catalog_testing
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from ..enums_themes import ThemeStatus
from ..models import ThemeReview, ThemeVersion
from .themes_world import WUHAN, snapshot, world_fixture  # noqa: F401 (fixtures)


def create(world, doc=None, code="company-opening", actor=None):
    return services.do_create_theme(
        actor=actor or world.editor,
        code=code,
        region_code=WUHAN,
        name="企业开办",
        audience="enterprise",
        spec=doc or world.doc,
    )


def fields(excinfo) -> list[str]:
    return [p.field for p in excinfo.value.problems]


def test_create_submit_approve_publishes_with_four_eyes(world):
    version = create(world)
    assert (version.version, version.status, version.is_current) == (1, ThemeStatus.DRAFT, False)
    assert queries.published_theme("company-opening") is None
    services.do_submit(actor=world.editor, version=version)
    with pytest.raises(Forbidden):
        services.do_approve(actor=world.editor, version=version)  # nobody approves their own
    assert ThemeVersion.objects.get(pk=version.pk).status == ThemeStatus.IN_REVIEW
    services.do_approve(actor=world.reviewer, version=version, comment="同意")
    published = queries.published_theme("company-opening")
    assert (published.version, published.name, published.region_code) == (1, "企业开办", WUHAN)
    assert [m.key for m in published.spec.members] == ["m0", "m1", "m2"]
    review = ThemeReview.objects.get(version=version)
    assert (review.reviewer, review.decision, review.comment) == (world.reviewer, "approve", "同意")
    actions = list(
        AuditEvent.objects.filter(action__startswith="bundles.theme").values_list("action", flat=True)
    )
    assert actions == ["bundles.theme.create", "bundles.theme.submit", "bundles.theme.publish"]


def test_reject_returns_the_draft_with_the_reason(world):
    version = create(world)
    services.do_submit(actor=world.editor, version=version)
    with pytest.raises(InvalidInput) as excinfo:
        services.do_reject(actor=world.reviewer, version=version, comment=" ")
    assert fields(excinfo) == ["comment"]
    services.do_reject(actor=world.reviewer, version=version, comment="请补充情形引导")
    version.refresh_from_db()
    assert (version.status, version.review_comment) == (ThemeStatus.DRAFT, "请补充情形引导")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d, w: d.update(members=[]), "members"),
        (
            lambda d, w: d["members"][1].update(item_code="11420100MB0000000X3420100999000"),
            "members[1].item_code",
        ),
        (
            lambda d, w: d["members"][1]["requires"][0].update(result="11100000000013338W999"),
            "members[1].requires[0].result",
        ),
        (
            lambda d, w: d["members"][0].update(requires=[{"member": "m1", "result": "X"}]),
            "members[0].requires",
        ),
        (
            lambda d, w: d["members"][1]["fields"].update(applicant_name="unknown"),
            "members[1].fields.applicant_name",
        ),
        (
            lambda d, w: d["members"][1].update(when=[{"question": "q", "in": ["a"]}]),
            "members[1].when[0].question",
        ),
    ],
)
def test_invalid_specs_are_refused_and_nothing_is_saved(world, change, field):
    doc = copy.deepcopy(world.doc)
    change(doc, world)
    before = snapshot()
    with pytest.raises(InvalidInput) as excinfo:
        create(world, doc)
    assert field in fields(excinfo)
    assert snapshot() == before


def test_a_requirement_on_an_item_that_issues_no_licence_is_refused(world):
    doc = copy.deepcopy(world.doc)
    doc["members"][2]["requires"] = [{"member": "m1", "result": testing.LICENCE_TYPE}]
    with pytest.raises(InvalidInput) as excinfo:
        create(world, doc)
    assert fields(excinfo) == ["members[2].requires[0].result"]
    assert "不签发电子证照" in excinfo.value.problems[0].message


def test_a_draft_edit_with_a_cycle_is_refused_and_the_draft_stays(world):
    version = create(world)
    doc = copy.deepcopy(world.doc)
    doc["members"][0]["requires"] = [{"member": "m2", "result": testing.LICENCE_TYPE}]
    before = snapshot()
    with pytest.raises(InvalidInput) as excinfo:
        services.do_update_draft(actor=world.editor, version=version, spec=doc)
    assert fields(excinfo) == ["members[0].requires"]
    assert snapshot() == before
    assert ThemeVersion.objects.get(pk=version.pk).spec == services.check_spec(world.doc).to_doc()


def test_a_member_item_not_published_blocks_submission_and_publishing(world):
    draft_item = testing.make_member_items(world.dept, count=1, publish=False)[0]
    doc = copy.deepcopy(world.doc)
    doc["members"].append({"key": "late", "item_code": draft_item.code})
    version = create(world, doc)  # a draft may name it: the catalogue may publish it later
    problems = services.publish_problems(services.check_spec(version.spec))
    assert [p.field for p in problems] == ["members[3].item_code"]
    before = snapshot()
    with pytest.raises(InvalidInput) as excinfo:
        services.do_submit(actor=world.editor, version=version)
    assert fields(excinfo) == ["members[3].item_code"]
    assert snapshot() == before
    assert ThemeVersion.objects.get(pk=version.pk).status == ThemeStatus.DRAFT


def test_a_member_item_gone_between_submission_and_approval_blocks_publishing(world, monkeypatch):
    version = create(world)
    services.do_submit(actor=world.editor, version=version)
    gone = world.items[2].code
    real = services._catalogue_facts

    def without(codes):  # the catalogue has no withdrawal service yet: the item vanishes from its reads
        current, known = real(codes)
        current.pop(gone, None)
        return current, known

    monkeypatch.setattr(services, "_catalogue_facts", without)
    before = snapshot()
    with pytest.raises(InvalidInput) as excinfo:
        services.do_approve(actor=world.reviewer, version=version)
    assert fields(excinfo) == ["members[2].item_code"]
    assert snapshot() == before
    assert queries.published_theme("company-opening") is None


def test_a_published_version_stays_while_a_new_draft_is_edited(world):
    first = create(world)
    services.do_submit(actor=world.editor, version=first)
    services.do_approve(actor=world.reviewer, version=first)
    theme = first.theme
    draft = services.do_new_version(actor=world.editor, theme=theme)
    assert (draft.version, draft.status) == (2, ThemeStatus.DRAFT)
    with pytest.raises(Conflict):
        services.do_new_version(actor=world.editor, theme=theme)
    doc = copy.deepcopy(world.doc)
    doc["promised_days"] = 3
    services.do_update_draft(actor=world.editor, version=draft, name="企业开办（新版）", spec=doc)
    published = queries.published_theme("company-opening")
    assert (published.version, published.name, published.spec.promised_days) == (1, "企业开办", 1)
    stored = ThemeVersion.objects.get(pk=first.pk)
    with pytest.raises(Conflict):
        stored.save()  # a published row refuses changes
    with pytest.raises(Conflict):
        services.do_update_draft(actor=world.editor, version=first, name="改名")
    services.do_submit(actor=world.editor, version=draft)
    services.do_approve(actor=world.reviewer, version=draft)
    published = queries.published_theme("company-opening")
    assert (published.version, published.name, published.spec.promised_days) == (2, "企业开办（新版）", 3)
    assert ThemeVersion.objects.get(pk=first.pk).status == ThemeStatus.SUPERSEDED
    old = queries.published_theme("company-opening", version=1)
    assert (old.version, old.spec.promised_days) == (1, 1)


def test_withdraw_takes_the_theme_off_and_a_new_version_brings_it_back(world):
    version = create(world)
    services.do_submit(actor=world.editor, version=version)
    services.do_approve(actor=world.reviewer, version=version)
    with pytest.raises(InvalidInput):
        services.do_withdraw(actor=world.reviewer, version=version, reason="")
    services.do_withdraw(actor=world.reviewer, version=version, reason="部门职责调整")
    assert queries.published_theme("company-opening") is None
    with pytest.raises(NotFound):
        queries.theme_for_apply("company-opening", WUHAN)
    with pytest.raises(Conflict):
        services.do_withdraw(actor=world.reviewer, version=version, reason="再次")
    draft = services.do_new_version(actor=world.editor, theme=version.theme)
    services.do_submit(actor=world.editor, version=draft)
    services.do_approve(actor=world.reviewer, version=draft)
    assert queries.published_theme("company-opening").version == 2


def test_region_department_admins_edit_their_region_only(world):
    local = testing.make_admin("wuhan-admin", roles=[StaffRole.DEPARTMENT_ADMIN], department=world.dept)
    other_dept = catalog_testing.make_department(region="420200")
    stranger = testing.make_admin("huangshi-admin", roles=[StaffRole.DEPARTMENT_ADMIN], department=other_dept)
    before = snapshot()
    with pytest.raises(Forbidden):
        create(world, actor=stranger)
    assert snapshot() == before
    version = create(world, actor=local)
    with pytest.raises(NotFound):
        services.access_version(stranger, version.pk)
    with pytest.raises(NotFound):
        services.do_update_draft(actor=stranger, version=version, name="别人的主题")
    assert services.access_version(local, version.pk) == version


def test_header_and_code_are_checked(world):
    before = snapshot()
    for kwargs, field in (
        ({"code": "Bad Code"}, "code"),
        ({"region_code": "999999"}, "region"),
        ({"name": ""}, "name"),
        ({"audience": "robot"}, "audience"),
    ):
        args = {
            "actor": world.editor,
            "code": "ok-code",
            "region_code": WUHAN,
            "name": "企业开办",
            "audience": "enterprise",
            "spec": world.doc,
        } | kwargs
        with pytest.raises(InvalidInput) as excinfo:
            services.do_create_theme(**args)
        assert fields(excinfo) == [field]
    assert snapshot() == before
    create(world)
    with pytest.raises(Conflict):
        create(world)


def test_make_published_theme_goes_through_two_people(world):
    theme = testing.make_published_theme(world.doc, code="factory-theme")
    assert (theme.code, theme.version, theme.audience) == ("factory-theme", 1, "enterprise")
    version = ThemeVersion.objects.get(theme__code="factory-theme")
    assert version.submitted_by.username == "bundles-test-editor"
    assert version.reviewed_by.username == "bundles-test-reviewer"
    assert queries.theme_for_apply("factory-theme", "420102000000").code == "factory-theme"
    with pytest.raises(NotFound):
        queries.theme_for_apply("factory-theme", "420200000000")
