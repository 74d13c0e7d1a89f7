"""The hash chain of a joint task (联合监管任务的可验证记录).

Every action on a task is a `TaskStep`: seq (1, 2, 3 ...), action, actor label, acting
department, time and payload. Its hash is SM3 over the previous step's hash and the step's
canonical JSON (sorted keys, UTF-8, no spaces); the first step's previous hash is SM3 of
"tongban.supervision.task:<id>". The hash is signed (SM2) with the acting department's e-seal
key through `licences.services.sign_for_department`; the key's id (kid) is stored beside it.

`verify(task_id)` recomputes every hash, checks each link and sequence number, and checks
every signature with the department's public key valid at the step's time; the first step that
fails is named, with why.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.crypto import sm3_hex
from tongban.licences import queries as licence_queries
from tongban.licences import services as licence_services

from .models import Task, TaskStep


def genesis(task_id: int) -> str:
    return sm3_hex(f"tongban.supervision.task:{task_id}".encode())


def _json_float(text: str):
    """A float as PostgreSQL's jsonb gives it back (an integral one comes back as an integer)."""
    value = decimal.Decimal(text)
    return int(value) if value == value.to_integral_value() else float(text)


def normal_payload(payload: dict) -> dict:
    """The payload as it reads back from the database (so the hash recomputes the same)."""
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False), parse_float=_json_float)


def canonical(*, task_id: int, seq: int, action: str, actor: str, department_id: int, at, payload) -> bytes:
    body = {
        "task": task_id,
        "seq": seq,
        "action": action,
        "actor": actor,
        "department": department_id,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "payload": payload,
    }
    return json.dumps(
        body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()


def step_hash(prev_hash: str, **fields) -> str:
    return sm3_hex(prev_hash.encode() + canonical(**fields))


def append(*, task: Task, action: str, actor: str, department_id: int, payload: dict) -> TaskStep:
    """Append a signed step; the caller holds the task row's lock inside its transaction."""
    last = TaskStep.objects.filter(task=task).order_by("-seq").first()
    seq = (last.seq if last else 0) + 1
    prev = last.hash if last else genesis(task.pk)
    licence_services.department_seal_kid(actor=actor, department_id=department_id)  # the key first
    at = timezone.now()
    payload = normal_payload(payload)
    digest = step_hash(
        prev,
        task_id=task.pk,
        seq=seq,
        action=action,
        actor=actor,
        department_id=department_id,
        at=at,
        payload=payload,
    )
    kid, signature = licence_services.sign_for_department(
        actor=actor, department_id=department_id, message=digest.encode()
    )
    return TaskStep.objects.create(
        task=task,
        seq=seq,
        action=action,
        actor=actor,
        department_id=department_id,
        at=at,
        payload=payload,
        prev_hash=prev,
        hash=digest,
        kid=kid,
        signature=signature,
    )


@dataclass
class StepCheck:
    seq: int
    action: str
    department_id: int
    at: object
    hash: str
    hash_ok: bool
    link_ok: bool
    signature_ok: bool

    @property
    def ok(self) -> bool:
        return self.hash_ok and self.link_ok and self.signature_ok

    @property
    def problem(self) -> str:
        if not self.link_ok:
            return _("与上一环节的链接断开（记录被删除、插入或重排）")
        if not self.hash_ok:
            return _("内容与哈希不符（记录被篡改）")
        if not self.signature_ok:
            return _("部门印章签名无效")
        return ""


@dataclass
class ChainReport:
    task_id: int
    steps: list[StepCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    @property
    def broken(self) -> StepCheck | None:
        return next((s for s in self.steps if not s.ok), None)


def verify(task_id: int) -> ChainReport:
    report = ChainReport(task_id=task_id)
    prev = genesis(task_id)
    expected_seq = 1
    for step in TaskStep.objects.filter(task_id=task_id).order_by("seq"):
        digest = step_hash(
            step.prev_hash,
            task_id=task_id,
            seq=step.seq,
            action=step.action,
            actor=step.actor,
            department_id=step.department_id,
            at=step.at,
            payload=step.payload,
        )
        link_ok = step.prev_hash == prev and step.seq == expected_seq
        hash_ok = digest == step.hash
        signature_ok = licence_queries.department_signature_valid(
            kid=step.kid,
            department_id=step.department_id,
            message=step.hash.encode(),
            signature=step.signature,
            at=step.at,
        )
        report.steps.append(
            StepCheck(
                seq=step.seq,
                action=step.action,
                department_id=step.department_id,
                at=step.at,
                hash=step.hash,
                hash_ok=hash_ok,
                link_ok=link_ok,
                signature_ok=signature_ok,
            )
        )
        prev = step.hash
        expected_seq = step.seq + 1
    return report
