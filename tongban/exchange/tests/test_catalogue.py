"""The catalogue's services: entries and versions, every validation error naming its field,
who may write (others get 404, audited, nothing changed), mounts and data updates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import catalogue
from ..models import Grant, Mount, Resource, ShareRequest
from .catalogue_world import SYSTEM, entry_values, snapshot, world_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

CODE = "BM-420115-SP-001"


def create(world, code=CODE, actor=None, **kw):
    return catalogue.do_create_entry(
        actor=actor or world["admin"], provider_id=world["market"].pk, code=code, values=entry_values(**kw)
    )


def published(world, code=CODE, **kw):
    create(world, code, **kw)
    return catalogue.do_publish_entry(actor=world["admin"], code=code)


def problems(exc) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


# --- Creating, editing, publishing ---------------------------------------------------------------


def test_create_writes_a_draft_v1_and_an_audit_event(world):
    entry = create(world)
    assert (entry.code, entry.version, entry.state, entry.is_current) == (CODE, 1, "draft", False)
    assert entry.provider_id == world["market"].pk
    assert entry.created_by == f"user:{world['admin'].pk}"
    assert [f["key"] for f in entry.fields] == ["licence_no", "holder", "issued_on"]
    event = AuditEvent.objects.get(action="exchange.entry.created")
    assert (event.object_type, event.object_id, event.actor) == (
        "exchange.resource",
        str(entry.pk),
        f"user:{world['admin'].pk}",
    )
    assert event.data == {"code": CODE, "version": 1, "state": "draft"}


def test_lower_case_code_is_normalised(world):
    assert create(world, code=" bm-420115-sp-002 ").code == "BM-420115-SP-002"


def test_publish_makes_the_draft_current(world):
    create(world)
    entry = catalogue.do_publish_entry(actor=world["steward"], code=CODE)
    assert (entry.state, entry.is_current, entry.published_by) == (
        "published",
        True,
        f"user:{world['steward'].pk}",
    )
    assert entry.published_at is not None
    assert AuditEvent.objects.filter(action="exchange.entry.published").get().data == {
        "code": CODE,
        "version": 1,
        "state": "published",
        "previous": None,
    }


def test_editing_a_published_entry_makes_a_new_version_and_keeps_history(world):
    published(world)
    fields = entry_values()["fields"] + [
        {"key": "address", "name": "经营场所", "type": "C", "length": 200, "sensitivity": "internal"}
    ]
    draft = catalogue.do_edit_entry(
        actor=world["admin"], code=CODE, values={"fields": fields, "change_note": "增加经营场所"}
    )
    assert (draft.version, draft.state, draft.is_current, draft.change_note) == (
        2,
        "draft",
        False,
        "增加经营场所",
    )
    # The published version is still the current one until the draft is published.
    assert Resource.objects.get(code=CODE, is_current=True).version == 1
    assert AuditEvent.objects.get(action="exchange.entry.revised").data == {
        "code": CODE,
        "version": 2,
        "state": "draft",
        "changed": ["fields"],
    }
    # A second edit changes the draft in place: no third version.
    again = catalogue.do_edit_entry(actor=world["admin"], code=CODE, values={"name": "食品经营许可证信息"})
    assert (again.pk, again.version, again.name) == (draft.pk, 2, "食品经营许可证信息")
    assert AuditEvent.objects.get(action="exchange.entry.draft_edited").data["changed"] == ["name"]
    catalogue.do_publish_entry(actor=world["admin"], code=CODE)
    rows = list(
        Resource.objects.filter(code=CODE)
        .order_by("version")
        .values_list("version", "state", "is_current", "name")
    )
    assert rows == [
        (1, "published", False, "食品经营许可信息"),
        (2, "published", True, "食品经营许可证信息"),
    ]
    assert AuditEvent.objects.filter(action="exchange.entry.published").last().data["previous"] == 1


def test_a_key_keeps_its_type_across_versions(world):
    published(world)
    fields = entry_values()["fields"]
    fields[2] = {**fields[2], "type": "C"}
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_edit_entry(actor=world["admin"], code=CODE, values={"fields": fields})
    assert problems(exc) == {"fields[2].type": "信息项“issued_on”的数据类型不能在新版本中改变"}
    assert snapshot() == before


def test_a_key_an_active_grant_carries_cannot_be_removed(world):
    resource = published(world)
    now = timezone.now()
    request = ShareRequest.objects.create(
        number="SQ-1", resource=resource, requester=world["other"], client_id="c1", fields=["holder"],
        purpose="监管", purpose_codes=["supervision"], legal_basis="法", valid_until=dt.date(2030, 1, 1),
        expected_daily_calls=10, state="approved", submitted_by="x", submitted_at=now, due_on=dt.date(2030, 1, 1),
    )  # fmt: skip
    Grant.objects.create(
        request=request, resource=resource, code=CODE, department=world["other"], client_id="c1",
        fields=["holder"], purpose_codes=["supervision"], rate_limit="10/m", expires_on=dt.date(2030, 1, 1),
        granted_by="x", granted_at=now,
    )  # fmt: skip
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_edit_entry(
            actor=world["admin"], code=CODE, values={"fields": entry_values()["fields"][:1]}
        )
    assert problems(exc) == {"fields": "信息项 holder 仍在有效授权中，不能删除"}
    assert snapshot() == before
    # An unrelated key may go.
    catalogue.do_edit_entry(actor=world["admin"], code=CODE, values={"fields": entry_values()["fields"][:2]})


def test_publish_without_a_draft_is_a_conflict(world):
    published(world)
    before = snapshot()
    with pytest.raises(Conflict):
        catalogue.do_publish_entry(actor=world["admin"], code=CODE)
    assert snapshot() == before


def test_discard_a_draft(world):
    published(world)
    catalogue.do_edit_entry(actor=world["admin"], code=CODE, values={"name": "新名称"})
    catalogue.do_discard_draft(actor=world["admin"], code=CODE)
    assert list(Resource.objects.filter(code=CODE).values_list("version", "state")) == [(1, "published")]
    assert AuditEvent.objects.filter(action="exchange.entry.draft_discarded").count() == 1


def test_retire_marks_the_current_version_and_suspends_the_mount(world):
    published(world)
    catalogue.do_mount(actor=world["admin"], code=CODE, kind="table", target="exchange.CreditRecord")
    entry = catalogue.do_retire_entry(actor=world["admin"], code=CODE, reason="系统下线")
    assert (entry.state, entry.is_current, entry.change_note) == ("retired", True, "停用：系统下线")
    assert Mount.objects.get(code=CODE).state == "suspended"
    before = snapshot()
    with pytest.raises(Conflict):
        catalogue.do_edit_entry(actor=world["admin"], code=CODE, values={"name": "再改"})
    with pytest.raises(Conflict):
        catalogue.do_retire_entry(actor=world["admin"], code=CODE, reason="再停")
    with pytest.raises(Conflict):
        catalogue.do_resume_mount(actor=world["admin"], code=CODE)
    assert snapshot() == before


def test_retire_needs_a_reason(world):
    published(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_retire_entry(actor=world["admin"], code=CODE, reason="  ")
    assert problems(exc) == {"reason": "请填写停用原因（至多300字）"}
    assert snapshot() == before


# --- Validation: every error names its field ----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "changes", "expected"),
    [
        ("", {}, {"code": "请填写信息资源代码"}),
        ("420115-001", {}, {"code": None}),
        ("BM-420115-SP-01", {}, {"code": None}),
        ("BM-4-SP-001", {}, {"code": None}),
        ("BM-A-B-C-D-001", {}, {"code": None}),
        ("B" + "M-420115-SP" * 4 + "-001", {}, {"code": None}),
        ("ZT-420115-001", {}, {"code": "该分类的信息资源代码应以 BM- 开头"}),
        ("RK-009", {"resource_class": "base", "base_register": "legal_person"}, {"code": "该分类的信息资源代码应以 FR- 开头"}),
        (CODE, {"name": ""}, {"name": "请填写信息资源名称"}),
        (CODE, {"name": "名" * 201}, {"name": "信息资源名称不能超过200字"}),
        (CODE, {"name": 7}, {"name": "信息资源名称应为文字"}),
        (CODE, {"summary": " "}, {"summary": "请填写信息资源摘要"}),
        (CODE, {"resource_class": "x"}, {"resource_class": "请选择有效的资源分类"}),
        (CODE, {"resource_class": "base"}, {"base_register": "基础信息资源须选择所属基础库"}),
        (CODE, {"base_register": "population"}, {"base_register": "只有基础信息资源属于基础库"}),
        (CODE, {"format": "pdf"}, {"format": "请选择有效的信息资源格式"}),
        (CODE, {"share_type": "sometimes"}, {"share_type": "请选择有效的共享类型"}),
        (CODE, {"share_basis": ""}, {"share_basis": "有条件共享和不予共享须填写依据（法律法规或政策文件）"}),
        (CODE, {"share_condition": ""}, {"share_condition": "有条件共享须写明共享条件"}),
        (CODE, {"share_type": "none", "share_basis": ""}, {"share_basis": "有条件共享和不予共享须填写依据（法律法规或政策文件）"}),
        (CODE, {"share_type": "none", "open_type": "open"}, {"open_type": "不予共享的信息资源不能向社会开放"}),
        (CODE, {"open_type": "public"}, {"open_type": "请选择有效的开放类型"}),
        (CODE, {"open_type": "conditional"}, {"open_condition": "有条件开放须写明开放条件"}),
        (CODE, {"update_frequency": "hourly"}, {"update_frequency": "请选择有效的更新周期"}),
        (CODE, {"keywords": ["x" * 31]}, {"keywords": "关键词为至多30字的词语"}),
        (CODE, {"keywords": [str(i) for i in range(21)]}, {"keywords": "关键词不能超过20个"}),
        (CODE, {"fields": []}, {"fields": "请至少列出一个信息项"}),
        (CODE, {"fields": "name"}, {"fields": "请至少列出一个信息项"}),
        (CODE, {"fields": ["name"]}, {"fields[0]": "信息项格式有误"}),
        (CODE, {"fields": [{"key": "Name", "name": "名称", "type": "C", "sensitivity": "public"}]},
         {"fields[0].key": "信息项标识为小写字母开头的字母、数字或下划线，至多40位"}),
        (CODE, {"fields": [{"key": "a", "name": "甲", "type": "C", "sensitivity": "public"},
                           {"key": "a", "name": "乙", "type": "C", "sensitivity": "public"}]},
         {"fields[1].key": "信息项标识“a”重复"}),
        (CODE, {"fields": [{"key": "a", "name": "", "type": "C", "sensitivity": "public"}]},
         {"fields[0].name": "请填写信息项名称（至多60字）"}),
        (CODE, {"fields": [{"key": "a", "name": "甲", "type": "X", "sensitivity": "public"}]},
         {"fields[0].type": "请选择有效的数据类型"}),
        (CODE, {"fields": [{"key": "a", "name": "甲", "type": "C", "sensitivity": "secret"}]},
         {"fields[0].sensitivity": "请选择有效的敏感级别"}),
        (CODE, {"fields": [{"key": "a", "name": "甲", "type": "C", "sensitivity": "public", "length": 0}]},
         {"fields[0].length": "长度应为1至100000的整数"}),
        (CODE, {"fields": [{"key": "a", "name": "甲", "type": "C", "sensitivity": "public", "description": "说" * 301}]},
         {"fields[0].description": "说明应为至多300字的文字"}),
    ],
)  # fmt: skip
def test_every_validation_error_names_its_field_and_writes_nothing(world, code, changes, expected):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_create_entry(
            actor=world["admin"], provider_id=world["market"].pk, code=code, values=entry_values(**changes)
        )
    got = problems(exc)
    assert set(got) == set(expected)
    for field, message in expected.items():
        if message is not None:
            assert got[field] == message
    assert snapshot() == before


def test_all_problems_are_reported_at_once(world):
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_create_entry(
            actor=world["admin"],
            provider_id=world["market"].pk,
            code=CODE,
            values=entry_values(name="", format="x", fields=[{"key": "k"}]),
        )
    assert sorted(problems(exc)) == [
        "fields[0].name",
        "fields[0].sensitivity",
        "fields[0].type",
        "format",
        "name",
    ]


def test_unknown_value_and_duplicate_code_and_unknown_provider(world):
    create(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        create(world, state="published")
    assert problems(exc) == {"state": "不是信息资源目录的字段"}
    with pytest.raises(InvalidInput) as exc:
        create(world)
    assert problems(exc) == {"code": "该信息资源代码已被使用"}
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_create_entry(
            actor=SYSTEM, provider_id=999999, code="BM-420115-SP-009", values=entry_values()
        )
    assert problems(exc) == {"provider": "没有找到该提供部门"}
    assert snapshot() == before


def test_unconditional_needs_no_basis(world):
    entry = create(world, share_type="unconditional", share_basis="", share_condition="")
    assert (entry.share_type, entry.share_basis) == ("unconditional", "")


# --- Who may write -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "outsider"])
def test_others_get_404_audited_and_nothing_changes(world, who):
    published(world)
    actor = world[who]
    before = snapshot()
    refusals = AuditEvent.objects.filter(action__contains="refused").count()
    attempts = [
        lambda: catalogue.do_edit_entry(actor=actor, code=CODE, values={"name": "改"}),
        lambda: catalogue.do_publish_entry(actor=actor, code=CODE),
        lambda: catalogue.do_retire_entry(actor=actor, code=CODE, reason="停"),
        lambda: catalogue.do_discard_draft(actor=actor, code=CODE),
        lambda: catalogue.do_mount(actor=actor, code=CODE, kind="table", target="exchange.CreditRecord"),
        lambda: catalogue.do_suspend_mount(actor=actor, code=CODE),
        lambda: catalogue.do_record_update(actor=actor, code=CODE),
        lambda: create(world, code="BM-420115-SP-077", actor=actor),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert snapshot() == before
    refused = AuditEvent.objects.filter(action__contains="refused").order_by("pk")[refusals:]
    assert [e.action for e in refused] == [
        "exchange.entry.edit_refused",
        "exchange.entry.publish_refused",
        "exchange.entry.retire_refused",
        "exchange.entry.discard_refused",
        "exchange.mount.refused",
        "exchange.mount.refused",
        "exchange.mount.refused",
        "exchange.entry.create_refused",
    ]
    assert all(e.actor == f"user:{actor.pk}" and e.data == {"reason": "not_provider"} for e in refused)


def test_unknown_code_is_the_same_404(world):
    with pytest.raises(NotFound) as exc:
        catalogue.do_edit_entry(actor=world["admin"], code="BM-420115-SP-404", values={})
    assert exc.value.message == "没有找到该信息资源，或您无权维护它"


def test_platform_admin_and_steward_may_write(world):
    create(world)
    catalogue.do_edit_entry(actor=world["steward"], code=CODE, values={"name": "甲"})
    entry = catalogue.do_publish_entry(actor=world["platform"], code=CODE)
    assert (entry.name, entry.published_by) == ("甲", f"user:{world['platform'].pk}")


# --- Mounts --------------------------------------------------------------------------------------


def test_mount_needs_a_published_entry(world):
    create(world)
    with pytest.raises(Conflict) as exc:
        catalogue.do_mount(actor=world["admin"], code=CODE, kind="service", target="credit.record")
    assert exc.value.message == "信息资源发布后才能挂接"
    assert not Mount.objects.exists()


def test_mount_a_service_then_suspend_resume_unmount(world):
    published(world)
    mount = catalogue.do_mount(actor=world["admin"], code=CODE, kind="service", target="legal_person.entity")
    assert (mount.kind, mount.target, mount.state, mount.media_type) == (
        "service",
        "legal_person.entity",
        "mounted",
        "application/json",
    )
    assert mount.last_updated_at == mount.mounted_at
    assert catalogue.do_suspend_mount(actor=world["admin"], code=CODE, reason="维护").state == "suspended"
    with pytest.raises(Conflict):
        catalogue.do_suspend_mount(actor=world["admin"], code=CODE)
    assert catalogue.do_resume_mount(actor=world["admin"], code=CODE).state == "mounted"
    assert catalogue.do_unmount(actor=world["admin"], code=CODE).state == "unmounted"
    actions = list(
        AuditEvent.objects.filter(action__startswith="exchange.mount.").values_list("action", flat=True)
    )
    assert actions == [
        "exchange.mount.mounted",
        "exchange.mount.suspended",
        "exchange.mount.resumed",
        "exchange.mount.unmounted",
    ]


def test_mount_a_file_measures_it(world):
    published(world)
    mount = catalogue.do_mount(
        actor=world["admin"], code=CODE, kind="file", target="hubei-division-counts.csv"
    )
    path = catalogue.FILE_STORE / "hubei-division-counts.csv"
    assert (mount.media_type, mount.byte_size, mount.records) == ("text/csv", path.stat().st_size, 17)


@pytest.mark.parametrize(
    ("kind", "target", "field", "message"),
    [
        ("ftp", "x", "kind", "请选择有效的挂接方式"),
        ("service", "", "target", "请填写挂接对象"),
        ("service", "population.everything", "target", None),
        ("service", "https://city.example/exchange", "target", None),
        ("table", "CreditRecord", "target", "库表写作“应用.模型”，如 exchange.CreditRecord"),
        ("table", "exchange.Nothing", "target", "没有找到该库表"),
        ("file", "../settings.py", "target", "文件名只能包含字母、数字、点、下划线和连字符"),
        ("file", "missing.csv", "target", "文件库中没有该文件"),
    ],
)
def test_bad_mounts_name_the_field(world, kind, target, field, message):
    published(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_mount(actor=world["admin"], code=CODE, kind=kind, target=target)
    assert list(problems(exc)) == [field]
    if message:
        assert problems(exc)[field] == message
    assert snapshot() == before


def test_record_update(world):
    published(world)
    with pytest.raises(Conflict):
        catalogue.do_record_update(actor=world["admin"], code=CODE)
    catalogue.do_mount(actor=world["admin"], code=CODE, kind="table", target="exchange.CreditRecord")
    at = timezone.now() - dt.timedelta(hours=1)
    mount = catalogue.do_record_update(actor=world["admin"], code=CODE, at=at, records=1200)
    assert (mount.last_updated_at, mount.records) == (at, 1200)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_record_update(actor=world["admin"], code=CODE, at=timezone.now() + dt.timedelta(days=1))
    assert problems(exc) == {"at": "更新时间不能晚于现在"}
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_record_update(actor=world["admin"], code=CODE, records=-1)
    assert problems(exc) == {"records": "记录数应为非负整数"}
    assert snapshot() == before


# --- Import --------------------------------------------------------------------------------------


def test_import_publishes_and_mounts_once(world):
    entries = [
        {"provider_id": world["market"].pk, "code": f"BM-420115-SP-00{i}", "values": entry_values(name=f"资源{i}"),
         "mount": {"kind": "table", "target": "exchange.CreditRecord"} if i % 2 else None}
        for i in range(1, 5)
    ]  # fmt: skip
    assert catalogue.do_import_entries(actor=SYSTEM, entries=entries) == {
        "created": 4,
        "mounted": 2,
        "skipped": 0,
    }
    rows = list(
        Resource.objects.order_by("code").values_list("code", "version", "state", "is_current", "name")
    )
    assert rows == [(f"BM-420115-SP-00{i}", 1, "published", True, f"资源{i}") for i in range(1, 5)]
    assert sorted(Mount.objects.values_list("code", flat=True)) == ["BM-420115-SP-001", "BM-420115-SP-003"]
    event = AuditEvent.objects.get(action="exchange.entry.imported")
    assert event.data == {
        "published": [f"BM-420115-SP-00{i}" for i in range(1, 5)],
        "mounted": ["BM-420115-SP-001", "BM-420115-SP-003"],
    }
    before = snapshot()
    assert catalogue.do_import_entries(actor=SYSTEM, entries=entries) == {
        "created": 0,
        "mounted": 0,
        "skipped": 4,
    }
    assert snapshot() == before


def test_import_checks_everything_first(world):
    good = {
        "provider_id": world["market"].pk,
        "code": "BM-420115-SP-001",
        "values": entry_values(),
        "mount": None,
    }
    entries = [
        good,
        {**good, "code": "BM-420115-SP-002", "values": entry_values(name="")},
        {**good},
        {**good, "code": "BM-420115-SP-003", "mount": {"kind": "table", "target": "nope.Nope"}},
        {**good, "code": "BM-420115-SP-004", "provider_id": 999999},
    ]
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        catalogue.do_import_entries(actor=SYSTEM, entries=entries)
    assert problems(exc) == {
        "entries[1].name": "请填写信息资源名称",
        "entries[2].code": "信息资源代码在导入清单中重复",
        "entries[3].mount.target": "没有找到该库表",
        "entries[4].provider": "没有找到该提供部门",
    }
    assert snapshot() == before


def test_import_for_another_department_is_refused(world):
    entries = [
        {
            "provider_id": world["other"].pk,
            "code": "BM-420103-SP-001",
            "values": entry_values(),
            "mount": None,
        }
    ]
    with pytest.raises(NotFound):
        catalogue.do_import_entries(actor=world["admin"], entries=entries)
    assert not Resource.objects.exists()
