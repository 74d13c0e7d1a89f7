"""`manage.py supervision <subcommand>`: one command; each part of the app registers its
subcommands in `REGISTRY` (subcommand → module). A module gives `add_arguments(name, parser)`
and either `help(name)` and `run(name, options, out)` (an exit code), or `HELP` (name → text)
and `handle(name, command, **options)` (raise CommandError to fail).

Core (sup-core): `recompute-credit [--method sql|python] [--date D]` (the monthly credit
recomputation), `tick-core [--date D]` (经营异常名录: missing annual reports after 30 June, the
three-year move to 严重违法失信名单; then the active risk rules), `verify-task <id>`.
IoT (sup-iot): `ingest --broker mqtt://…` (the MQTT worker), `simulate-sensors`, `iot-maintain`."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError

REGISTRY: dict[str, str] = {
    "recompute-credit": "tongban.supervision.commands_core",
    "tick-core": "tongban.supervision.commands_core",
    "verify-task": "tongban.supervision.commands_core",
    "ingest": "tongban.supervision.commands_iot",
    "simulate-sensors": "tongban.supervision.commands_iot",
    "iot-maintain": "tongban.supervision.commands_iot",
}


class Command(BaseCommand):
    help = "互联网+监管：" + "、".join(sorted(REGISTRY))

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in REGISTRY.items():
            mod = importlib.import_module(module)
            text = mod.help(name) if hasattr(mod, "help") else getattr(mod, "HELP", {}).get(name, "")
            mod.add_arguments(name, sub.add_parser(name, help=text))

    def handle(self, *args, subcommand: str, **options):
        mod = importlib.import_module(REGISTRY[subcommand])
        if hasattr(mod, "run"):
            code = mod.run(subcommand, options, self.stdout)
            if code:
                raise CommandError(f"{subcommand} failed", returncode=code)
            return
        try:
            mod.handle(subcommand, self, **options)
        except DomainError as exc:
            raise CommandError("\n".join([exc.message, *(f"  {p}" for p in exc.problems)])) from None
