"""Writes of 政务公开 policies: drafting, interpretations, attachments, links, and the publication
workflow 起草 → 审核 → 保密审查 → 发布 → 废止 (README "Policies").

Every write takes `actor=`, authorises the object (`permissions.access_policy`: anyone outside
the issuing department gets a 404, the refusal audited), locks the policy row, bumps its
`lock_version`, appends a `PolicyReview` row for workflow steps and records an audit event in
the same transaction. Bad input raises `InvalidInput` naming the field and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.catalog import queries as catalog_queries
from tongban.catalog import services as catalog_services
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tongban.core.search import index_text

from . import permissions, secrecy
from .enums import (
    EDITABLE_STATES,
    INTERPRETATION_EXEMPT_DOC_TYPES,
    DocType,
    FindingSource,
    FindingStatus,
    InterpretationKind,
    LinkKind,
    PolicyState,
    ReviewOutcome,
    ReviewStep,
    Subject,
    Validity,
)
from .models import Interpretation, Policy, PolicyAttachment, PolicyLink, PolicyReview, SecrecyFinding

LIMITS = {"number": 80, "title": 300, "summary": 2000, "text": 200_000}
POLICY_VALUES = ("number", "title", "subject", "doc_type", "written_on", "effective_on", "summary", "text")
NUMBER_RE = re.compile(r"^\S(.*\S)?$")
MAX_QA = 50
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".ofd": "application/ofd",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".wps": "application/vnd.ms-works",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".zip": "application/zip",
}
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
LINK_CODE_RE = re.compile(r"^[0-9A-Za-z_-]{1,60}$")

LABELS = {
    "number": "文号",
    "title": "标题",
    "issuer": "发文机关",
    "subject": "主题分类",
    "doc_type": "公文种类",
    "written_on": "成文日期",
    "effective_on": "施行日期",
    "summary": "摘要",
    "text": "正文",
    "repealed_on": "废止日期",
    "published_on": "发布日期",
}


# --- Validation ----------------------------------------------------------------------------------


def _text(values: dict, key: str, problems: list, *, required: bool) -> str:
    raw = values.get(key, "")
    if raw is None:
        raw = ""
    label = LABELS.get(key, key)
    if not isinstance(raw, str):
        problems.append(FieldProblem(key, f"{label}应为文字"))
        return ""
    value = raw.strip()
    if required and not value:
        problems.append(FieldProblem(key, f"请填写{label}"))
    limit = LIMITS.get(key, 300)
    if len(value) > limit:
        problems.append(FieldProblem(key, f"{label}不能超过{limit}字"))
    return value


def _date(values: dict, key: str, problems: list, *, required: bool) -> dt.date | None:
    raw = values.get(key)
    label = LABELS[key]
    if raw in (None, ""):
        if required:
            problems.append(FieldProblem(key, f"请填写{label}"))
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        value = raw
    elif isinstance(raw, str):
        try:
            value = dt.date.fromisoformat(raw.strip())
        except ValueError:
            problems.append(FieldProblem(key, f"{label}应为日期，如 2026-03-01"))
            return None
    else:
        problems.append(FieldProblem(key, f"{label}应为日期，如 2026-03-01"))
        return None
    if not dt.date(1949, 10, 1) <= value <= dt.date(2100, 12, 31):
        problems.append(FieldProblem(key, f"{label}超出合理范围"))
        return None
    return value


def _choice(values: dict, key: str, choices, problems: list) -> str:
    value = values.get(key, "")
    if not isinstance(value, str) or value not in choices.values:
        problems.append(FieldProblem(key, f"请选择有效的{LABELS[key]}"))
        return ""
    return value


def check_policy(values: dict) -> dict:
    """Every value of a policy checked at once; all problems in one InvalidInput, each naming
    its field. Dates in order: 施行 (effective_on) not before 成文 (written_on)."""
    if not isinstance(values, dict):
        raise InvalidInput("政策文件内容格式有误")
    unknown = sorted(set(values) - set(POLICY_VALUES))
    if unknown:
        raise InvalidInput.field(unknown[0], "不是政策文件的字段")
    problems: list[FieldProblem] = []
    clean = {
        "number": _text(values, "number", problems, required=True),
        "title": _text(values, "title", problems, required=True),
        "subject": _choice(values, "subject", Subject, problems),
        "doc_type": _choice(values, "doc_type", DocType, problems),
        "written_on": _date(values, "written_on", problems, required=True),
        "effective_on": _date(values, "effective_on", problems, required=False),
        "summary": _text(values, "summary", problems, required=False),
        "text": _text(values, "text", problems, required=True),
    }
    if clean["number"] and ("\n" in clean["number"] or not NUMBER_RE.match(clean["number"])):
        problems.append(FieldProblem("number", "文号应为一行文字，如 鄂政发〔2026〕3号"))
    if clean["written_on"] and clean["effective_on"] and clean["effective_on"] < clean["written_on"]:
        problems.append(FieldProblem("effective_on", "施行日期不能早于成文日期"))
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    return clean


def _issuer(issuer_id):
    if issuer_id in (None, ""):
        raise InvalidInput.field("issuer", "请选择发文机关")
    try:
        return core_queries.get_department(permissions.as_pk(issuer_id))
    except (TypeError, ValueError, NotFound) as exc:
        raise InvalidInput.field("issuer", "没有找到该发文机关") from exc


def _number_taken(issuer_id: int, number: str, *, exclude: int | None = None) -> bool:
    qs = Policy.objects.filter(issuer_id=issuer_id, number=number)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


DUPLICATE_NUMBER = "该发文机关已有同一文号的政策文件"


def _snapshot(policy: Policy) -> dict:
    return {"number": policy.number, "state": policy.state, "lock_version": policy.lock_version}


def _trail(policy: Policy, actor, step: str, outcome: str, comment: str = "") -> PolicyReview:
    return PolicyReview.objects.create(
        policy=policy, step=step, actor=_user(actor), outcome=outcome, comment=comment
    )


def _user(actor):
    return actor if getattr(actor, "pk", None) is not None and hasattr(actor, "is_staff") else None


def _bump(policy: Policy, fields: list[str]) -> None:
    policy.lock_version += 1
    policy.save(update_fields=[*fields, "lock_version", "updated_at"])


def _check_version(policy: Policy, lock_version) -> None:
    if lock_version is None:
        return
    try:
        expected = int(lock_version)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field("lock_version", "版本号有误，请刷新后重试") from exc
    if expected != policy.lock_version:
        raise Conflict("该政策文件已被他人修改，请刷新后重试")


def _locked(actor, policy_id, *, action: str) -> Policy:
    """Authorise (outside the transaction, so a refusal's audit event stays), then lock."""
    policy = permissions.access_policy(actor, policy_id, action=action)
    return Policy.objects.select_for_update().select_related("issuer").get(pk=policy.pk)


def _require_state(policy: Policy, states, message: str) -> None:
    if policy.state not in states:
        raise Conflict(message)


# --- Drafting ------------------------------------------------------------------------------------


def do_create_policy(*, actor, issuer_id, values: dict) -> Policy:
    """A new policy of `issuer_id`, a draft (起草). The actor drafts for their own department."""
    problems: list[FieldProblem] = []
    issuer = None
    try:
        issuer = _issuer(issuer_id)
    except InvalidInput as exc:
        problems += exc.problems
    try:
        clean = check_policy(values)
    except InvalidInput as exc:
        problems += exc.problems
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    if not permissions.may_draft(actor, issuer.pk):
        raise permissions.refuse(
            actor, action="openness.policy.create_refused", object_id=issuer.pk, reason="not_department"
        )
    with transaction.atomic():
        if _number_taken(issuer.pk, clean["number"]):
            raise InvalidInput.field("number", DUPLICATE_NUMBER)
        try:
            with transaction.atomic():
                policy = Policy.objects.create(issuer=issuer, created_by=_user(actor), **clean)
        except IntegrityError as exc:
            raise InvalidInput.field("number", DUPLICATE_NUMBER) from exc
        _trail(policy, actor, ReviewStep.CREATE, ReviewOutcome.DONE)
        audit.record(actor=actor, action="openness.policy.created", obj=policy, data=_snapshot(policy))
    return policy


def do_update_policy(*, actor, policy_id, values: dict, lock_version=None) -> Policy:
    """Change a draft's values (only a draft's: a policy under review or published is fixed;
    send it back to change it). `lock_version` guards against overwriting another's edit."""
    policy = permissions.access_policy(actor, policy_id, action="openness.policy.edit_refused")
    _require_state(policy, EDITABLE_STATES, "只有起草中的政策文件可以修改，审核中的请先退回")
    merged = {k: getattr(policy, k) for k in POLICY_VALUES}
    if not isinstance(values, dict):
        raise InvalidInput("政策文件内容格式有误")
    merged.update(values)
    clean = check_policy(merged)
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.policy.edit_refused")
        _check_version(policy, lock_version)
        _require_state(policy, EDITABLE_STATES, "只有起草中的政策文件可以修改，审核中的请先退回")
        if _number_taken(policy.issuer_id, clean["number"], exclude=policy.pk):
            raise InvalidInput.field("number", DUPLICATE_NUMBER)
        changed = sorted(k for k, v in clean.items() if getattr(policy, k) != v)
        for k, v in clean.items():
            setattr(policy, k, v)
        _bump(policy, list(clean))
        audit.record(
            actor=actor,
            action="openness.policy.edited",
            obj=policy,
            data={**_snapshot(policy), "changed": changed},
        )
    return policy


# --- Interpretations (解读) ------------------------------------------------------------------------


def _check_qa(raw, problems: list) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        problems.append(FieldProblem("qa", "问答格式有误"))
        return []
    if len(raw) > MAX_QA:
        problems.append(FieldProblem("qa", f"问答不能超过{MAX_QA}条"))
        return []
    out = []
    for i, pair in enumerate(raw):
        if not isinstance(pair, dict):
            problems.append(FieldProblem(f"qa[{i}]", "问答格式有误"))
            continue
        q, a = pair.get("q"), pair.get("a")
        q = q.strip() if isinstance(q, str) else ""
        a = a.strip() if isinstance(a, str) else ""
        if not q and not a:
            continue
        if not q or len(q) > 300:
            problems.append(FieldProblem(f"qa[{i}].q", "请填写问题（至多300字）"))
        if not a or len(a) > 5000:
            problems.append(FieldProblem(f"qa[{i}].a", "请填写回答（至多5000字）"))
        out.append({"q": q, "a": a})
    return out


def _check_upload(upload, *, field: str, types: dict, limit: int) -> tuple[str, str]:
    """(name, content type) of an acceptable upload, by its extension and size."""
    name = PurePath(getattr(upload, "name", "") or "").name
    ext = PurePath(name).suffix.lower()
    if not name or ext not in types:
        raise InvalidInput.field(field, "文件类型不支持，可上传 " + "、".join(sorted({e[1:] for e in types})))
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise InvalidInput.field(field, "文件为空")
    if size > limit:
        raise InvalidInput.field(field, f"文件不能超过{limit // (1024 * 1024)}MB")
    return name, types[ext]


def check_interpretation(kind, title, text, qa, *, image=None, has_image: bool = False) -> dict:
    problems: list[FieldProblem] = []
    if kind not in InterpretationKind.values:
        problems.append(FieldProblem("kind", "请选择有效的解读形式"))
    title = title.strip() if isinstance(title, str) else ""
    if not title or len(title) > 300:
        problems.append(FieldProblem("title", "请填写解读标题（至多300字）"))
    text = text.strip() if isinstance(text, str) else ""
    if len(text) > 100_000:
        problems.append(FieldProblem("text", "解读内容不能超过100000字"))
    clean_qa = _check_qa(qa, problems)
    if kind == InterpretationKind.TEXT and not text:
        problems.append(FieldProblem("text", "文字解读须填写解读内容"))
    if kind == InterpretationKind.QA and not clean_qa and not problems:
        problems.append(FieldProblem("qa", "问答解读须至少有一条问答"))
    if kind == InterpretationKind.GRAPHIC and image is None and not has_image:
        problems.append(FieldProblem("image", "图解须上传图片"))
    if image is not None:
        try:
            _check_upload(image, field="image", types=IMAGE_TYPES, limit=MAX_IMAGE_BYTES)
        except InvalidInput as exc:
            problems += exc.problems
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    return {"kind": kind, "title": title, "text": text, "qa": clean_qa}


def _author_body(author_body_id):
    if author_body_id in (None, ""):
        return None
    try:
        return core_queries.get_department(permissions.as_pk(author_body_id))
    except (TypeError, ValueError, NotFound) as exc:
        raise InvalidInput.field("author_body", "没有找到该解读机关") from exc


def do_add_interpretation(
    *, actor, policy_id, kind: str, title: str, text: str = "", qa=None, image=None, author_body_id=None
) -> Interpretation:
    """An interpretation (文字解读, 问答 or 图解) of a draft policy."""
    policy = permissions.access_policy(actor, policy_id, action="openness.interpretation.refused")
    clean = check_interpretation(kind, title, text, qa, image=image)
    body = _author_body(author_body_id)
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.interpretation.refused")
        _require_state(policy, EDITABLE_STATES, "只有起草中的政策文件可以修改解读")
        position = policy.interpretations.count()
        interp = Interpretation(policy=policy, author_body=body or policy.issuer, position=position, **clean)
        if image is not None:
            interp.image.save(PurePath(image.name).name, image, save=False)
        interp.save()
        _bump(policy, [])
        audit.record(
            actor=actor,
            action="openness.interpretation.added",
            obj=policy,
            data={"interpretation": interp.pk, "kind": interp.kind},
        )
    return interp


def _part(actor, model, part_id, *, missing: str, action: str):
    """(policy, part): a part of a policy (an interpretation, attachment or link) by its id,
    after authorising `actor` on the policy it belongs to (else 404, the refusal audited)."""
    pk = permissions.as_pk(part_id, missing)
    policy_id = model.objects.filter(pk=pk).values_list("policy_id", flat=True).first()
    if policy_id is None:
        raise NotFound(missing)
    policy = permissions.access_policy(actor, policy_id, action=action)
    return policy, model.objects.get(pk=pk)


def _again(model, pk: int, *, missing: str):
    """The part once more under its policy's lock: a concurrent delete made it go (404)."""
    part = model.objects.filter(pk=pk).first()
    if part is None:
        raise NotFound(missing)
    return part


def _interpretation(actor, interpretation_id, action: str) -> tuple[Policy, Interpretation]:
    return _part(actor, Interpretation, interpretation_id, missing="没有找到该解读", action=action)


def do_update_interpretation(
    *, actor, interpretation_id, title: str, text: str = "", qa=None, image=None, author_body_id=None
) -> Interpretation:
    policy, interp = _interpretation(actor, interpretation_id, "openness.interpretation.refused")
    clean = check_interpretation(interp.kind, title, text, qa, image=image, has_image=bool(interp.image))
    body = _author_body(author_body_id)
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.interpretation.refused")
        _require_state(policy, EDITABLE_STATES, "只有起草中的政策文件可以修改解读")
        interp = Interpretation.objects.select_for_update().get(pk=interp.pk)
        for k, v in clean.items():
            setattr(interp, k, v)
        if body is not None:
            interp.author_body = body
        if image is not None:
            interp.image.save(PurePath(image.name).name, image, save=False)
        interp.save()
        _bump(policy, [])
        audit.record(
            actor=actor,
            action="openness.interpretation.edited",
            obj=policy,
            data={"interpretation": interp.pk},
        )
    return interp


def do_delete_interpretation(*, actor, interpretation_id) -> None:
    policy, interp = _interpretation(actor, interpretation_id, "openness.interpretation.refused")
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.interpretation.refused")
        _require_state(policy, EDITABLE_STATES, "只有起草中的政策文件可以修改解读")
        audit.record(
            actor=actor,
            action="openness.interpretation.deleted",
            obj=policy,
            data={"interpretation": interp.pk},
        )
        interp.delete()
        _bump(policy, [])


# --- Attachments ---------------------------------------------------------------------------------


def do_add_attachment(*, actor, policy_id, upload, name: str = "") -> PolicyAttachment:
    """A file attached to a draft (pdf, ofd, doc(x), wps, xls(x), jpg, png, zip; at most 20 MB).
    `name` is the title shown (the file's name when blank)."""
    policy = permissions.access_policy(actor, policy_id, action="openness.attachment.refused")
    if upload is None:
        raise InvalidInput.field("file", "请选择要上传的文件")
    filename, content_type = _check_upload(
        upload, field="file", types=ATTACHMENT_TYPES, limit=MAX_ATTACHMENT_BYTES
    )
    name = (name or "").strip() if isinstance(name, str) else ""
    if len(name) > 200:
        raise InvalidInput.field("name", "附件名称不能超过200字")
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.attachment.refused")
        _require_state(policy, EDITABLE_STATES, "只有起草中的政策文件可以修改附件")
        att = PolicyAttachment(
            policy=policy, name=name or PurePath(filename).stem, size=upload.size, content_type=content_type
        )
        att.file.save(filename, upload, save=False)
        att.save()
        _bump(policy, [])
        audit.record(
            actor=actor,
            action="openness.attachment.added",
            obj=policy,
            data={"attachment": att.pk, "size": att.size, "content_type": content_type},
        )
    return att


def do_delete_attachment(*, actor, attachment_id) -> None:
    refused = "openness.attachment.refused"
    policy, att = _part(actor, PolicyAttachment, attachment_id, missing="没有找到该附件", action=refused)
    pk = att.pk
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action=refused)
        _require_state(policy, EDITABLE_STATES, "只有起草中的政策文件可以修改附件")
        att = _again(PolicyAttachment, pk, missing="没有找到该附件")
        stored = att.file.name
        audit.record(actor=actor, action="openness.attachment.deleted", obj=policy, data={"attachment": pk})
        att.delete()
        _bump(policy, [])
        transaction.on_commit(lambda: att.file.storage.delete(stored))


# --- Links (关联事项) --------------------------------------------------------------------------------


def check_link(kind, code, label) -> dict:
    problems: list[FieldProblem] = []
    if kind not in LinkKind.values:
        problems.append(FieldProblem("kind", "请选择有效的关联类型"))
    code = code.strip() if isinstance(code, str) else ""
    label = label.strip() if isinstance(label, str) else ""
    if kind == LinkKind.ITEM:
        code = code.upper()
        if not code:
            problems.append(FieldProblem("code", "请填写事项实施编码"))
        else:
            name = (
                catalog_queries.current_items().filter(code=code).values_list("name", flat=True).first()
                if len(code) <= 36 and code.isalnum()
                else None
            )
            if name is None:
                problems.append(FieldProblem("code", f"没有找到实施编码为 {code[:36]} 的已发布事项"))
            else:
                label = label or name
    elif not LINK_CODE_RE.match(code):
        problems.append(FieldProblem("code", "编码为至多60位字母、数字、连字符或下划线"))
    if kind != LinkKind.ITEM and not label:
        problems.append(FieldProblem("label", "请填写名称"))
    if len(label) > 200:
        problems.append(FieldProblem("label", "名称不能超过200字"))
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    return {"kind": kind, "code": code, "label": label}


def _flag(actor, policy: Policy, codes, *, reason: str) -> int:
    """Flag linked implementation items for review on the catalogue workbench."""
    codes = sorted(set(codes))
    if not codes:
        return 0
    return catalog_services.do_flag_items_for_review(
        codes, reason=reason, source=f"openness.policy:{policy.pk} {policy.number}"[:120], actor=actor
    )


def do_add_link(*, actor, policy_id, kind: str, code: str, label: str = "") -> PolicyLink:
    """Link a policy to an item (by its implementation code, which must be published), a bundle or
    a knowledge article. On a published policy the linked item is flagged for review."""
    policy = permissions.access_policy(actor, policy_id, action="openness.link.refused")
    clean = check_link(kind, code, label)
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.link.refused")
        if policy.state == PolicyState.REPEALED:
            raise Conflict("已废止的政策文件不能再关联")
        if policy.links.filter(kind=clean["kind"], code=clean["code"]).exists():
            raise InvalidInput.field("code", "已关联")
        link = PolicyLink.objects.create(policy=policy, **clean)
        _bump(policy, [])
        if policy.state == PolicyState.PUBLISHED and link.kind == LinkKind.ITEM:
            _flag(actor, policy, [link.code], reason=f"政策文件 {policy.number} 新关联本事项")
        audit.record(
            actor=actor, action="openness.link.added", obj=policy, data={"kind": link.kind, "code": link.code}
        )
    return link


def do_remove_link(*, actor, link_id) -> None:
    policy, link = _part(actor, PolicyLink, link_id, missing="没有找到该关联", action="openness.link.refused")
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.link.refused")
        if policy.state == PolicyState.REPEALED:
            raise Conflict("已废止的政策文件不能再修改关联")
        link = _again(PolicyLink, link.pk, missing="没有找到该关联")
        if policy.state == PolicyState.PUBLISHED and link.kind == LinkKind.ITEM:
            _flag(actor, policy, [link.code], reason=f"政策文件 {policy.number} 取消关联本事项")
        audit.record(
            actor=actor,
            action="openness.link.removed",
            obj=policy,
            data={"kind": link.kind, "code": link.code},
        )
        link.delete()
        _bump(policy, [])


# --- Workflow ------------------------------------------------------------------------------------


def _check_complete(policy: Policy) -> None:
    """三同步: a policy goes out with at least one interpretation, unless its kind is exempt."""
    if policy.doc_type not in INTERPRETATION_EXEMPT_DOC_TYPES and not policy.interpretations.exists():
        raise InvalidInput.field(
            "interpretations", "政策文件须与解读同步发布（三同步）：请至少添加一篇解读（文字、问答或图解）"
        )


def do_submit_policy(*, actor, policy_id, lock_version=None) -> Policy:
    """起草 → 审核: the drafting department submits the draft for review."""
    policy = permissions.access_policy(actor, policy_id, action="openness.policy.submit_refused")
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.policy.submit_refused")
        _check_version(policy, lock_version)
        _require_state(policy, [PolicyState.DRAFT], "只有起草中的政策文件可以提交审核")
        _check_complete(policy)
        policy.state = PolicyState.REVIEW
        _bump(policy, ["state"])
        _trail(policy, actor, ReviewStep.SUBMIT, ReviewOutcome.DONE)
        audit.record(actor=actor, action="openness.policy.submitted", obj=policy, data=_snapshot(policy))
    return policy


def _four_eyes(actor, policy: Policy, *, action: str) -> None:
    """The reviewer is a reviewer of the issuing department and is not the drafter or submitter."""
    if not permissions.may_review(actor, policy.issuer_id):
        raise permissions.refuse(actor, action=action, object_id=policy.pk, reason="not_reviewer")
    pk = getattr(actor, "pk", None)
    if pk is None:
        return
    submitter = (
        PolicyReview.objects.filter(policy=policy, step=ReviewStep.SUBMIT).order_by("-at", "-id").first()
    )
    if policy.created_by_id == pk or (submitter is not None and submitter.actor_id == pk):
        with transaction.atomic():
            audit.record(
                actor=actor,
                action=action,
                object_type="openness.policy",
                object_id=policy.pk,
                data={"reason": "four_eyes"},
            )
        raise Conflict("四眼原则：起草或提交该政策文件的人员不能审核它")


def _comment(comment, *, required: bool) -> str:
    comment = comment.strip() if isinstance(comment, str) else ""
    if required and not comment:
        raise InvalidInput.field("comment", "退回时请填写修改意见")
    if len(comment) > 2000:
        raise InvalidInput.field("comment", "意见不能超过2000字")
    return comment


def do_review_policy(*, actor, policy_id, approve: bool, comment: str = "", lock_version=None) -> Policy:
    """审核: approve (→ 保密审查, the scanner runs) or send back to the drafter (→ 起草, with a
    comment). Four eyes: the reviewer did not draft or submit it."""
    policy = permissions.access_policy(actor, policy_id, action="openness.policy.review_refused")
    comment = _comment(comment, required=not approve)
    _four_eyes(actor, policy, action="openness.policy.review_refused")
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.policy.review_refused")
        _check_version(policy, lock_version)
        _require_state(policy, [PolicyState.REVIEW], "该政策文件不在审核环节")
        if approve:
            policy.state = PolicyState.SECRECY
            _bump(policy, ["state"])
            _trail(policy, actor, ReviewStep.REVIEW, ReviewOutcome.APPROVED, comment)
            counts = _rescan(policy)
            audit.record(
                actor=actor,
                action="openness.policy.approved",
                obj=policy,
                data={**_snapshot(policy), "findings": counts},
            )
        else:
            policy.state = PolicyState.DRAFT
            _bump(policy, ["state"])
            _trail(policy, actor, ReviewStep.REVIEW, ReviewOutcome.RETURNED, comment)
            audit.record(actor=actor, action="openness.policy.returned", obj=policy, data=_snapshot(policy))
    return policy


# --- 保密审查 ----------------------------------------------------------------------------------------


def _scanned_fields(policy: Policy):
    """(source, source_id, field, text) of everything published with the policy."""
    yield FindingSource.TITLE, None, "title", policy.title
    yield FindingSource.SUMMARY, None, "summary", policy.summary
    yield FindingSource.TEXT, None, "text", policy.text
    for interp in policy.interpretations.all():
        yield FindingSource.INTERPRETATION, interp.pk, "title", interp.title
        yield FindingSource.INTERPRETATION, interp.pk, "text", interp.text
        for i, pair in enumerate(interp.qa or []):
            yield FindingSource.INTERPRETATION, interp.pk, f"qa.{i}.q", pair.get("q", "")
            yield FindingSource.INTERPRETATION, interp.pk, f"qa.{i}.a", pair.get("a", "")
    for att in policy.attachments.all():
        yield FindingSource.ATTACHMENT, att.pk, "name", att.name


def _rescan(policy: Policy) -> dict:
    """Run the scanner over the policy and bring its findings up to date: a value the reviewer
    confirmed stays confirmed (matched by source, field, kind and digest), a new one is open, and
    findings no longer present are dropped (redacted ones stay, as the record of what was masked).
    Returns counts by status."""
    existing = {
        (f.source, f.source_id, f.field, f.kind, f.value_digest): f
        for f in policy.findings.exclude(status=FindingStatus.REDACTED)
    }
    seen: set[int] = set()
    for source, source_id, field, text in _scanned_fields(policy):
        for found in secrecy.scan(text):
            key = (str(source), source_id, field, found.kind, found.digest)
            row = existing.get(key)
            if row is not None and row.pk not in seen:
                if (row.start, row.end, row.masked) != (found.start, found.end, found.masked):
                    row.start, row.end, row.masked = found.start, found.end, found.masked
                    row.save(update_fields=["start", "end", "masked"])
                seen.add(row.pk)
                continue
            status = row.status if row is not None else FindingStatus.OPEN
            new = SecrecyFinding.objects.create(
                policy=policy,
                source=source,
                source_id=source_id,
                field=field,
                kind=found.kind,
                start=found.start,
                end=found.end,
                masked=found.masked,
                value_digest=found.digest,
                status=status,
                reason=row.reason if row is not None else "",
            )
            seen.add(new.pk)
    stale = [f.pk for f in existing.values() if f.pk not in seen]
    if stale:
        SecrecyFinding.objects.filter(pk__in=stale).delete()
    counts = {s: 0 for s in FindingStatus.values}
    for status in policy.findings.values_list("status", flat=True):
        counts[status] += 1
    return counts


def _finding(actor, finding_id, action: str) -> tuple[Policy, SecrecyFinding]:
    pk = permissions.as_pk(finding_id, "没有找到该审查发现")
    policy_id = SecrecyFinding.objects.filter(pk=pk).values_list("policy_id", flat=True).first()
    if policy_id is None:
        raise NotFound("没有找到该审查发现")
    policy = permissions.access_policy(actor, policy_id, action=action)
    _four_eyes(actor, policy, action=action)
    return policy, SecrecyFinding.objects.get(pk=pk)


def do_confirm_finding(*, actor, finding_id, reason: str) -> SecrecyFinding:
    """The secrecy reviewer confirms a finding is not personal data (e.g. a department's public
    telephone), with the reason; it no longer blocks publication."""
    policy, finding = _finding(actor, finding_id, "openness.finding.refused")
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 300:
        raise InvalidInput.field("reason", "请填写确认不属于个人信息的理由（至多300字）")
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.finding.refused")
        _require_state(policy, [PolicyState.SECRECY], "该政策文件不在保密审查环节")
        finding = SecrecyFinding.objects.select_for_update().get(pk=finding.pk)
        if finding.status != FindingStatus.OPEN:
            raise Conflict("该发现已处理")
        finding.status = FindingStatus.CONFIRMED
        finding.reason = reason
        finding.resolved_by = _user(actor)
        finding.resolved_at = timezone.now()
        finding.save(update_fields=["status", "reason", "resolved_by", "resolved_at"])
        _bump(policy, [])
        audit.record(
            actor=actor,
            action="openness.finding.confirmed",
            obj=policy,
            data={"finding": finding.pk, "kind": finding.kind, "masked": finding.masked},
        )
    return finding


def _source_text(policy: Policy, finding: SecrecyFinding):
    """(getter, setter) of the string a finding was made in."""
    if finding.source in (FindingSource.TITLE, FindingSource.SUMMARY, FindingSource.TEXT):
        attr = finding.field

        def save(value):
            setattr(policy, attr, value)
            policy.save(update_fields=[attr, "updated_at"])

        return getattr(policy, attr), save
    if finding.source == FindingSource.ATTACHMENT:
        att = PolicyAttachment.objects.select_for_update().get(pk=finding.source_id, policy=policy)

        def save_att(value):
            att.name = value
            att.save(update_fields=["name"])

        return att.name, save_att
    interp = Interpretation.objects.select_for_update().get(pk=finding.source_id, policy=policy)
    if finding.field.startswith("qa."):
        _, index, part = finding.field.split(".")
        qa = [dict(p) for p in interp.qa]

        def save_qa(value):
            qa[int(index)][part] = value
            interp.qa = qa
            interp.save(update_fields=["qa"])

        return qa[int(index)].get(part, ""), save_qa

    def save_interp(value):
        setattr(interp, finding.field, value)
        interp.save(update_fields=[finding.field])

    return getattr(interp, finding.field), save_interp


def do_redact_finding(*, actor, finding_id) -> SecrecyFinding:
    """Mask the finding's value where it was found (every occurrence in that string): the text
    keeps 4201**********123X / 138****5678 / 王* in its place. The other findings are rescanned."""
    policy, finding = _finding(actor, finding_id, "openness.finding.refused")
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.finding.refused")
        _require_state(policy, [PolicyState.SECRECY], "该政策文件不在保密审查环节")
        finding = SecrecyFinding.objects.select_for_update().get(pk=finding.pk)
        if finding.status != FindingStatus.OPEN:
            raise Conflict("该发现已处理")
        try:
            current, save = _source_text(policy, finding)
        except (LookupError, ValueError, PolicyAttachment.DoesNotExist, Interpretation.DoesNotExist) as exc:
            raise Conflict("该发现所在的内容已不存在，请重新扫描") from exc
        redacted, count = secrecy.redact(current, finding.kind, finding.value_digest)
        if count:
            save(redacted)
        finding.status = FindingStatus.REDACTED
        finding.resolved_by = _user(actor)
        finding.resolved_at = timezone.now()
        finding.save(update_fields=["status", "resolved_by", "resolved_at"])
        # The same value elsewhere in that string was masked with it.
        SecrecyFinding.objects.filter(
            policy=policy,
            source=finding.source,
            source_id=finding.source_id,
            field=finding.field,
            kind=finding.kind,
            value_digest=finding.value_digest,
            status=FindingStatus.OPEN,
        ).update(status=FindingStatus.REDACTED, resolved_by=_user(actor), resolved_at=timezone.now())
        _bump(policy, [])
        _rescan(policy)
        audit.record(
            actor=actor,
            action="openness.finding.redacted",
            obj=policy,
            data={
                "finding": finding.pk,
                "kind": finding.kind,
                "masked": finding.masked,
                "occurrences": count,
            },
        )
    return finding


def open_findings(policy: Policy) -> int:
    return policy.findings.filter(status=FindingStatus.OPEN).count()


def do_secrecy_review(*, actor, policy_id, approve: bool, comment: str = "", lock_version=None) -> Policy:
    """保密审查: clear the policy for publication (blocked while any finding is open: confirm it as
    not personal data, or redact it), or send it back to the drafter (→ 起草)."""
    policy = permissions.access_policy(actor, policy_id, action="openness.policy.secrecy_refused")
    comment = _comment(comment, required=not approve)
    _four_eyes(actor, policy, action="openness.policy.secrecy_refused")
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.policy.secrecy_refused")
        _check_version(policy, lock_version)
        _require_state(policy, [PolicyState.SECRECY], "该政策文件不在保密审查环节")
        if _cleared(policy):
            raise Conflict("该政策文件已通过保密审查，待发布")
        if approve:
            counts = _rescan(policy)
            if counts[FindingStatus.OPEN]:  # the raise rolls the rescan back: nothing changes
                raise InvalidInput.field(
                    "text",
                    f"有{counts[FindingStatus.OPEN]}处疑似个人信息未处理：请逐项确认不属于个人信息或遮蔽后再通过保密审查",
                )
            _bump(policy, [])
            _trail(policy, actor, ReviewStep.SECRECY, ReviewOutcome.APPROVED, comment)
            audit.record(
                actor=actor,
                action="openness.policy.secrecy_cleared",
                obj=policy,
                data={**_snapshot(policy), **counts},
            )
        else:
            policy.state = PolicyState.DRAFT
            _bump(policy, ["state"])
            _trail(policy, actor, ReviewStep.SECRECY, ReviewOutcome.RETURNED, comment)
            audit.record(
                actor=actor, action="openness.policy.secrecy_returned", obj=policy, data=_snapshot(policy)
            )
    return policy


def _cleared(policy: Policy) -> bool:
    """Whether the last workflow step is a passed 保密审查."""
    last = (
        PolicyReview.objects.filter(policy=policy)
        .exclude(step=ReviewStep.CREATE)
        .order_by("-at", "-id")
        .values_list("step", "outcome")
        .first()
    )
    return last == (ReviewStep.SECRECY, ReviewOutcome.APPROVED)


def is_cleared(policy: Policy) -> bool:
    return policy.state == PolicyState.SECRECY and _cleared(policy)


# --- Publication and repeal ----------------------------------------------------------------------


def search_text_for(policy: Policy) -> str:
    parts = [policy.title, policy.number, policy.issuer.name, policy.summary, policy.text]
    for interp in policy.interpretations.all():
        parts += [interp.title, interp.text]
        parts += [f"{p.get('q', '')} {p.get('a', '')}" for p in interp.qa or []]
    return index_text(*parts)


def do_publish_policy(*, actor, policy_id, lock_version=None, published_on=None) -> Policy:
    """发布 (三同步): the policy and its interpretations are published together (today, or on
    `published_on` for a document published before it was entered here: not before 成文, not in
    the future); its search text is filled; the items it links to are flagged for review on the
    catalogue workbench. Only after a passed 保密审查 with no open finding."""
    policy = permissions.access_policy(actor, policy_id, action="openness.policy.publish_refused")
    today = timezone.localdate()
    problems: list[FieldProblem] = []
    on = _date({"published_on": published_on}, "published_on", problems, required=False) or today
    if not problems and (on > today or on < policy.written_on):
        problems.append(FieldProblem("published_on", "发布日期应在成文日期之后、不晚于今天"))
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    if not permissions.may_review(actor, policy.issuer_id):
        raise permissions.refuse(
            actor, action="openness.policy.publish_refused", object_id=policy.pk, reason="not_reviewer"
        )
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.policy.publish_refused")
        _check_version(policy, lock_version)
        _require_state(policy, [PolicyState.SECRECY], "该政策文件尚未进入发布环节")
        if open_findings(policy):
            raise InvalidInput.field(
                "text", "有疑似个人信息未处理，不能发布：请在保密审查中逐项确认不属于个人信息或遮蔽"
            )
        if not _cleared(policy):
            raise Conflict("该政策文件尚未通过保密审查")
        _check_complete(policy)
        policy.state = PolicyState.PUBLISHED
        policy.published_on = on
        policy.validity = Validity.VALID
        policy.search_text = search_text_for(policy)
        _bump(policy, ["state", "published_on", "validity", "search_text"])
        policy.interpretations.update(published_on=on)
        _trail(policy, actor, ReviewStep.PUBLISH, ReviewOutcome.DONE)
        codes = list(policy.links.filter(kind=LinkKind.ITEM).values_list("code", flat=True))
        flagged = _flag(actor, policy, codes, reason=f"政策文件 {policy.number} 发布")
        audit.record(
            actor=actor,
            action="openness.policy.published",
            obj=policy,
            data={**_snapshot(policy), "published_on": on, "flagged": flagged},
        )
    return policy


REPEAL_VALIDITIES = (Validity.REPEALED, Validity.EXPIRED, Validity.AMENDED)


def do_repeal_policy(
    *,
    actor,
    policy_id,
    repealed_on=None,
    validity: str = Validity.REPEALED,
    reason: str = "",
    lock_version=None,
) -> Policy:
    """废止: a published policy stops having effect on `repealed_on` (today when not given); its
    validity becomes 已废止 (or 失效 / 已修订). It stays public, marked; linked items are flagged."""
    policy = permissions.access_policy(actor, policy_id, action="openness.policy.repeal_refused")
    if not permissions.may_review(actor, policy.issuer_id):
        raise permissions.refuse(
            actor, action="openness.policy.repeal_refused", object_id=policy.pk, reason="not_reviewer"
        )
    problems: list[FieldProblem] = []
    if validity not in REPEAL_VALIDITIES:
        problems.append(FieldProblem("validity", "请选择已废止、失效或已修订"))
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 500:
        problems.append(FieldProblem("reason", "请填写废止理由（至多500字）"))
    on = _date({"repealed_on": repealed_on}, "repealed_on", problems, required=False) or timezone.localdate()
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    with transaction.atomic():
        policy = _locked(actor, policy.pk, action="openness.policy.repeal_refused")
        _check_version(policy, lock_version)
        _require_state(policy, [PolicyState.PUBLISHED], "只有已发布的政策文件可以废止")
        if policy.published_on and on < policy.published_on:
            raise InvalidInput.field("repealed_on", "废止日期不能早于发布日期")
        policy.state = PolicyState.REPEALED
        policy.repealed_on = on
        policy.validity = validity
        _bump(policy, ["state", "repealed_on", "validity"])
        _trail(policy, actor, ReviewStep.REPEAL, ReviewOutcome.DONE, reason)
        codes = list(policy.links.filter(kind=LinkKind.ITEM).values_list("code", flat=True))
        flagged = _flag(actor, policy, codes, reason=f"政策文件 {policy.number} 废止")
        audit.record(
            actor=actor,
            action="openness.policy.repealed",
            obj=policy,
            data={**_snapshot(policy), "repealed_on": on, "validity": validity, "flagged": flagged},
        )
    return policy
