"""The core part's `manage.py supervision` subcommands (see management/commands/supervision.py)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from . import abnormal, credit, risk, tasks

SYSTEM = "system:supervision"
_HELP = {
    "recompute-credit": "重新计算全部监管对象的信用分和等级（每月，或启用新模型版本后）",
    "tick-core": "经营异常名录（6 月 30 日后未年报列入、满三年移入严重违法失信名单）与风险规则",
    "verify-task": "验证联合监管任务的哈希链与签名（完整时退出码 0）",
}


def help(name: str) -> str:
    return _HELP[name]


def add_arguments(name: str, parser) -> None:
    if name == "verify-task":
        parser.add_argument("task_id", type=int)
        return
    parser.add_argument("--date", help="按该日期运行（YYYY-MM-DD，默认今天）")
    if name == "recompute-credit":
        parser.add_argument("--method", choices=("sql", "python"), default="sql")


def _date(raw):
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise CommandError(f"--date: {raw!r} 不是 YYYY-MM-DD 格式的日期") from None


def run(name: str, options: dict, out) -> int:
    if name == "recompute-credit":
        report = credit.do_recompute_credit(
            actor=SYSTEM, on=_date(options.get("date")), method=options["method"]
        )
        out.write(
            f"version={report.version} entities={report.entities} changed={report.changed} method={report.method}"
        )
        return 0
    if name == "tick-core":
        on = _date(options.get("date"))
        report = abnormal.tick(on=on)
        raised = risk.do_run_rules(actor=SYSTEM, on=on)
        out.write(f"listed={report.listed} moved={report.moved} alerts={raised}")
        return 0
    report = tasks.verify_task(options["task_id"])
    if report.ok:
        out.write(f"task {options['task_id']}: intact ({len(report.steps)} steps)")
        return 0
    broken = report.broken
    out.write(
        f"task {options['task_id']}: "
        + (f"step {broken.seq} ({broken.action}): {broken.problem}" if broken else "no steps")
    )
    return 1
