"""`manage.py supervision <subcommand>`: one command for the whole supervision app. Each part
registers its subcommands in SUBCOMMANDS (one line each): the module named exposes
`HELP` (subcommand → help), `add_arguments(name, parser)` and `handle(name, command, **options)`
(raise CommandError to fail)."""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError

SUBCOMMANDS = {
    "verify-draw": "tongban.supervision.commands_draw",
    "recompute-credit": "tongban.supervision.commands_core",
    "tick-core": "tongban.supervision.commands_core",
    "verify-task": "tongban.supervision.commands_core",
    "ingest": "tongban.supervision.commands_iot",
    "simulate-sensors": "tongban.supervision.commands_iot",
    "iot-maintain": "tongban.supervision.commands_iot",
}


class Command(BaseCommand):
    help = "互联网+监管: " + ", ".join(SUBCOMMANDS)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in SUBCOMMANDS.items():
            target = import_module(module)
            helps = getattr(target, "HELP", {})
            target.add_arguments(name, sub.add_parser(name, help=helps.get(name, "")))

    def handle(self, *args, subcommand, **options):
        target = import_module(SUBCOMMANDS[subcommand])
        try:
            target.handle(subcommand, self, **options)
        except DomainError as exc:
            raise CommandError("\n".join([exc.message, *(f"  {p}" for p in exc.problems)])) from None
