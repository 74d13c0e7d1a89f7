"""Rating (评价): online by the signed-in applicant (一事一评), by a signed single-use link (SMS,
the clerk's QR code), on a paired hall screen (一次一评, `hall.py`), and by the tick (default).

Rules (GB/T 39734-2020, GB/T 39735-2020 as the issue states them):
- five levels in the standard's numbering (`enums.Level`); 不满意 and 非常不满意 (差评) need at least
  one reason category (`enums.Reason`) and a text;
- a subject is rated by its owner only, and only once concluded (the window node: once served);
  anyone else gets 404, as for a subject that does not exist; nothing changes;
- each (subject, node) is rated once; the rater may change the rating once within
  `common.change_days()` days; a default rating is final;
- a 差评 opens a rectification (`rectification.py`) in the same transaction; the rollups move by
  the difference of the rating's contribution (`rollups`).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from tongban.core import audit
from tongban.core.errors import Conflict, FieldProblem, InvalidInput, NotFound

from . import common, invitations, rollups, subjects
from .enums import (
    ONLINE_CHANNELS,
    Channel,
    InviteState,
    Level,
    Node,
    RatingState,
    Reason,
    RectState,
    is_bad,
)
from .models import Rating, Rectification
from .signals import rated

MAX_TEXT = 500
MIN_BAD_TEXT = 5
ONLINE_NODES = (Node.APPLY, Node.ACCEPT, Node.CONCLUDE)


def check_rating(level, reasons, text) -> tuple[int, list[str], str]:
    """Every problem at once, each naming its field; the cleaned values otherwise."""
    problems: list[FieldProblem] = []
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in Level.values:
        problems.append(FieldProblem("level", "请选择满意度（非常满意、满意、基本满意、不满意、非常不满意）"))
    if isinstance(reasons, str):
        reasons = [reasons]
    chosen: list[str] = []
    unknown = False
    for reason in reasons or []:
        if reason not in Reason.values:
            problems.append(FieldProblem("reasons", "差评原因不在规定的类别中"))
            unknown = True
            break
        if reason not in chosen:
            chosen.append(reason)
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        problems.append(FieldProblem("text", f"评价内容不能超过{MAX_TEXT}个字"))
    if value and is_bad(value):
        if not chosen and not unknown:
            problems.append(FieldProblem("reasons", "不满意或非常不满意时，请至少选择一项差评原因"))
        if len(text) < MIN_BAD_TEXT:
            problems.append(
                FieldProblem("text", f"不满意或非常不满意时，请写明具体情况（至少{MIN_BAD_TEXT}个字）")
            )
    elif value:
        chosen = []  # reasons belong to bad ratings only
    if problems:
        raise InvalidInput(problems[0].message, problems=problems)
    return value, chosen, text


def check_node(node: str, allowed=ONLINE_NODES) -> str:
    if node not in allowed:
        raise InvalidInput.field("node", "评价环节不正确")
    return node


def subject_of(actor, kind: str, ref: str) -> subjects.Subject:
    """The subject `actor` may rate online: theirs, else 404 (audited), whether it exists or not."""
    subject = subjects.resolve(kind, ref) if kind in subjects.kinds() else None
    if (
        subject is None
        or subject.owner_user_id is None
        or subject.owner_user_id != getattr(actor, "pk", None)
    ):
        raise common.denied(actor, kind or "subject", ref)
    return subject


def require_concluded(subject: subjects.Subject) -> None:
    if subject.concluded_at is None:
        raise Conflict("办件尚未办结，办结后才能评价")


def notify_rated(rating: Rating) -> None:
    rated.send(
        sender=Rating,
        kind=rating.kind,
        ref=rating.ref,
        node=rating.node,
        level=6 - rating.level,  # the signal's scale: 5 = 非常满意 (signals.py)
        code=rating.level,  # the standard's code: 1 = 非常满意
        default=rating.is_default,
        bad=is_bad(rating.level),
    )


def create_rating(
    *,
    actor,
    subject: subjects.Subject,
    node: str,
    level: int,
    reasons: list[str],
    text: str,
    channel: str,
    rater_id: int | None,
    is_default: bool = False,
    window=None,
    clerk_id: int | None = None,
) -> Rating:
    """The one write every way of rating ends in (inside the caller's transaction)."""
    if Rating.objects.filter(kind=subject.kind, ref=subject.ref, node=node).exists():
        raise Conflict("该事项此环节已评价，不能重复评价")
    when = common.now()
    period_from = subject.concluded_at or when
    rating = Rating(
        kind=subject.kind,
        ref=subject.ref,
        node=node,
        channel=channel,
        rater_id=rater_id,
        level=level,
        reasons=reasons,
        text=text,
        is_default=is_default,
        department_id=window.department_id if window is not None else subject.department_id,
        region_code=window.region_code if window is not None else subject.region_code,
        item_code=subject.item_code,
        item_name=subject.item_name[:200],
        title=subject.title[:200],
        window=window,
        clerk_id=clerk_id,
        period=common.period_of(period_from),
        created_at=when,
    )
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError as exc:  # rated concurrently
        raise Conflict("该事项此环节已评价，不能重复评价") from exc
    rect = open_rectification(rating) if is_bad(level) else None
    rollups.apply(rating, rollups.rating_counts(None), rollups.rating_counts(rating, rect))
    if node == Node.CONCLUDE:
        invitations.mark(
            subject.kind, subject.ref, InviteState.DEFAULTED if is_default else InviteState.RATED
        )
    audit.record(
        actor=actor,
        action="ratings.default" if is_default else "ratings.rate",
        obj=rating,
        data={
            "kind": rating.kind,
            "ref": rating.ref,
            "node": node,
            "level": level,
            "channel": channel,
            "reasons": reasons,
        },
    )
    notify_rated(rating)
    return rating


def open_rectification(rating: Rating) -> Rectification:
    return Rectification.objects.create(
        rating=rating, department_id=rating.department_id, created_at=common.now()
    )


def do_rate(
    *,
    actor,
    kind: str,
    ref: str,
    node: str = Node.CONCLUDE,
    level,
    reasons=(),
    text: str = "",
    channel: str = Channel.PC,
) -> Rating:
    """一事一评 by the signed-in owner of a concluded subject."""
    if channel not in ONLINE_CHANNELS:
        raise InvalidInput.field("channel", "评价渠道不正确")
    check_node(node)
    subject = subject_of(actor, kind, ref)
    value, chosen, clean_text = check_rating(level, reasons, text)
    require_concluded(subject)
    with transaction.atomic():
        return create_rating(
            actor=actor,
            subject=subject,
            node=node,
            level=value,
            reasons=chosen,
            text=clean_text,
            channel=channel,
            rater_id=actor.pk,
        )


def do_change_rating(
    *, actor, kind: str, ref: str, node: str = Node.CONCLUDE, level, reasons=(), text=""
) -> Rating:
    """The one later change the rater may make, within `common.change_days()` days."""
    check_node(node, allowed=(*ONLINE_NODES, Node.WINDOW))
    value, chosen, clean_text = check_rating(level, reasons, text)
    with transaction.atomic():
        rating = (
            Rating.objects.select_for_update()
            .filter(kind=kind, ref=ref, node=node, rater_id=getattr(actor, "pk", None))
            .first()
        )
        if rating is None:
            raise NotFound("没有找到您的这条评价")
        if rating.is_default:
            raise Conflict("系统默认评价不能修改")
        if rating.state != RatingState.VALID:
            raise Conflict("该评价已撤销")
        if rating.previous_level is not None:
            raise Conflict("评价只能修改一次，您已修改过")
        if common.now() > rating.created_at + dt.timedelta(days=common.change_days()):
            raise Conflict(f"评价后{common.change_days()}日内可以修改一次，已超过期限")
        rect = Rectification.objects.select_for_update().filter(rating=rating).first()
        if rect is not None and rect.state == RectState.APPEALING:
            raise Conflict("该差评正在申诉审核中，暂不能修改")
        before = rollups.rating_counts(rating, rect)
        old = rating.level
        rating.previous_level, rating.level = old, value
        rating.reasons, rating.text, rating.changed_at = chosen, clean_text, common.now()
        rating.save(update_fields=["previous_level", "level", "reasons", "text", "changed_at"])
        if is_bad(value) and rect is None:
            rect = open_rectification(rating)
        elif (
            not is_bad(value) and rect is not None and rect.state not in (RectState.REMOVED, RectState.CLOSED)
        ):
            rect.state = RectState.WITHDRAWN
            rect.save(update_fields=["state"])
        rollups.apply(rating, before, rollups.rating_counts(rating, rect))
        audit.record(
            actor=actor,
            action="ratings.change",
            obj=rating,
            data={"from": old, "to": value, "reasons": chosen},
        )
        notify_rated(rating)
        return rating
