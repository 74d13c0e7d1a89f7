"""The daily tick (`manage.py ratings tick`): default ratings, SMS links, escalation.

默认评价: an invitation not answered by its `due_at` (`common.default_due`: 5 日 after 办结) gets
the system's default rating (`enums.DEFAULT_LEVEL`, 满意) through the channel 系统默认, marked
`is_default`, bound like any other rating. Each invitation is handled in its own transaction, so
one failure leaves the others alone; running the tick twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from . import common, links, rectification
from .enums import DEFAULT_LEVEL, Channel, InviteState, Node
from .models import Invitation, Rating
from .rating import create_rating
from .subjects import Subject

TICK_ACTOR = "system:ratings-tick"


@dataclass
class TickReport:
    defaults: int = 0
    texts: int = 0
    escalated: int = 0
    failed: int = 0


def _subject(invitation: Invitation) -> Subject:
    return Subject(
        kind=invitation.kind,
        ref=invitation.ref,
        owner_user_id=invitation.rater_id,
        concluded_at=invitation.concluded_at,
        department_id=invitation.department_id,
        region_code=invitation.region_code,
        item_code=invitation.item_code,
        item_name=invitation.item_name,
        title=invitation.title,
    )


def give_defaults(*, now: dt.datetime | None = None, report: TickReport | None = None) -> TickReport:
    report = report or TickReport()
    moment = now or common.now()
    due = list(
        Invitation.objects.filter(state=InviteState.PENDING, due_at__lte=moment)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )
    for pk in due:
        try:
            with transaction.atomic():
                invitation = Invitation.objects.select_for_update().get(pk=pk)
                if invitation.state != InviteState.PENDING:
                    continue
                if Rating.objects.filter(
                    kind=invitation.kind, ref=invitation.ref, node=Node.CONCLUDE
                ).exists():
                    invitation.state = InviteState.RATED  # rated another way (counted there)
                    invitation.save(update_fields=["state"])
                    continue
                create_rating(
                    actor=TICK_ACTOR,
                    subject=_subject(invitation),
                    node=Node.CONCLUDE,
                    level=DEFAULT_LEVEL,
                    reasons=[],
                    text="",
                    channel=Channel.DEFAULT,
                    rater_id=invitation.rater_id,
                    is_default=True,
                )
                report.defaults += 1
        except Exception:
            common.log.exception("ratings tick: the default rating of invitation %s failed", pk)
            report.failed += 1
    return report


def send_links(*, base_url: str, report: TickReport) -> None:
    pending = list(
        Invitation.objects.filter(state=InviteState.PENDING, sms_sent_at__isnull=True, rater__isnull=False)
        .order_by("id")
        .values_list("kind", "ref")
    )
    for kind, ref in pending:
        try:
            if links.do_send_sms_link(actor=TICK_ACTOR, kind=kind, ref=ref, base_url=base_url):
                report.texts += 1
        except Exception:
            common.log.exception("ratings tick: the SMS link of %s %s failed", kind, ref)
            report.failed += 1


def do_tick(
    *, now: dt.datetime | None = None, on: dt.date | None = None, base_url: str | None = None
) -> TickReport:
    report = give_defaults(now=now)
    url = base_url if base_url is not None else getattr(settings, "RATINGS_LINK_BASE_URL", "")
    if url:
        send_links(base_url=url, report=report)
    report.escalated = rectification.do_escalate_overdue(actor=TICK_ACTOR, on=on)
    return report
