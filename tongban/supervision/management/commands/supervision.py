"""`manage.py supervision <subcommand>`: one command; each part of the app registers its
subcommands in `REGISTRY` (subcommand → module). A module gives `help(name)`,
`add_arguments(name, parser)` and `run(name, options, out)` (an exit code).

Core (sup-core): `recompute-credit [--method sql|python] [--date D]` (the monthly credit
recomputation), `tick-core [--date D]` (经营异常名录: missing annual reports after 30 June, the
three-year move to 严重违法失信名单; then the active risk rules), `verify-task <id>`."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand, CommandError

REGISTRY: dict[str, str] = {
    "recompute-credit": "tongban.supervision.commands_core",
    "tick-core": "tongban.supervision.commands_core",
    "verify-task": "tongban.supervision.commands_core",
}


class Command(BaseCommand):
    help = "互联网+监管：" + "、".join(sorted(REGISTRY))

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in REGISTRY.items():
            mod = importlib.import_module(module)
            mod.add_arguments(name, sub.add_parser(name, help=mod.help(name)))

    def handle(self, *args, subcommand: str, **options):
        code = importlib.import_module(REGISTRY[subcommand]).run(subcommand, options, self.stdout)
        if code:
            raise CommandError(f"{subcommand} failed", returncode=code)
