"""时限规则 as data: staff set the 签收 hours and reply working days per kind and urgency."""

from __future__ import annotations

from django.db import transaction

from tongban.core import audit
from tongban.core.errors import Forbidden, InvalidInput

from . import deadlines
from .enums import TicketKind, Urgency
from .models import DeadlineRule
from .permissions import is_platform_admin


def do_set_deadline_rule(*, actor, kind: str, urgency: str, accept_hours, reply_days) -> DeadlineRule:
    """Applies to tickets taken in from now on (a ticket keeps the rule it was received under);
    the processes' snapshots of the rules (`deadlines.rule_table`) are retired on commit."""
    if not is_platform_admin(actor) and not (isinstance(actor, str) and actor.startswith("system:")):
        raise Forbidden("只有平台管理员可以设置办理时限")
    if kind not in TicketKind.values:
        raise InvalidInput.field("kind", "未知的诉求类型")
    if urgency not in Urgency.values:
        raise InvalidInput.field("urgency", "未知的紧急程度")
    try:
        hours, days = int(accept_hours), int(reply_days)
    except (TypeError, ValueError):
        raise InvalidInput.field("accept_hours", "时限应为整数") from None
    if not 1 <= hours <= 240:
        raise InvalidInput.field("accept_hours", "签收时限应为1至240小时")
    if not 1 <= days <= 60:
        raise InvalidInput.field("reply_days", "办理时限应为1至60个工作日")
    with transaction.atomic():
        rule, _ = DeadlineRule.objects.update_or_create(
            kind=kind, urgency=urgency, defaults={"accept_hours": hours, "reply_days": days}
        )
        transaction.on_commit(deadlines.rules_changed)  # every process reads the rules again
        audit.record(
            actor=actor,
            action="hotline.rule.set",
            object_type="hotline.deadlinerule",
            object_id=f"{kind}/{urgency}",
            data={"accept_hours": hours, "reply_days": days},
        )
    return rule
