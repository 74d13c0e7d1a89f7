"""The shape of the project's `manage.py <app> <action>` commands: one sub-command per `do_<action>`
method, a domain error turned into a CommandError listing its field problems (exit status 1, no
traceback)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from .errors import DomainError


class ActionCommand(BaseCommand):
    """Subclasses add sub-parsers with `dest="action"` and define `do_<action>(**options)`
    (a dash in the action name is an underscore in the method's)."""

    def handle(self, *args, action, **opts):
        try:
            getattr(self, "do_" + action.replace("-", "_"))(**opts)
        except DomainError as exc:
            raise CommandError("\n".join(self.error_lines(exc))) from None

    def error_lines(self, exc: DomainError) -> list[str]:
        """The message and each field problem on its own line (override to word them)."""
        return [exc.message, *(f"  {p}" for p in exc.problems)]
