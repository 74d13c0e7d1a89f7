"""一事一评 invitations: a concluded subject awaits its rater's rating of the 办结 node.

Cases invite through the `case_changed` signal at 办结 (inside the 办结's transaction, so the
receiver writes only the invitation and its rollup increment, and never raises); another app
(the hotline's tickets) invites with `do_invite`. The tick gives the default rating to the
invitations nobody answered by `due_at` (`defaults.py`) and sends SMS links (`do_send_links`).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from tongban.core import audit

from . import common, rollups, subjects
from .enums import InviteState
from .models import Invitation


def _invite(subject: subjects.Subject) -> Invitation | None:
    if subject.concluded_at is None:
        return None
    if Invitation.objects.filter(kind=subject.kind, ref=subject.ref).exists():
        return None
    invitation = Invitation(
        kind=subject.kind,
        ref=subject.ref,
        rater_id=subject.owner_user_id,
        department_id=subject.department_id,
        region_code=subject.region_code,
        item_code=subject.item_code,
        item_name=subject.item_name[:200],
        title=subject.title[:200],
        period=common.period_of(subject.concluded_at),
        concluded_at=subject.concluded_at,
        due_at=common.default_due(subject.concluded_at),
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # invited concurrently
        return None
    rollups.apply(invitation, rollups.invitation_counts(None), rollups.invitation_counts(invitation))
    return invitation


def on_case_changed(sender, case, action: str, **_kw) -> None:
    """Receiver of cases' `case_changed`: a 办结 invites the applicant. A failure is logged and
    leaves the 办结 alone (the tick's `do_invite_missing` catches up)."""
    if action != "conclude":
        return
    try:
        with transaction.atomic():
            subject = subjects.resolve("case", case.number)
            if subject is not None:
                _invite(subject)
    except Exception:
        common.log.exception("ratings: could not invite the rating of case %s", case.number)


def do_invite(*, actor, kind: str, ref: str) -> Invitation | None:
    """Invite the rating of a concluded subject (idempotent: None when already invited, unknown or
    not concluded)."""
    subject = subjects.resolve(kind, ref)
    if subject is None:
        return None
    with transaction.atomic():
        invitation = _invite(subject)
        if invitation is not None:
            audit.record(
                actor=actor,
                action="ratings.invite",
                obj=invitation,
                data={"kind": kind, "ref": ref},
            )
    return invitation


def mark(kind: str, ref: str, state: str) -> None:
    """The invitation of (kind, ref), if any and pending, becomes `state` (its rollups follow)."""
    invitation = (
        Invitation.objects.select_for_update().filter(kind=kind, ref=ref, state=InviteState.PENDING).first()
    )
    if invitation is None:
        return
    before = rollups.invitation_counts(invitation)
    invitation.state = state
    invitation.save(update_fields=["state"])
    rollups.apply(invitation, before, rollups.invitation_counts(invitation))
