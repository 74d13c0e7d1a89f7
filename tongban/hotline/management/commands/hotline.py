"""`manage.py hotline <subcommand>`: the 12345 commands.

Each subcommand is a module of the app with `HELP`, `add_arguments(parser)` and
`run(command, **options)`; this file only parses and dispatches. A part adds its subcommand by
adding one line to SUBCOMMANDS.

- `tick [--at ISO-DATETIME]`: 督办 of tickets near or past their deadlines (`commands_tickets`).
- `rules [--kind K --urgency U --accept-hours H --reply-days D]`: show or set the deadline rules.
"""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand

SUBCOMMANDS = {
    "tick": "tongban.hotline.commands_tickets.tick",
    "rules": "tongban.hotline.commands_tickets.rules",
    "train-classifier": "tongban.hotline.commands_kb.train_classifier",
    "open311-key": "tongban.hotline.commands_kb.open311_key",
}


def _module(path: str):
    """A subcommand's module, or an object with HELP/add_arguments/run at `module.attr`."""
    try:
        return import_module(path)
    except ModuleNotFoundError:
        module, _, attr = path.rpartition(".")
        return getattr(import_module(module), attr)


class Command(BaseCommand):
    help = "12345热线：" + "、".join(SUBCOMMANDS)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, path in SUBCOMMANDS.items():
            module = _module(path)
            module.add_arguments(sub.add_parser(name, help=module.HELP))

    def handle(self, *args, subcommand: str, **options):
        return _module(SUBCOMMANDS[subcommand]).run(self, **options)
