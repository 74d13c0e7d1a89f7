"""Joint tasks: the steps 发起 → 认领 → 实施 → 结果 → 归档, refusals that change nothing, the
signed hash chain verifying, and a tampered step named."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import tasks
from ..models import Task, TaskFile, TaskParty, TaskStep
from .core_world import SYSTEM, department, entity, staff  # noqa: F401

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def joint(regions_loaded):
    market = department("武汉市市场监督管理局")
    health = department("武汉市卫生健康委员会")
    other = department("武汉市交通运输局")
    return {
        "market": market,
        "health": health,
        "other": other,
        "m_insp": staff("m-insp", "inspector", dept=market),
        "m_insp2": staff("m-insp2", "inspector", dept=market),
        "m_admin": staff("m-admin", "department_admin", dept=market),
        "h_insp": staff("h-insp", "inspector", dept=health),
        "h_admin": staff("h-admin", "department_admin", dept=health),
        "o_insp": staff("o-insp", "inspector", dept=other),
        "entity": entity("clinic", industry="Q84"),
    }


def open_task(w, actor=None):
    return tasks.do_open_task(
        actor=actor or w["m_insp"],
        department_id=w["market"].pk,
        title="某诊所违法医疗广告联合检查",
        reason="风险预警：违法医疗广告",
        entity_id=w["entity"].pk,
        partner_department_ids=[w["health"].pk],
        source_kind="alert",
        source_ref="7",
        evidence={"complaints.last_90_days": 4, "ratio": 1.0},
    )


def run_to_archive(w) -> Task:
    task = open_task(w)
    tasks.do_claim_task(actor=w["m_admin"], task_id=task.pk, inspector_ids=[w["m_insp"].pk])
    tasks.do_claim_task(actor=w["h_insp"], task_id=task.pk)
    tasks.do_record_task(
        actor=w["h_insp"], task_id=task.pk, note="现场检查广告宣传材料", uploads=[("photo.png", PNG)]
    )
    tasks.do_record_task(actor=w["m_insp"], task_id=task.pk, note="调取广告投放记录")
    tasks.do_result_task(
        actor=w["m_insp"], task_id=task.pk, result_code="case_filed", result_text="已立案调查"
    )
    tasks.do_archive_task(actor=w["m_admin"], task_id=task.pk)
    return Task.objects.get(pk=task.pk)


def test_the_task_goes_through_every_step_and_its_chain_verifies(joint):
    task = run_to_archive(joint)
    assert task.state == "archived"
    assert (task.result_code, task.result_text) == ("case_filed", "已立案调查")
    steps = list(TaskStep.objects.filter(task=task).values_list("seq", "action", "department_id"))
    m, h = joint["market"].pk, joint["health"].pk
    assert steps == [(1, "open", m), (2, "claim", m), (3, "claim", h), (4, "record", h), (5, "record", m),
                     (6, "result", m), (7, "archive", m)]  # fmt: skip
    report = tasks.verify_task(task.pk)
    assert [(s.seq, s.problem) for s in report.steps if not s.ok] == []
    assert report.ok and report.broken is None and len(report.steps) == 7
    photo = TaskFile.objects.get(task=task)
    assert (photo.original_name, photo.content_type, photo.size, photo.step.seq) == (
        "photo.png",
        "image/png",
        72,
        4,
    )
    assert TaskStep.objects.get(task=task, seq=4).payload["files"][0]["sm3"] == photo.sm3
    assert (
        AuditEvent.objects.filter(action__startswith="supervision.task.", object_id=str(task.pk)).count() == 7
    )


def test_a_tampered_payload_is_named(joint):
    task = run_to_archive(joint)
    out = io.StringIO()
    call_command("supervision", "verify-task", str(task.pk), stdout=out)
    assert out.getvalue().strip() == f"task {task.pk}: intact (7 steps)"
    step = TaskStep.objects.get(task=task, seq=4)
    TaskStep.objects.filter(pk=step.pk).update(payload={**step.payload, "note": "无异常"})
    report = tasks.verify_task(task.pk)
    assert not report.ok
    assert (report.broken.seq, report.broken.action, report.broken.hash_ok, report.broken.signature_ok) == (
        4, "record", False, True,
    )  # fmt: skip
    assert [s.seq for s in report.steps if not s.ok] == [4]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("supervision", "verify-task", str(task.pk), stdout=out)
    assert out.getvalue().strip() == f"task {task.pk}: step 4 (record): 内容与哈希不符（记录被篡改）"


def test_a_rewritten_hash_breaks_the_signature_and_the_next_link(joint):
    task = run_to_archive(joint)
    step = TaskStep.objects.get(task=task, seq=3)
    forged_payload = {**step.payload, "inspectors": []}
    from .. import chain

    forged = chain.step_hash(step.prev_hash, task_id=task.pk, seq=3, action=step.action, actor=step.actor,
                             department_id=step.department_id, at=step.at, payload=forged_payload)  # fmt: skip
    TaskStep.objects.filter(pk=step.pk).update(payload=forged_payload, hash=forged)
    report = tasks.verify_task(task.pk)
    checks = {s.seq: s for s in report.steps}
    assert report.broken.seq == 3
    assert (checks[3].hash_ok, checks[3].signature_ok, checks[3].link_ok) == (True, False, True)
    assert checks[4].link_ok is False  # the next step still names the old hash


def test_a_deleted_step_is_detected(joint):
    task = run_to_archive(joint)
    TaskStep.objects.filter(task=task, seq=5).delete()
    report = tasks.verify_task(task.pk)
    assert report.broken.seq == 6 and report.broken.link_ok is False


def snapshot():
    return (
        Task.objects.count(),
        TaskStep.objects.count(),
        list(Task.objects.values_list("state", flat=True)),
        list(TaskParty.objects.values_list("claimed_at", flat=True)),
        AuditEvent.objects.count(),
    )


def test_people_not_assigned_are_refused_and_nothing_changes(joint):
    task = open_task(joint)
    before = snapshot()
    with pytest.raises(NotFound):  # another department does not see the task
        tasks.do_claim_task(actor=joint["o_insp"], task_id=task.pk)
    with pytest.raises(Conflict):  # not claimed yet by every department
        tasks.do_record_task(actor=joint["m_insp"], task_id=task.pk, note="x")
    assert snapshot() == before
    tasks.do_claim_task(actor=joint["m_admin"], task_id=task.pk, inspector_ids=[joint["m_insp"].pk])
    tasks.do_claim_task(actor=joint["h_insp"], task_id=task.pk)
    before = snapshot()
    with pytest.raises(Forbidden):  # same department, not assigned
        tasks.do_record_task(actor=joint["m_insp2"], task_id=task.pk, note="x")
    with pytest.raises(NotFound):
        tasks.do_record_task(actor=joint["o_insp"], task_id=task.pk, note="x")
    with pytest.raises(Conflict):  # no record yet
        tasks.do_result_task(
            actor=joint["m_insp"], task_id=task.pk, result_code="no_problem", result_text="x"
        )
    with pytest.raises(Conflict):  # claimed already
        tasks.do_claim_task(actor=joint["h_admin"], task_id=task.pk, inspector_ids=[joint["h_insp"].pk])
    assert snapshot() == before
    tasks.do_record_task(actor=joint["h_insp"], task_id=task.pk, note="现场检查")
    before = snapshot()
    with pytest.raises(Forbidden):  # the partner's inspector may not record the result
        tasks.do_result_task(
            actor=joint["h_insp"], task_id=task.pk, result_code="no_problem", result_text="x"
        )
    with pytest.raises(Conflict):
        tasks.do_archive_task(actor=joint["m_admin"], task_id=task.pk)
    with pytest.raises(Forbidden):
        tasks.do_archive_task(actor=joint["h_admin"], task_id=task.pk)
    assert snapshot() == before
    assert tasks.verify_task(task.pk).ok


def test_bad_input_is_refused_naming_the_field(joint):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        tasks.do_open_task(
            actor=joint["m_insp"],
            department_id=joint["market"].pk,
            title="",
            reason="x" * 1001,
            partner_department_ids=[joint["market"].pk, 999999],
            entity_id=999999,
        )
    assert {p.field for p in exc.value.problems} == {"title", "reason", "partner_department_ids", "entity_id"}
    with pytest.raises(Forbidden):  # staff open only for their own department
        tasks.do_open_task(actor=joint["m_insp"], department_id=joint["health"].pk, title="t", reason="r")
    assert snapshot() == before
    task = open_task(joint)
    tasks.do_claim_task(actor=joint["m_insp"], task_id=task.pk)
    with pytest.raises(InvalidInput) as exc:  # a health inspector is not the market's
        tasks.do_claim_task(actor=joint["h_admin"], task_id=task.pk, inspector_ids=[joint["m_insp"].pk])
    assert exc.value.problems[0].field == "inspector_ids"
    tasks.do_claim_task(actor=joint["h_insp"], task_id=task.pk)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        tasks.do_record_task(
            actor=joint["m_insp"], task_id=task.pk, note="x", uploads=[("a.exe", b"MZ\x90\x00")]
        )
    assert exc.value.problems[0].field == "files.0"
    assert snapshot() == before


def test_an_internal_caller_opens_a_task_for_the_iot_rule(joint):
    task = tasks.do_open_task(
        actor="system:supervision-iot",
        department_id=joint["market"].pk,
        title="噪声持续超标",
        reason="站点 S1 连续 30 分钟超过 70 dB",
        source_kind="iot",
        source_ref="alert-3",
        evidence={"max_db": 78.5, "minutes": 30},
    )
    step = TaskStep.objects.get(task=task)
    assert (step.actor, step.department_id, step.payload["evidence"]) == (
        "system:supervision-iot", joint["market"].pk, {"max_db": 78.5, "minutes": 30},
    )  # fmt: skip
    assert tasks.verify_task(task.pk).ok
    assert tasks.access_task(joint["m_insp2"], task.pk) == task
    with pytest.raises(NotFound):
        tasks.access_task(joint["h_insp"], task.pk)
