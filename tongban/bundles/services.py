"""Theme writes (一件事主题): create, edit a draft, submit, approve (publishes) or reject with four
eyes, withdraw, new version, import.

Every `do_*` takes `actor=` (a staff user, or a `system:<name>` label for commands and the
demo), checks permissions and the theme rules, locks what it changes and records an audit
event in the same transaction. Published versions never change: `do_new_version` copies one
into a new draft. Refusals raise `core.errors` with the field named; nothing is written.

The rules (`check_spec`): the spec's own shape and references (`spec.parse`), no dependency
cycle (`spec.order`), every member item known to the catalogue, and a requirement's result
licence type issued by the required member's item. Whether every member item is published
*now* (`publish_problems`) is checked at submission and again at approval: an item withdrawn
from the catalogue makes the theme unpublishable until the theme is fixed.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from tongban.catalog import queries as catalog_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, DomainError, FieldProblem, Forbidden, InvalidInput, NotFound

from . import permissions
from . import spec as specs
from .enums_themes import ReviewDecision, ThemeAudience, ThemeStatus
from .models import Theme, ThemeReview, ThemeVersion

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
# Path words of the app's own pages under /bundles/: never a theme code.
RESERVED_CODES = frozenset({"workbench", "applications", "application", "my", "mine", "status", "apply"})
NOT_FOUND = "没有找到该主题，或您无权维护它"


def _user(actor):
    return None if isinstance(actor, str) or not getattr(actor, "pk", None) else actor


def _raise(problems: list[FieldProblem], what: str = "主题定义") -> None:
    if problems:
        first = problems[0]
        message = (
            f"{what}：{first}" if len(problems) == 1 else f"{what}有 {len(problems)} 处需要修改：{first}"
        )
        raise InvalidInput(message, problems=problems)


# --- Rules ---------------------------------------------------------------------------------


def _catalogue_facts(codes: list[str]) -> tuple[dict[str, dict], set[str]]:
    """The current published items of these codes ({code: {name, result type}}) and the codes
    the catalogue knows in any version (drafts, superseded)."""
    codes = sorted({c for c in codes if c})
    current = {
        row["code"]: row
        for row in catalog_queries.current_items()
        .filter(code__in=codes)
        .values("code", "name", "result_license_type_code", "department_id")
    }
    known = set(current)
    for code in set(codes) - known:
        if catalog_queries.item_versions(code).exists():
            known.add(code)
    return current, known


def _latest_result_type(code: str) -> str:
    row = catalog_queries.item_versions(code).values("result_license_type_code").first()
    return row["result_license_type_code"] if row else ""


def check_spec(doc) -> specs.ThemeSpec:
    """The parsed spec if it may be saved: its shape, no cycle, every member item known to the
    catalogue, every requirement's licence type issued by the required member's item. Raises
    InvalidInput naming every problem (`members[1].item_code`, ...)."""
    spec = specs.parse(doc)
    specs.order(spec)
    current, known = _catalogue_facts(spec.item_codes)
    problems: list[FieldProblem] = []
    index = {m.key: i for i, m in enumerate(spec.members)}
    for i, m in enumerate(spec.members):
        if m.item_code not in known:
            problems.append(
                FieldProblem(f"members[{i}].item_code", f"事项目录中没有实施编码为 {m.item_code} 的事项")
            )
    for i, m in enumerate(spec.members):
        for j, r in enumerate(m.requires):
            other = spec.members[index[r.member]]
            if other.item_code not in known:
                continue
            issued = (
                current[other.item_code]["result_license_type_code"]
                if other.item_code in current
                else _latest_result_type(other.item_code)
            )
            if issued != r.result:
                what = f"签发 {issued}" if issued else "不签发电子证照"
                problems.append(
                    FieldProblem(
                        f"members[{i}].requires[{j}].result",
                        f"成员“{r.member}”的事项{what}，不签发 {r.result}",
                    )
                )
    _raise(problems)
    return spec


def publish_problems(spec: specs.ThemeSpec) -> list[FieldProblem]:
    """What keeps a (valid) spec from being published now: member items with no current
    published version in the catalogue (withdrawn, or never published)."""
    current, _ = _catalogue_facts(spec.item_codes)
    return [
        FieldProblem(
            f"members[{i}].item_code", f"成员事项 {m.item_code} 未在事项目录中发布（已撤回或尚未发布）"
        )
        for i, m in enumerate(spec.members)
        if m.item_code not in current
    ]


def check_publishable(doc) -> specs.ThemeSpec:
    spec = check_spec(doc)
    _raise(publish_problems(spec), "主题暂不能发布")
    return spec


def _check_header(*, name, scenario, audience) -> tuple[str, str, str]:
    problems = []
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        problems.append(FieldProblem("name", "请填写主题名称"))
    elif len(name) > 100:
        problems.append(FieldProblem("name", "主题名称不能超过100个字"))
    scenario = (scenario or "").strip() if isinstance(scenario, str) else ""
    if len(scenario) > 2000:
        problems.append(FieldProblem("scenario", "适用情形不能超过2000个字"))
    if audience not in ThemeAudience.values:
        problems.append(FieldProblem("audience", "服务对象应为 person（个人）或 enterprise（企业）"))
    if any("\x00" in v for v in (name, scenario)):
        problems.append(FieldProblem("name", "含有不允许的字符"))
    _raise(problems, "主题")
    return name, scenario, audience


def check_code(code) -> str:
    code = (code or "").strip() if isinstance(code, str) else ""
    if not CODE_RE.match(code) or code in RESERVED_CODES:
        raise InvalidInput.field("code", "主题编码应为2至40位小写字母、数字和连字符，如 company-opening")
    return code


def _check_region(region_code):
    try:
        return core_queries.get_region(region_code or "", field="region")
    except NotFound:
        raise InvalidInput.field("region", f"行政区划 {region_code} 不存在") from None


# --- Access --------------------------------------------------------------------------------


def access_theme(actor, code: str) -> Theme:
    """The theme for the workbench, or NotFound when it does not exist or is not the actor's."""
    theme = Theme.objects.select_related("region").filter(code=code).first()
    if theme is None or not permissions.may_see(actor, theme):
        raise NotFound(NOT_FOUND)
    return theme


def access_version(actor, pk: int) -> ThemeVersion:
    version = ThemeVersion.objects.select_related("theme", "theme__region").filter(pk=pk).first()
    if version is None or not permissions.may_see(actor, version.theme):
        raise NotFound(NOT_FOUND)
    return version


def _lock(version: ThemeVersion) -> ThemeVersion:
    return ThemeVersion.objects.select_for_update().select_related("theme").get(pk=version.pk)


def _require_edit(actor, theme: Theme) -> None:
    if not permissions.may_edit(actor, theme.region_id):
        if permissions.may_see(actor, theme):
            raise Forbidden("只有平台管理员和本区划的部门管理员可以编辑主题")
        raise NotFound(NOT_FOUND)


# --- Writes --------------------------------------------------------------------------------


@transaction.atomic
def do_create_theme(
    *, actor, code: str, region_code: str, name: str, audience: str, spec: dict, scenario: str = ""
) -> ThemeVersion:
    """A new theme with its first version, a draft."""
    code = check_code(code)
    region = _check_region(region_code)
    if not permissions.may_edit(actor, region.code):
        raise Forbidden("只有平台管理员和本区划的部门管理员可以创建主题")
    name, scenario, audience = _check_header(name=name, scenario=scenario, audience=audience)
    parsed = check_spec(spec)
    if Theme.objects.filter(code=code).exists():
        raise Conflict(f"主题编码 {code} 已存在，请在原主题上创建新版本")
    theme = Theme.objects.create(code=code, region=region, created_by=_user(actor))
    version = ThemeVersion.objects.create(
        theme=theme,
        version=1,
        name=name,
        scenario=scenario,
        audience=audience,
        spec=parsed.to_doc(),
        created_by=_user(actor),
    )
    audit.record(
        actor=actor,
        action="bundles.theme.create",
        obj=version,
        data={"code": code, "version": 1, "name": name},
    )
    return version


_UNSET = object()


@transaction.atomic
def do_update_draft(
    *, actor, version: ThemeVersion, name=_UNSET, scenario=_UNSET, audience=_UNSET, spec=_UNSET
) -> ThemeVersion:
    version = _lock(version)
    _require_edit(actor, version.theme)
    if version.status != ThemeStatus.DRAFT:
        raise Conflict(f"只有草稿可以修改；该版本状态为“{version.get_status_display()}”")
    new_name, new_scenario, new_audience = _check_header(
        name=version.name if name is _UNSET else name,
        scenario=version.scenario if scenario is _UNSET else scenario,
        audience=version.audience if audience is _UNSET else audience,
    )
    new_spec = version.spec if spec is _UNSET else check_spec(spec).to_doc()
    changed = sorted(
        k
        for k, before, after in (
            ("name", version.name, new_name),
            ("scenario", version.scenario, new_scenario),
            ("audience", version.audience, new_audience),
            ("spec", version.spec, new_spec),
        )
        if before != after
    )
    version.name, version.scenario, version.audience, version.spec = (
        new_name,
        new_scenario,
        new_audience,
        new_spec,
    )
    version.save()
    audit.record(
        actor=actor,
        action="bundles.theme.update",
        obj=version,
        data={"code": version.theme.code, "version": version.version, "changed": changed},
    )
    return version


@transaction.atomic
def do_submit(*, actor, version: ThemeVersion) -> ThemeVersion:
    """Draft -> in review, when the spec may be published now."""
    version = _lock(version)
    _require_edit(actor, version.theme)
    if version.status != ThemeStatus.DRAFT:
        raise Conflict(f"“{version.get_status_display()}”状态的主题版本不能提交审核")
    check_publishable(version.spec)
    version.status = ThemeStatus.IN_REVIEW
    version.submitted_by = _user(actor)
    version.review_comment = ""
    version.save(update_fields=["status", "submitted_by", "review_comment", "updated_at"])
    audit.record(
        actor=actor,
        action="bundles.theme.submit",
        obj=version,
        data={"code": version.theme.code, "version": version.version},
    )
    return version


def _require_review(actor, version: ThemeVersion) -> None:
    if not permissions.may_review(actor, version):
        if not permissions.may_see(actor, version.theme):
            raise NotFound(NOT_FOUND)
        raise Forbidden("您不能审核此主题（需要审核权限，且不能审核自己提交的版本）")


@transaction.atomic
def do_approve(*, actor, version: ThemeVersion, comment: str = "") -> ThemeVersion:
    """In review -> published (four eyes), checking the catalogue again: the previous current
    version is superseded; bundles applied under it keep it."""
    version = _lock(version)
    _require_review(actor, version)
    if version.status != ThemeStatus.IN_REVIEW:
        raise Conflict(f"“{version.get_status_display()}”状态的主题版本不能审核")
    check_publishable(version.spec)
    now = timezone.now()
    comment = (comment or "").strip()[:2000]
    ThemeVersion.objects.filter(theme_id=version.theme_id, is_current=True).update(
        is_current=False, status=ThemeStatus.SUPERSEDED
    )
    ThemeVersion.objects.filter(pk=version.pk).update(
        status=ThemeStatus.PUBLISHED,
        is_current=True,
        published_at=now,
        reviewed_by=_user(actor),
        review_comment=comment,
        updated_at=now,
    )
    ThemeReview.objects.create(
        version=version,
        reviewer=_user(actor),
        reviewer_label="" if _user(actor) else str(actor)[:100],
        decision=ReviewDecision.APPROVE,
        comment=comment,
    )
    version.refresh_from_db()
    audit.record(
        actor=actor,
        action="bundles.theme.publish",
        obj=version,
        data={"code": version.theme.code, "version": version.version},
    )
    return version


@transaction.atomic
def do_reject(*, actor, version: ThemeVersion, comment: str) -> ThemeVersion:
    version = _lock(version)
    _require_review(actor, version)
    if version.status != ThemeStatus.IN_REVIEW:
        raise Conflict(f"“{version.get_status_display()}”状态的主题版本不能审核")
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput.field("comment", "退回时请写明需要修改的内容")
    version.status = ThemeStatus.DRAFT
    version.review_comment = comment[:2000]
    version.reviewed_by = _user(actor)
    version.save(update_fields=["status", "review_comment", "reviewed_by", "updated_at"])
    ThemeReview.objects.create(
        version=version,
        reviewer=_user(actor),
        reviewer_label="" if _user(actor) else str(actor)[:100],
        decision=ReviewDecision.REJECT,
        comment=comment[:2000],
    )
    audit.record(
        actor=actor,
        action="bundles.theme.reject",
        obj=version,
        data={"code": version.theme.code, "version": version.version, "comment": comment[:200]},
    )
    return version


@transaction.atomic
def do_withdraw(*, actor, version: ThemeVersion, reason: str) -> ThemeVersion:
    """Published -> withdrawn: the theme leaves the portal and takes no new applications
    (bundles already submitted go on under their version). A new version brings it back."""
    version = _lock(version)
    if not permissions.may_review_region(actor, version.theme.region_id):
        raise NotFound(NOT_FOUND)
    if version.status != ThemeStatus.PUBLISHED:
        raise Conflict("只有已发布的主题版本可以撤回")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "请写明撤回原因")
    now = timezone.now()
    ThemeVersion.objects.filter(pk=version.pk).update(
        status=ThemeStatus.WITHDRAWN,
        is_current=False,
        withdrawn_at=now,
        withdraw_reason=reason[:300],
        updated_at=now,
    )
    version.refresh_from_db()
    audit.record(
        actor=actor,
        action="bundles.theme.withdraw",
        obj=version,
        data={"code": version.theme.code, "version": version.version, "reason": reason[:200]},
    )
    return version


@transaction.atomic
def do_new_version(*, actor, theme: Theme) -> ThemeVersion:
    """A new draft (version + 1) copied from the latest version (published, superseded or
    withdrawn). One open draft or review per theme."""
    theme = Theme.objects.select_for_update().get(pk=theme.pk)
    _require_edit(actor, theme)
    versions = ThemeVersion.objects.filter(theme=theme)
    if versions.filter(status__in=[ThemeStatus.DRAFT, ThemeStatus.IN_REVIEW]).exists():
        raise Conflict("该主题已有未发布的草稿或待审核版本，请先处理")
    latest = versions.order_by("-version").first()
    draft = ThemeVersion.objects.create(
        theme=theme,
        version=latest.version + 1,
        name=latest.name,
        scenario=latest.scenario,
        audience=latest.audience,
        spec=latest.spec,
        created_by=_user(actor),
    )
    audit.record(
        actor=actor,
        action="bundles.theme.new_version",
        obj=draft,
        data={"code": theme.code, "version": draft.version, "from": latest.version},
    )
    return draft


# --- Import --------------------------------------------------------------------------------

THEME_KEYS = ("code", "region", "name", "scenario", "audience", "spec")


def check_theme_docs(docs) -> list[tuple[str, object, dict]]:
    """Check every theme of an import (all of them, before anything is written): returns
    (code, region, cleaned values) per theme or raises InvalidInput naming `themes[i].<path>`."""
    if not isinstance(docs, list) or not docs:
        raise InvalidInput.field("themes", "导入文件中没有主题")
    problems: list[FieldProblem] = []
    cleaned = []
    seen: set[str] = set()
    for i, doc in enumerate(docs):
        where = f"themes[{i}]"
        if not isinstance(doc, dict):
            problems.append(FieldProblem(where, "应为对象"))
            continue
        for extra in sorted(set(doc) - set(THEME_KEYS) - {"version", "status"}):
            problems.append(FieldProblem(f"{where}.{extra}", "不是主题的组成部分"))
        try:
            code = check_code(doc.get("code"))
            if code in seen:
                raise InvalidInput.field("code", f"主题编码 {code} 在文件中重复")
            seen.add(code)
            region = _check_region(str(doc.get("region") or ""))
            name, scenario, audience = _check_header(
                name=doc.get("name"), scenario=doc.get("scenario", ""), audience=doc.get("audience")
            )
            parsed = check_spec(doc.get("spec"))
        except DomainError as e:
            problems += [
                FieldProblem(f"{where}.{p.field}", p.message, p.row, p.column) for p in e.problems
            ] or [FieldProblem(where, e.message)]
            continue
        cleaned.append(
            (
                code,
                region,
                {"name": name, "scenario": scenario, "audience": audience, "spec": parsed.to_doc()},
            )
        )
    _raise(problems, "导入文件")
    return cleaned


@transaction.atomic
def do_import_themes(*, actor, docs: list[dict]) -> dict[str, int]:
    """All or nothing: every theme is checked first. A new code becomes a theme with a draft
    version 1; a known code gets a new draft version (its open draft replaced; a version in
    review refuses the import). Nothing is published: imported drafts go through review."""
    cleaned = check_theme_docs(docs)
    for code, region, _ in cleaned:
        if not permissions.may_edit(actor, region.code):
            raise Forbidden(f"您不能维护区划 {region.full_name or region.name} 的主题（{code}）")
    counts = {"created": 0, "new_versions": 0}
    themes = {
        t.code: t for t in Theme.objects.select_for_update().filter(code__in=[c for c, _, _ in cleaned])
    }
    for code, region, _values in cleaned:
        theme = themes.get(code)
        if theme is not None and theme.region_id != region.code:
            raise InvalidInput.field("region", f"主题 {code} 属于区划 {theme.region_id}，导入时不能改变")
        if (
            theme is not None
            and ThemeVersion.objects.filter(theme=theme, status=ThemeStatus.IN_REVIEW).exists()
        ):
            raise Conflict(f"主题 {code} 有待审核的版本，请先审核后再导入")
    with audit.batch():
        for code, region, values in cleaned:
            theme = themes.get(code)
            if theme is None:
                theme = Theme.objects.create(code=code, region=region, created_by=_user(actor))
                number = 1
                counts["created"] += 1
            else:
                ThemeVersion.objects.filter(theme=theme, status=ThemeStatus.DRAFT).delete()
                latest = ThemeVersion.objects.filter(theme=theme).order_by("-version").first()
                number = (latest.version if latest else 0) + 1
                counts["new_versions"] += 1
            version = ThemeVersion.objects.create(
                theme=theme, version=number, created_by=_user(actor), **values
            )
            audit.record(
                actor=actor,
                action="bundles.theme.import",
                obj=version,
                data={"code": code, "version": number},
            )
    return counts
