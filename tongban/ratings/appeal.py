"""申诉: the handling unit asks to remove a malicious or off-topic bad rating (恶意评价、与服务无关),
with its evidence. A platform administrator decides, who is neither the appellant nor the one
who verified the rating (four eyes). Approved: the rating and its rectification are removed
(they leave every indicator; the rollups count them as `removed`). Refused: the rectification
goes back to where it was, its due day unchanged.
"""

from __future__ import annotations

from django.db import transaction

from tongban.core import audit
from tongban.core.errors import Conflict, Forbidden, InvalidInput

from . import common, rollups
from .enums import AppealState, RatingState, RectState
from .models import Appeal
from .rectification import _expect, _text, lock


def do_appeal(*, actor, rect_id, reason: str, evidence: str) -> Appeal:
    reason = _text(reason, "reason", "申诉理由")
    evidence = _text(evidence, "evidence", "证据说明")
    with transaction.atomic():
        rect, _rating = lock(rect_id)
        if not common.is_unit_staff(actor, rect.department_id):
            raise Forbidden("只有办理部门可以申诉")
        _expect(rect, RectState.VERIFYING, RectState.RECTIFYING)
        appeal = Appeal.objects.create(
            rectification=rect,
            reason=reason,
            evidence=evidence,
            resume_state=rect.state,
            requested_by_id=actor.pk,
            requested_at=common.now(),
        )
        rect.state = RectState.APPEALING
        rect.save(update_fields=["state"])
        audit.record(actor=actor, action="ratings.appeal", obj=appeal, data={"rectification": rect.pk})
        return appeal


def do_decide_appeal(*, actor, appeal_id, approve: bool, note: str = "") -> Appeal:
    if not common.is_platform_admin(actor):
        raise Forbidden("只有平台管理员可以审核申诉")
    note = (note or "").strip()[:2000]
    if not approve and len(note) < 4:
        raise InvalidInput.field("note", "不通过时请写明理由（至少4个字）")
    try:
        pk = int(appeal_id)
    except (TypeError, ValueError):
        pk = 0
    rect_id = Appeal.objects.filter(pk=pk).values_list("rectification_id", flat=True).first()
    if rect_id is None:
        raise common.denied(actor, "appeal", appeal_id, "没有找到该申诉")
    with transaction.atomic():
        rect, rating = lock(rect_id)
        appeal = Appeal.objects.select_for_update().get(pk=pk)
        if appeal.state != AppealState.PENDING:
            raise Conflict("该申诉已审核")
        if actor.pk in (appeal.requested_by_id, rect.verified_by_id):
            raise Forbidden("申诉须由申诉人和核实人以外的平台管理员审核")
        before = rollups.rating_counts(rating, rect)
        appeal.decided_by_id, appeal.decided_at, appeal.decision_note = actor.pk, common.now(), note
        if approve:
            appeal.state = AppealState.APPROVED
            rect.state = RectState.REMOVED
            rating.state = RatingState.REMOVED
            rating.save(update_fields=["state"])
        else:
            appeal.state = AppealState.REFUSED
            rect.state = appeal.resume_state
        appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        rect.save(update_fields=["state"])
        rollups.apply(rating, before, rollups.rating_counts(rating, rect))
        audit.record(
            actor=actor,
            action="ratings.appeal_approve" if approve else "ratings.appeal_refuse",
            obj=appeal,
            data={"rectification": rect.pk, "rating": rating.pk},
        )
        return appeal
