"""Joint supervision tasks (联合监管): "一处发起、多方联动、联合监管".

Steps: 发起 (open) → 认领 (claim) → 实施 (record, on site, with photos and records) → 结果
(result) → 归档 (archive).

- `do_open_task`: a department's supervision staff (or an internal caller such as the IoT
  worker or a triaged alert) starts a task as 牵头 (lead), naming the partner departments
  (配合).
- `do_claim_task`: each department's supervision staff claim their part and name its
  inspectors (staff of that department with the inspector role); when every department has
  claimed, the task is 认领.
- `do_record_task`: an assigned inspector records what was found on site, with photos and
  records (stored encrypted through core.files; each file's SM3 is in the step); the task is
  实施.
- `do_result_task`: an assigned inspector of the lead department records the result; 结果.
- `do_archive_task`: the lead department's administrator or an assigned lead inspector
  archives it; 归档.

Anyone else is refused and nothing changes: staff of a department outside the task do not see
it (404), staff of a party department who are not assigned get 403. Every action is a signed
step of the task's hash chain (`chain.py`); `verify_task(id)` checks it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit, files
from tongban.core import queries as core_queries
from tongban.core.crypto import sm3_hex
from tongban.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.inputs import find_nul

from . import chain, permissions
from .models import Entity, PartyRole, Task, TaskFile, TaskParty, TaskState

TITLE_MAX, REASON_MAX, NOTE_MAX = 200, 1000, 2000
MAX_PARTNERS = 10
MAX_FILES, MAX_FILE_BYTES = 10, 10 * 1024 * 1024
NOT_FOUND = "没有找到该联合监管任务"

# Results (处理结果) of a joint task.
RESULTS = {
    "no_problem": _("未发现问题"),
    "rectify": _("发现问题，已责令整改"),
    "case_filed": _("发现问题，已立案查处"),
    "referred": _("已移送有关部门"),
    "not_found": _("查无下落"),
}
# What an upload may be, by its first bytes.
_MAGIC = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"%PDF-": ("application/pdf", ".pdf"),
}


def actor_label(actor) -> str:
    return audit.actor_label(actor)


# --- Reading ----------------------------------------------------------------------------------------


def may_see(actor, task: Task) -> bool:
    if permissions.is_platform_admin(actor):
        return True
    dept = permissions.department_of(actor)
    return (
        dept is not None
        and permissions.is_supervisor(actor)
        and task.parties.filter(department_id=dept).exists()
    )


def access_task(actor, task_id) -> Task:
    """The task if the actor may see it, else NotFound (its existence is private)."""
    task = Task.objects.select_related("department", "entity").filter(pk=task_id).first()
    if task is None or not may_see(actor, task):
        raise NotFound(NOT_FOUND)
    return task


def verify_task(task_id: int) -> chain.ChainReport:
    """Recompute the task's chain: intact or the first broken step, named."""
    return chain.verify(task_id)


# --- Writing ----------------------------------------------------------------------------------------


def _text(problems, field: str, raw, limit: int, *, required: bool = True) -> str:
    value = (raw or "").strip() if isinstance(raw, str) or raw is None else None
    if value is None:
        problems.append(FieldProblem(field, "应为文本"))
        return ""
    if find_nul(value):
        problems.append(FieldProblem(field, "不能包含空字符（NUL）"))
    elif required and not value:
        problems.append(FieldProblem(field, "必填"))
    elif len(value) > limit:
        problems.append(FieldProblem(field, f"不能超过 {limit} 字"))
    return value


def _locked(actor, task_id) -> Task:
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None or not may_see(actor, task):
        raise NotFound(NOT_FOUND)
    return task


def _acting_department(actor, task: Task) -> int:
    """The department the actor acts for in this task (internal callers act for the lead)."""
    if permissions.is_internal(actor):
        return task.department_id
    dept = permissions.department_of(actor)
    if dept is not None and task.parties.filter(department_id=dept).exists():
        return dept
    if permissions.is_platform_admin(actor):
        return task.department_id
    raise NotFound(NOT_FOUND)


def do_open_task(
    *,
    actor,
    department_id: int,
    title: str,
    reason: str,
    entity_id: int | None = None,
    partner_department_ids=(),
    source_kind: str = "",
    source_ref: str = "",
    evidence: dict | None = None,
) -> Task:
    """发起: start a joint task led by `department_id` with the partner departments (配合)."""
    if not (permissions.is_internal(actor) or permissions.is_department_supervisor(actor, department_id)):
        raise Forbidden("只能以本部门名义发起联合监管任务")
    problems: list[FieldProblem] = []
    title = _text(problems, "title", title, TITLE_MAX)
    reason = _text(problems, "reason", reason, REASON_MAX)
    source_kind = _text(problems, "source_kind", source_kind, 20, required=False)
    source_ref = _text(problems, "source_ref", source_ref, 100, required=False)
    try:
        partners = list(dict.fromkeys(int(p) for p in partner_department_ids or ()))
    except (TypeError, ValueError):
        partners = []
        problems.append(FieldProblem("partner_department_ids", "配合部门应为部门编号"))
    if department_id in partners:
        problems.append(FieldProblem("partner_department_ids", "牵头部门不能同时是配合部门"))
    if len(partners) > MAX_PARTNERS:
        problems.append(FieldProblem("partner_department_ids", f"配合部门最多 {MAX_PARTNERS} 个"))
    known = core_queries.departments_by_id([department_id, *partners])
    if department_id not in known:
        problems.append(FieldProblem("department_id", "没有找到牵头部门"))
    missing = [p for p in partners if p not in known]
    if missing:
        problems.append(
            FieldProblem("partner_department_ids", f"没有找到部门：{', '.join(map(str, missing))}")
        )
    if evidence is not None and not isinstance(evidence, dict):
        problems.append(FieldProblem("evidence", "应为键值对"))
    elif evidence and find_nul(evidence):
        problems.append(FieldProblem("evidence", "不能包含空字符（NUL）"))
    entity = None
    if entity_id is not None:
        entity = Entity.objects.filter(pk=entity_id).first()
        if entity is None:
            problems.append(FieldProblem("entity_id", "没有找到该监管对象"))
    if problems:
        raise InvalidInput(problems=problems)
    evidence = chain.normal_payload(evidence or {})
    with transaction.atomic():
        task = Task.objects.create(
            title=title,
            reason=reason,
            entity=entity,
            department_id=department_id,
            source_kind=source_kind,
            source_ref=source_ref,
            evidence=evidence,
        )
        TaskParty.objects.create(task=task, department_id=department_id, role=PartyRole.LEAD)
        for pk in partners:
            TaskParty.objects.create(task=task, department_id=pk, role=PartyRole.ASSIST)
        payload = {
            "title": title,
            "reason": reason,
            "entity": {"id": entity.pk, "credit_code": entity.credit_code, "name": entity.name}
            if entity
            else None,
            "lead": department_id,
            "partners": partners,
            "source": {"kind": source_kind, "ref": source_ref},
            "evidence": evidence,
        }
        step = chain.append(
            task=task, action="open", actor=actor_label(actor), department_id=department_id, payload=payload
        )
        audit.record(
            actor=actor, action="supervision.task.open", obj=task, data={"step": step.hash, **payload}
        )
    return task


def do_claim_task(*, actor, task_id: int, inspector_ids=()) -> Task:
    """认领: the actor's department claims its part, naming its inspectors."""
    with transaction.atomic():
        task = _locked(actor, task_id)
        dept = _acting_department(actor, task)
        if not (permissions.is_internal(actor) or permissions.is_department_supervisor(actor, dept)):
            raise Forbidden("只有本部门监管人员可以认领")
        if task.state not in (TaskState.OPENED, TaskState.CLAIMED):
            raise Conflict("任务已进入实施，不能再认领")
        party = task.parties.select_for_update().get(department_id=dept)
        if party.claimed_at is not None:
            raise Conflict("本部门已认领该任务")
        ids = list(dict.fromkeys(inspector_ids or ()))
        if not ids and permissions.is_staff(actor) and account_queries.has_role(actor, StaffRole.INSPECTOR):
            ids = [actor.pk]
        if not ids:
            raise InvalidInput.field("inspector_ids", "请至少指派一名本部门执法检查人员")
        inspectors = []
        for pk in ids:
            user = account_queries.get_staff(pk)
            if (
                user is None
                or user.department_id != dept
                or not account_queries.has_role(user, StaffRole.INSPECTOR)
            ):
                raise InvalidInput.field("inspector_ids", "检查人员应为本部门的监管人员")
            inspectors.append(user)
        party.claimed_at = timezone.now()
        party.save(update_fields=["claimed_at"])
        party.inspectors.set(inspectors)
        all_claimed = not task.parties.filter(claimed_at__isnull=True).exists()
        if all_claimed:
            task.state = TaskState.CLAIMED
            task.save(update_fields=["state", "updated_at"])
        payload = {
            "department": dept,
            "role": party.role,
            "inspectors": [u.pk for u in inspectors],
            "state": task.state,
        }
        chain.append(task=task, action="claim", actor=actor_label(actor), department_id=dept, payload=payload)
        audit.record(actor=actor, action="supervision.task.claim", obj=task, data=payload)
    return task


def _assigned_party(actor, task: Task) -> TaskParty:
    """The party whose assigned inspector the actor is, else Forbidden."""
    dept = _acting_department(actor, task)
    party = task.parties.filter(department_id=dept).first()
    if party is None or not permissions.is_staff(actor) or not party.inspectors.filter(pk=actor.pk).exists():
        raise Forbidden("只有被指派的检查人员可以办理该任务")
    return party


def _check_file(index: int, upload) -> tuple[bytes, str, str, str]:
    name, content = upload
    field = f"files.{index}"
    if not isinstance(content, bytes) or not content:
        raise InvalidInput.field(field, "文件为空")
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput.field(field, "单个文件不能超过 10 MB")
    for magic, (content_type, suffix) in _MAGIC.items():
        if content.startswith(magic):
            return content, (str(name or "") or f"file{index}")[-200:], content_type, suffix
    raise InvalidInput.field(field, "只接受 JPEG、PNG 照片或 PDF 记录")


def do_record_task(*, actor, task_id: int, note: str, uploads=()) -> Task:
    """实施: an assigned inspector records on-site findings with photos and records;
    `uploads` is a list of (file name, bytes)."""
    problems: list[FieldProblem] = []
    note = _text(problems, "note", note, NOTE_MAX)
    if problems:
        raise InvalidInput(problems=problems)
    uploads = list(uploads or ())
    if len(uploads) > MAX_FILES:
        raise InvalidInput.field("files", f"最多上传 {MAX_FILES} 个文件")
    checked = [_check_file(i, u) for i, u in enumerate(uploads)]
    with transaction.atomic():
        task = _locked(actor, task_id)
        if task.state not in (TaskState.CLAIMED, TaskState.ACTING):
            raise Conflict(
                "各部门认领后方可实施"
                if task.state == TaskState.OPENED
                else "任务已出结果，不能再补充实施记录"
            )
        party = _assigned_party(actor, task)
        stored = []
        for content, name, content_type, suffix in checked:
            stored_name = files.store_encrypted(content, directory="supervision/tasks", suffix=suffix)
            stored.append((stored_name, name, content_type, len(content), sm3_hex(content)))
        task.state = TaskState.ACTING
        task.save(update_fields=["state", "updated_at"])
        payload = {
            "department": party.department_id,
            "note": note,
            "files": [{"name": n, "type": t, "size": s, "sm3": h} for _, n, t, s, h in stored],
        }
        step = chain.append(
            task=task,
            action="record",
            actor=actor_label(actor),
            department_id=party.department_id,
            payload=payload,
        )
        for stored_name, name, content_type, size, digest in stored:
            TaskFile.objects.create(
                task=task,
                step=step,
                stored_name=stored_name,
                original_name=name,
                content_type=content_type,
                size=size,
                sm3=digest,
            )
        audit.record(
            actor=actor, action="supervision.task.record", obj=task, data={"step": step.seq, **payload}
        )
    return task


def do_result_task(*, actor, task_id: int, result_code: str, result_text: str) -> Task:
    """结果: an assigned inspector of the lead department records the result."""
    problems: list[FieldProblem] = []
    if result_code not in RESULTS:
        problems.append(FieldProblem("result_code", "请选择处理结果"))
    result_text = _text(problems, "result_text", result_text, NOTE_MAX)
    if problems:
        raise InvalidInput(problems=problems)
    with transaction.atomic():
        task = _locked(actor, task_id)
        party = _assigned_party(actor, task)
        if party.role != PartyRole.LEAD:
            raise Forbidden("处理结果由牵头部门的检查人员填写")
        if task.state != TaskState.ACTING:
            raise Conflict("任务须先有实施记录才能填写结果")
        task.state = TaskState.RESULTED
        task.result_code, task.result_text = result_code, result_text
        task.save(update_fields=["state", "result_code", "result_text", "updated_at"])
        payload = {"result": result_code, "text": result_text}
        chain.append(
            task=task,
            action="result",
            actor=actor_label(actor),
            department_id=party.department_id,
            payload=payload,
        )
        audit.record(actor=actor, action="supervision.task.result", obj=task, data=payload)
    return task


def do_archive_task(*, actor, task_id: int) -> Task:
    """归档: the lead department's administrator or an assigned lead inspector."""
    with transaction.atomic():
        task = _locked(actor, task_id)
        lead = task.parties.get(role=PartyRole.LEAD)
        assigned = permissions.is_staff(actor) and lead.inspectors.filter(pk=actor.pk).exists()
        if not (assigned or permissions.is_department_admin(actor, task.department_id)):
            raise Forbidden("只有牵头部门的检查人员或部门管理员可以归档")
        if task.state != TaskState.RESULTED:
            raise Conflict("任务须有处理结果后才能归档")
        task.state = TaskState.ARCHIVED
        task.save(update_fields=["state", "updated_at"])
        chain.append(
            task=task,
            action="archive",
            actor=actor_label(actor),
            department_id=task.department_id,
            payload={},
        )
        audit.record(actor=actor, action="supervision.task.archive", obj=task, data={})
    return task
