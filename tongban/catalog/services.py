"""Catalogue writes: create and edit drafts, review, publish, new versions, bulk loads.

Every `do_*` takes `actor=` (a user, or a 'system:<name>' label for commands), checks
permissions and the catalogue rules, and records an audit event in the same transaction.
Published versions are never changed: `do_new_version` copies one into a new draft.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.search import index_text

from . import checks, permissions
from .enums import CaseType, HandlingForm, OnlineDepth, Status
from .models import BasicItem, HandlingItem, ImplementationItem, ItemSearch, Material, ReviewFlag, Topic

BASIC_FIELDS = ("code", "name", "item_type", "level", "legal_basis", "service_objects", "description", "hot")
IMPL_FIELDS = (
    "code",
    "basic_code",
    "name",
    "item_type",
    "level",
    "department_id",
    "region_id",
    "service_objects",
    "description",
    "legal_basis",
    "conditions",
    "statutory_limit",
    "statutory_unit",
    "promised_limit",
    "promised_unit",
    "limit_note",
    "case_type",
    "charged",
    "fees",
    "fee_basis",
    "visits",
    "visit_reason",
    "handling_forms",
    "online_depth",
    "fully_online",
    "nearby",
    "delivery_methods",
    "steps",
    "places",
    "consult_phone",
    "complaint_phone",
    "faqs",
    "result_name",
    "result_license_type_code",
    "result_sample",
    "online_url",
    "popularity",
)
MATERIAL_FIELDS = (
    "name",
    "source",
    "source_note",
    "originals",
    "copies",
    "medium",
    "requirement",
    "license_type_code",
    "license_type_name",
    "spec",
    "note",
)
HANDLING_FIELDS = ("code", "name", "kind")

IMPL_DEFAULTS = {
    "description": "",
    "conditions": "",
    "limit_note": "",
    "charged": False,
    "fees": [],
    "fee_basis": "",
    "visits": 0,
    "visit_reason": "",
    "online_depth": [],
    "fully_online": False,
    "nearby": False,
    "delivery_methods": [],
    "steps": [],
    "places": [],
    "faqs": [],
    "result_name": "",
    "result_license_type_code": "",
    "result_sample": "",
    "online_url": "",
    "popularity": 0,
    "statutory_unit": "workday",
    "promised_unit": "workday",
}
MATERIAL_DEFAULTS = {
    "source": "1",
    "source_note": "",
    "originals": 1,
    "copies": 0,
    "medium": "both",
    "requirement": "required",
    "license_type_code": "",
    "license_type_name": "",
    "spec": "",
    "note": "",
}


@dataclass
class ItemBundle:
    """One implementation item with its materials and handling items, as imports carry them."""

    data: dict
    materials: list[dict] = field(default_factory=list)
    handling_items: list[dict] = field(default_factory=list)
    row: int | None = None  # where it came from, for error messages


# --- Derived values -----------------------------------------------------------------------


def derive_flags(item: ImplementationItem) -> None:
    """Flags the published lists and indicators filter on, derived from the guide's elements."""
    online_form = bool(set(item.handling_forms) & {HandlingForm.WEB, HandlingForm.MOBILE})
    item.is_online = online_form and OnlineDepth.ACCEPT in item.online_depth
    item.is_immediate = item.case_type == CaseType.IMMEDIATE
    item.at_most_once = item.visits <= 1
    item.zero_visit = item.visits == 0


def search_text_for(item: ImplementationItem, *, department_name: str, region_name: str) -> str:
    return index_text(item.name, department_name, region_name, item.result_name, item.code)


def _with_defaults(data: dict, defaults: dict, allowed: Sequence[str]) -> dict:
    unknown = set(data) - set(allowed)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "不是可填写的事项要素")
    return {**defaults, **data}


def _raise(problems: list[FieldProblem], what: str) -> None:
    if problems:
        raise InvalidInput(
            f"{what}：{problems[0]}" if len(problems) == 1 else f"{what}有 {len(problems)} 处需要修改",
            problems=problems,
        )


# --- Validation of a whole implementation item --------------------------------------------


def check_bundle(
    bundle: ItemBundle, *, departments: dict | None = None, basic_codes: set[str] | None = None
) -> list[FieldProblem]:
    """All rules for an item and its children. `departments`/`basic_codes` are caches for bulk use."""
    data = _with_defaults(bundle.data, IMPL_DEFAULTS, IMPL_FIELDS)
    dept = (departments or {}).get(data.get("department_id"))
    if dept is None:
        try:
            dept = core_queries.get_department(int(data.get("department_id") or 0))
        except (NotFound, ValueError, TypeError):
            return [FieldProblem("department_id", "实施主体（部门）不存在")]
    problems = checks.check_implementation_item(data, department_credit_code=dept.credit_code)
    if not problems:
        exists = (
            (data["basic_code"] in basic_codes)
            if basic_codes is not None
            else BasicItem.objects.filter(code=data["basic_code"]).exists()
        )
        if not exists:
            problems.append(FieldProblem("basic_code", f"基本目录中没有编码为 {data['basic_code']} 的事项"))
    if not data.get("region_id"):
        data["region_id"] = dept.region_id
    for i, m in enumerate(bundle.materials, start=1):
        problems += [
            FieldProblem(f"materials[{i}].{p.field}", p.message)
            for p in checks.check_material(_with_defaults(m, MATERIAL_DEFAULTS, MATERIAL_FIELDS))
        ]
    codes = set()
    for i, h in enumerate(bundle.handling_items, start=1):
        problems += [
            FieldProblem(f"handling_items[{i}].{p.field}", p.message)
            for p in checks.check_handling_item(
                _with_defaults(h, {"kind": "new"}, HANDLING_FIELDS), item_code=data["code"]
            )
        ]
        if h.get("code") in codes:
            problems.append(FieldProblem(f"handling_items[{i}].code", "业务办理项编码重复"))
        codes.add(h.get("code"))
    if bundle.row is not None:
        problems = [
            FieldProblem(p.field, p.message, row=p.row or bundle.row, column=p.column) for p in problems
        ]
    return problems


def _build_item(
    bundle: ItemBundle, *, department, region_name: str, version: int, actor_user
) -> ImplementationItem:
    data = _with_defaults(bundle.data, IMPL_DEFAULTS, IMPL_FIELDS)
    data["region_id"] = data.get("region_id") or department.region_id
    item = ImplementationItem(**data, version=version, created_by=actor_user)
    derive_flags(item)
    item.search_text = search_text_for(item, department_name=department.name, region_name=region_name)
    return item


def _children(item: ImplementationItem, bundle: ItemBundle) -> tuple[list[Material], list[HandlingItem]]:
    mats = [
        Material(item=item, order=i, **_with_defaults(m, MATERIAL_DEFAULTS, MATERIAL_FIELDS))
        for i, m in enumerate(bundle.materials, start=1)
    ]
    handling = [
        HandlingItem(item=item, order=i, **_with_defaults(h, {"kind": "new"}, HANDLING_FIELDS))
        for i, h in enumerate(bundle.handling_items, start=1)
    ]
    return mats, handling


def _user(actor):
    return None if isinstance(actor, str) or not getattr(actor, "pk", None) else actor


# --- Basic items --------------------------------------------------------------------------


@transaction.atomic
def do_create_basic_item(
    *, actor, data: dict, topics: Iterable[str] = (), publish: bool = False
) -> BasicItem:
    if not permissions.may_edit_basic(actor):
        raise Forbidden("只有平台管理员可以编制基本目录")
    data = _with_defaults(data, {"description": "", "hot": 0, "service_objects": []}, BASIC_FIELDS)
    _raise(checks.check_basic_item(data), "基本目录事项")
    if BasicItem.objects.filter(code=data["code"]).exists():
        raise Conflict(f"基本编码 {data['code']} 已存在，请创建新版本")
    item = BasicItem.objects.create(**data, created_by=_user(actor))
    if topics:
        item.topics.set(Topic.objects.filter(slug__in=list(topics)))
    audit.record(
        actor=actor, action="catalog.basic.create", obj=item, data={"code": item.code, "name": item.name}
    )
    if publish:
        _publish(actor, item)
    return item


# --- Implementation items -----------------------------------------------------------------


@transaction.atomic
def do_create_implementation_item(*, actor, bundle: ItemBundle, publish: bool = False) -> ImplementationItem:
    dept_id = bundle.data.get("department_id")
    if not permissions.may_edit(actor, dept_id):
        raise Forbidden("只能编制本部门的实施清单事项")
    _raise(check_bundle(bundle), "实施清单事项")
    if ImplementationItem.objects.filter(code=bundle.data["code"]).exists():
        raise Conflict(f"实施编码 {bundle.data['code']} 已存在，请在原事项上创建新版本")
    dept = core_queries.get_department(int(dept_id))
    region = core_queries.get_region(bundle.data.get("region_id") or dept.region_id)
    item = _build_item(
        bundle, department=dept, region_name=region.full_name, version=1, actor_user=_user(actor)
    )
    item.save()
    mats, handling = _children(item, bundle)
    Material.objects.bulk_create(mats)
    HandlingItem.objects.bulk_create(handling)
    audit.record(actor=actor, action="catalog.item.create", obj=item, data={"code": item.code, "version": 1})
    if publish:
        _publish(actor, item)
    return item


def access_draft(actor, pk: int) -> ImplementationItem:
    """Fetch an implementation item version for editing, checking permission and state."""
    item = ImplementationItem.objects.select_related("department", "region").filter(pk=pk).first()
    if item is None:
        raise NotFound("事项不存在")
    if not permissions.may_edit(actor, item.department_id):
        raise Forbidden("只能编辑本部门的事项")
    return item


@transaction.atomic
def do_update_draft(
    *,
    actor,
    item: ImplementationItem,
    data: dict,
    materials: list[dict] | None = None,
    handling_items: list[dict] | None = None,
) -> ImplementationItem:
    item = ImplementationItem.objects.select_for_update().get(pk=item.pk)
    if not permissions.may_edit(actor, item.department_id):
        raise Forbidden("只能编辑本部门的事项")
    if item.status != Status.DRAFT:
        raise Conflict(f"只有草稿可以修改；该版本状态为“{item.get_status_display()}”")
    for key in ("code", "department_id", "basic_code"):
        if key in data and data[key] != getattr(item, key):
            raise InvalidInput.field(key, "编码和实施主体在版本之间不能改变")
    current = {f: getattr(item, f) for f in IMPL_FIELDS}
    merged = {**current, **data}
    if materials is None:
        materials = [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in item.materials.all()]
    if handling_items is None:
        handling_items = [{f: getattr(h, f) for f in HANDLING_FIELDS} for h in item.handling_items.all()]
    bundle = ItemBundle(merged, materials, handling_items)
    _raise(check_bundle(bundle), "实施清单事项")
    for key, value in merged.items():
        setattr(item, key, value)
    derive_flags(item)
    dept = core_queries.get_department(item.department_id)
    region = core_queries.get_region(item.region_id)
    item.search_text = search_text_for(item, department_name=dept.name, region_name=region.full_name)
    item.save()
    item.materials.all().delete()
    item.handling_items.all().delete()
    mats, handling = _children(item, bundle)
    Material.objects.bulk_create(mats)
    HandlingItem.objects.bulk_create(handling)
    changed = sorted(k for k in data if current.get(k) != data[k])
    audit.record(
        actor=actor, action="catalog.item.update", obj=item, data={"code": item.code, "changed": changed}
    )
    return item


def do_set_result_licence_type(*, actor, item_ids: list[int], type_code: str) -> int:
    """Configure, in place, the e-licence type issued when these current items' cases end with
    a licence (出证). Configuration, not guide content: no new version. Open drafts and reviews
    of the same items that still carry the old value follow, so publishing them keeps it. Blank
    clears. One audit event per changed item; returns how many changed (0 when all had it)."""
    type_code = str(type_code or "").strip().upper()
    _raise(checks.check_licence_type_code(type_code, field="type_code"), "审批结果电子证照类型")
    try:
        ids = sorted({int(i) for i in item_ids})
    except (TypeError, ValueError):
        raise InvalidInput.field("item_ids", "应为事项编号（整数）的列表") from None
    with transaction.atomic(), audit.batch():
        items = list(ImplementationItem.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        found = {i.pk for i in items if i.is_current}
        missing = [i for i in ids if i not in found]
        if missing:
            raise InvalidInput.field(
                "item_ids", f"事项 {'、'.join(map(str, missing[:10]))} 不存在或不是当前发布版本"
            )
        for item in items:
            if not permissions.may_edit(actor, item.department_id):
                raise Forbidden("只能配置本部门的事项")
        changed = [i for i in items if i.result_license_type_code != type_code]
        by_before: dict[str, list[ImplementationItem]] = defaultdict(list)
        for item in changed:
            by_before[item.result_license_type_code].append(item)
        followed: dict[str, list[int]] = defaultdict(list)
        for before, group in by_before.items():
            open_versions = ImplementationItem.objects.filter(
                code__in=[i.code for i in group],
                status__in=[Status.DRAFT, Status.IN_REVIEW],
                result_license_type_code=before,
            )
            for code, version in open_versions.order_by("version").values_list("code", "version"):
                followed[code].append(version)
            open_versions.update(result_license_type_code=type_code)
            # Published rows refuse save(); this field is configuration, so it is set in place.
            ImplementationItem.objects.filter(pk__in=[i.pk for i in group]).update(
                result_license_type_code=type_code
            )
            for item in group:
                audit.record(
                    actor=actor,
                    action="catalog.item.result_licence_type",
                    obj=item,
                    data={
                        "code": item.code,
                        "version": item.version,
                        "from": before,
                        "to": type_code,
                        "open_versions": followed[item.code],
                    },
                )
                item.result_license_type_code = type_code
    return len(changed)


# --- Workflow (shared by basic and implementation items) ----------------------------------

TRANSITIONS = {
    ("submit", Status.DRAFT): Status.IN_REVIEW,
    ("approve", Status.IN_REVIEW): Status.PUBLISHED,
    ("reject", Status.IN_REVIEW): Status.DRAFT,
}


def _lock(item):
    return type(item).objects.select_for_update().get(pk=item.pk)


def _transition(actor, item, action: str) -> None:
    target = TRANSITIONS.get((action, item.status))
    if target is None:
        raise Conflict(f"“{item.get_status_display()}”状态的事项不能执行此操作")


def _label(item) -> str:
    return "basic" if isinstance(item, BasicItem) else "item"


def _may_edit_item(actor, item) -> bool:
    if isinstance(item, BasicItem):
        return permissions.may_edit_basic(actor)
    return permissions.may_edit(actor, item.department_id)


@transaction.atomic
def do_submit_for_review(*, actor, item):
    item = _lock(item)
    if not _may_edit_item(actor, item):
        raise Forbidden("只能提交本部门的事项")
    _transition(actor, item, "submit")
    if isinstance(item, ImplementationItem):
        _raise(
            check_bundle(
                ItemBundle(
                    {f: getattr(item, f) for f in IMPL_FIELDS},
                    [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in item.materials.all()],
                    [{f: getattr(h, f) for f in HANDLING_FIELDS} for h in item.handling_items.all()],
                )
            ),
            "实施清单事项",
        )
    item.status = Status.IN_REVIEW
    item.submitted_by = _user(actor)
    item.review_comment = ""
    item.save(update_fields=["status", "submitted_by", "review_comment", "updated_at"])
    audit.record(
        actor=actor,
        action=f"catalog.{_label(item)}.submit",
        obj=item,
        data={"code": item.code, "version": item.version},
    )
    return item


SEARCH_COLUMNS = (
    "code",
    "name",
    "popularity",
    "region_id",
    "department_id",
    "item_type",
    "basic_code",
    "is_online",
    "is_immediate",
    "nearby",
    "at_most_once",
    "service_objects",
    "search_text",
)


def search_objects(codes) -> str:
    """服务对象 codes as the search row stores them: sorted, one digit each ("12")."""
    return "".join(sorted({str(c) for c in (codes or []) if str(c).isdigit() and len(str(c)) == 1}))


def sync_search_rows(codes) -> int:
    """Make the search rows of these implementation codes match their current versions (an
    item that has none any more drops out). Call wherever items become current."""
    codes = sorted(set(codes))
    written = 0
    for start in range(0, len(codes), 2000):
        chunk = codes[start : start + 2000]
        ItemSearch.objects.filter(code__in=chunk).delete()
        rows = ImplementationItem.objects.filter(code__in=chunk, is_current=True).values(
            "id", *SEARCH_COLUMNS
        )
        found = []
        for r in rows:
            r["service_objects"] = search_objects(r["service_objects"])
            found.append(ItemSearch(item_id=r.pop("id"), **r))
        written += len(ItemSearch.objects.bulk_create(found))
    return written


def do_reindex_search(*, actor) -> dict:
    """Rebuild every search row from the current items, then store the rows in popularity order
    (PostgreSQL CLUSTER, which locks the search table for the few seconds it takes; SQLite
    optimises its FTS index). A word search walks rows in that order and stops at the most
    popular matches, so this keeps it reading neighbouring pages: run it nightly and after bulk
    loads. Items published since keep working; they are only stored out of order."""
    import time

    from django.db import connection

    started = time.monotonic()
    current = ImplementationItem.objects.filter(is_current=True)
    with transaction.atomic():
        # NOT EXISTS, not NOT IN: at 724,000 codes the IN list outgrows work_mem.
        live = current.filter(pk=OuterRef("item_id"))
        stale = ItemSearch.objects.exclude(Exists(live)).delete()[0]
        missing = list(
            current.exclude(Exists(ItemSearch.objects.filter(item_id=OuterRef("pk")))).values_list(
                "code", flat=True
            )
        )
        rebuilt = stale + sync_search_rows(missing)
        audit.record(
            actor=actor,
            action="catalog.search.reindex",
            object_type="catalog.itemsearch",
            data={"rebuilt": rebuilt},
        )
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # inside a caller's transaction: check FKs now
            cur.execute("CLUSTER catalog_itemsearch USING search_hot")
            cur.execute("ANALYZE catalog_itemsearch")
        elif connection.vendor == "sqlite":
            cur.execute("INSERT INTO catalog_itemsearch_fts(catalog_itemsearch_fts) VALUES ('optimize')")
    return {"rows": ItemSearch.objects.count(), "rebuilt": rebuilt, "seconds": time.monotonic() - started}


def _publish(actor, item) -> None:
    model = type(item)
    now = timezone.now()
    model.objects.filter(code=item.code, is_current=True).exclude(pk=item.pk).update(
        is_current=False, status=Status.SUPERSEDED
    )
    model.objects.filter(pk=item.pk).update(
        status=Status.PUBLISHED, is_current=True, published_at=now, reviewed_by=_user(actor)
    )
    item.status, item.is_current, item.published_at = Status.PUBLISHED, True, now
    item._stored_status = Status.PUBLISHED
    if model is ImplementationItem:
        sync_search_rows([item.code])
    audit.record(
        actor=actor,
        action=f"catalog.{_label(item)}.publish",
        obj=item,
        data={"code": item.code, "version": item.version},
    )


@transaction.atomic
def do_approve(*, actor, item, comment: str = ""):
    item = _lock(item)
    if not permissions.may_review(actor, item):
        raise Forbidden("您不能审核此事项（需要审核权限，且不能审核自己提交的事项）")
    _transition(actor, item, "approve")
    if comment:
        type(item).objects.filter(pk=item.pk).update(review_comment=comment[:2000])
    _publish(actor, item)
    return item


@transaction.atomic
def do_reject(*, actor, item, comment: str):
    item = _lock(item)
    if not permissions.may_review(actor, item):
        raise Forbidden("您不能审核此事项（需要审核权限，且不能审核自己提交的事项）")
    _transition(actor, item, "reject")
    if not comment.strip():
        raise InvalidInput.field("comment", "退回时请写明需要修改的内容")
    item.status = Status.DRAFT
    item.review_comment = comment[:2000]
    item.reviewed_by = _user(actor)
    item.save(update_fields=["status", "review_comment", "reviewed_by", "updated_at"])
    audit.record(
        actor=actor,
        action=f"catalog.{_label(item)}.reject",
        obj=item,
        data={"code": item.code, "version": item.version, "comment": comment[:200]},
    )
    return item


@transaction.atomic
def do_new_version(*, actor, item):
    """Copy a published version into a new draft (version + 1) with all its children."""
    item = _lock(item)
    if not _may_edit_item(actor, item):
        raise Forbidden("只能修改本部门的事项")
    model = type(item)
    if model.objects.filter(code=item.code, status__in=[Status.DRAFT, Status.IN_REVIEW]).exists():
        raise Conflict("该事项已有未发布的草稿或待审核版本，请先处理")
    if item.status not in (Status.PUBLISHED, Status.SUPERSEDED):
        raise Conflict("只能基于已发布的版本创建新版本")
    latest = (
        model.objects.filter(code=item.code).order_by("-version").values_list("version", flat=True).first()
    )
    source_pk = item.pk
    draft = model.objects.get(pk=source_pk)
    draft.pk = draft.id = None
    draft._stored_status = None
    draft.version = latest + 1
    draft.status, draft.is_current, draft.published_at = Status.DRAFT, False, None
    draft.created_by, draft.submitted_by, draft.reviewed_by, draft.review_comment = (
        _user(actor),
        None,
        None,
        "",
    )
    draft.save()
    if isinstance(item, BasicItem):
        draft.topics.set(item.topics.all())
    else:
        Material.objects.bulk_create(
            Material(item=draft, order=m.order, **{f: getattr(m, f) for f in MATERIAL_FIELDS})
            for m in Material.objects.filter(item_id=source_pk)
        )
        HandlingItem.objects.bulk_create(
            HandlingItem(item=draft, order=h.order, **{f: getattr(h, f) for f in HANDLING_FIELDS})
            for h in HandlingItem.objects.filter(item_id=source_pk)
        )
    audit.record(
        actor=actor,
        action=f"catalog.{_label(item)}.new_version",
        obj=draft,
        data={"code": draft.code, "version": draft.version, "from": item.version},
    )
    return draft


# --- Bulk loads (spreadsheet import, demo and scale seeding) -------------------------------


def check_bundles(bundles: Sequence[ItemBundle]) -> list[FieldProblem]:
    """Validate many items at once with two cache queries instead of two per item."""
    dept_ids = {b.data.get("department_id") for b in bundles}
    departments = {d.pk: d for d in core_queries.departments().filter(pk__in=[i for i in dept_ids if i])}
    basic_codes = set(BasicItem.objects.values_list("code", flat=True).distinct())
    problems: list[FieldProblem] = []
    seen: dict[str, int | None] = {}
    for b in bundles:
        problems += check_bundle(b, departments=departments, basic_codes=basic_codes)
        code = b.data.get("code")
        if code in seen:
            problems.append(
                FieldProblem("code", f"实施编码 {code} 在文件中重复（另见第{seen[code]}行）", row=b.row)
            )
        seen[code] = b.row
    return problems


@transaction.atomic
def do_import_items(
    *, actor, bundles: Sequence[ItemBundle], publish: bool = False, progress=None
) -> dict[str, int]:
    """All-or-nothing bulk load. New codes become version 1; known codes get a new version
    (replacing an open draft). With `publish`, versions are published at once (platform admins
    and system loads only); otherwise they wait as drafts for review."""
    if publish and not (permissions.is_system(actor) or permissions.is_platform_admin.test(actor)):
        raise Forbidden("只有平台管理员可以导入并直接发布")
    for dept_id in {b.data.get("department_id") for b in bundles}:
        if not permissions.may_edit(actor, dept_id):
            raise Forbidden("只能导入本部门的实施清单事项")
    _raise(check_bundles(bundles), "导入文件")
    departments = {d.pk: d for d in core_queries.departments()}
    region_names = dict(core_queries.region_full_names())
    codes = [b.data["code"] for b in bundles]
    latest: dict[str, int] = {}
    # The result's licence type is configuration (do_set_result_licence_type), not guide content:
    # a file that does not carry it keeps the current version's.
    result_types: dict[str, str] = {}
    rows = ImplementationItem.objects.filter(code__in=codes).values_list(
        "code", "version", "is_current", "result_license_type_code"
    )
    for code, version, is_current, result_type in rows:
        latest[code] = max(latest.get(code, 0), version)
        if is_current and result_type:
            result_types[code] = result_type
    ImplementationItem.objects.filter(code__in=codes, status__in=[Status.DRAFT, Status.IN_REVIEW]).delete()
    counts = {"created": 0, "new_versions": 0}
    user = _user(actor)
    now = timezone.now()
    batch = 2000
    for start in range(0, len(bundles), batch):
        chunk = bundles[start : start + batch]
        items = []
        for b in chunk:
            dept = departments[b.data["department_id"]]
            region_id = b.data.get("region_id") or dept.region_id
            item = _build_item(
                b,
                department=dept,
                region_name=region_names.get(region_id, ""),
                version=latest.get(b.data["code"], 0) + 1,
                actor_user=user,
            )
            if "result_license_type_code" not in b.data:
                item.result_license_type_code = result_types.get(item.code, "")
            counts["new_versions" if b.data["code"] in latest else "created"] += 1
            if publish:
                item.status, item.is_current, item.published_at, item.reviewed_by = (
                    Status.PUBLISHED,
                    True,
                    now,
                    user,
                )
            items.append(item)
        if publish:
            ImplementationItem.objects.filter(code__in=[i.code for i in items], is_current=True).update(
                is_current=False, status=Status.SUPERSEDED
            )
        ImplementationItem.objects.bulk_create(items)
        if publish:
            sync_search_rows([i.code for i in items])
        mats, handling = [], []
        for item, b in zip(items, chunk, strict=True):
            m, h = _children(item, b)
            mats += m
            handling += h
        Material.objects.bulk_create(mats, batch_size=5000)
        HandlingItem.objects.bulk_create(handling, batch_size=5000)
        if progress:
            progress(len(chunk))
    audit.record(
        actor=actor,
        action="catalog.item.import",
        object_type="catalog.implementationitem",
        object_id=f"{len(bundles)} items",
        data={**counts, "published": publish, "codes_sample": codes[:20]},
    )
    return counts


@transaction.atomic
def do_upsert_topic(
    *, actor, slug: str, name: str, audience: str, order: int = 0, description: str = ""
) -> Topic:
    if not permissions.may_edit_basic(actor):
        raise Forbidden("只有平台管理员可以维护主题")
    topic, created = Topic.objects.update_or_create(
        slug=slug, defaults={"name": name, "audience": audience, "order": order, "description": description}
    )
    audit.record(
        actor=actor,
        action="catalog.topic." + ("create" if created else "update"),
        obj=topic,
        data={"name": name},
    )
    return topic


# --- Review flags (待复核: a policy change touches an item) ----------------------------------------


def do_flag_items_for_review(codes, *, reason: str, source: str, actor) -> int:
    """Flag the items `codes` for review on the catalogue workbench (another app, e.g. openness
    when a linked policy is published, relinked or repealed). One open flag per code and source:
    a code already flagged open by the same source gets its reason updated. Returns how many
    codes are flagged. Runs in the caller's transaction."""
    codes = sorted({c.strip().upper() for c in codes if isinstance(c, str) and c.strip()})
    reason = (reason or "").strip()[:300]
    source = (source or "").strip()[:120]
    if not codes:
        return 0
    if not reason or not source:
        raise InvalidInput.field("reason", "请说明复核原因和来源")
    with transaction.atomic():
        open_flags = {
            f.code: f
            for f in ReviewFlag.objects.select_for_update().filter(
                code__in=codes, source=source, cleared_at__isnull=True
            )
        }
        label = audit.actor_label(actor)
        for code in codes:
            flag = open_flags.get(code)
            if flag is None:
                ReviewFlag.objects.create(code=code, reason=reason, source=source, created_by=label)
            elif flag.reason != reason:
                flag.reason = reason
                flag.save(update_fields=["reason"])
        audit.record(
            actor=actor,
            action="catalog.items.flagged",
            object_type="catalog.reviewflag",
            object_id=source,
            data={"codes": codes, "reason": reason},
        )
    return len(codes)


def access_flag(actor, pk) -> ReviewFlag:
    """A flag for staff who may edit its item's department (or review the catalogue)."""
    try:
        pk = int(pk)
        if not 0 < pk < 2**63:
            raise ValueError(pk)
        flag = ReviewFlag.objects.get(pk=pk)
    except (TypeError, ValueError, ReviewFlag.DoesNotExist) as exc:
        raise NotFound("没有找到该待复核标记") from exc
    department_ids = set(
        ImplementationItem.objects.filter(code=flag.code).values_list("department_id", flat=True)
    )
    if permissions.is_system(actor) or permissions.can_review.test(actor):
        return flag
    if any(permissions.may_edit(actor, d) for d in department_ids):
        return flag
    raise NotFound("没有找到该待复核标记")


def do_clear_review_flag(*, actor, flag_id, note: str = "") -> ReviewFlag:
    """Catalogue staff reviewed the item: the flag is cleared, with what they did."""
    flag = access_flag(actor, flag_id)
    note = (note or "").strip() if isinstance(note, str) else ""
    if len(note) > 300:
        raise InvalidInput.field("note", "处理说明不能超过300字")
    with transaction.atomic():
        flag = ReviewFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.cleared_at is not None:
            raise Conflict("该标记已处理")
        flag.cleared_at = timezone.now()
        flag.cleared_by = _user(actor)
        flag.clear_note = note
        flag.save(update_fields=["cleared_at", "cleared_by", "clear_note"])
        audit.record(
            actor=actor, action="catalog.flag.cleared", obj=flag, data={"code": flag.code, "note": note}
        )
    return flag
