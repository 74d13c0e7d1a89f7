"""The tickets' subcommands of `manage.py hotline` (see management/commands/hotline.py)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.core.management.base import CommandError
from django.utils import timezone

from . import deadlines
from .dispatch import supervise_due
from .enums import TicketKind, Urgency
from .rules import do_set_deadline_rule

SYSTEM = "system:hotline-command"


def _tick_arguments(parser) -> None:
    parser.add_argument("--at", help="按该时刻运行（ISO 格式，默认现在）")


def _tick(command, at=None, **options) -> None:
    when = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            raise CommandError(f"--at: {at!r} 不是 ISO 格式的时刻") from None
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
    done = supervise_due(at=when)
    command.stdout.write(f"supervised={done}")


def _rules_arguments(parser) -> None:
    parser.add_argument("--kind", choices=TicketKind.values)
    parser.add_argument("--urgency", choices=Urgency.values, default=Urgency.NORMAL)
    parser.add_argument("--accept-hours", type=int)
    parser.add_argument("--reply-days", type=int)


def _rules(command, kind=None, urgency=Urgency.NORMAL, accept_hours=None, reply_days=None, **options) -> None:
    if kind:
        if accept_hours is None or reply_days is None:
            raise CommandError("设置时限规则需要 --accept-hours 和 --reply-days")
        do_set_deadline_rule(
            actor=SYSTEM, kind=kind, urgency=urgency, accept_hours=accept_hours, reply_days=reply_days
        )
    for k in TicketKind.values:
        for u in Urgency.values:
            rule = deadlines.rule_for(k, u)
            source = "configured" if rule.configured else "default"
            command.stdout.write(
                f"{k}\t{u}\taccept_hours={rule.accept_hours}\treply_days={rule.reply_days}\t{source}"
            )


tick = SimpleNamespace(HELP="督办：临近或超过办理时限的工单", add_arguments=_tick_arguments, run=_tick)
rules = SimpleNamespace(HELP="查看或设置办理时限规则", add_arguments=_rules_arguments, run=_rules)
