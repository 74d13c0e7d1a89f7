"""`manage.py makemessages` as this project runs it (`make messages`): the one English catalogue
(tongban/locale/en/LC_MESSAGES/django.po) regenerated from the sources, so that no translation
depends on hand-merged lines.

Beyond Django's own command it also collects the strings marked with ``N_`` (``gettext_noop``
imported under that name: Chinese stored as data and translated on display, such as the demo's
topics); it leaves out the virtual environment, node_modules and the built files; and it writes
no source locations, so that a change elsewhere in a file does not touch the catalogue (parallel
branches then merge it without conflicts over line numbers).
"""

from __future__ import annotations

from django.core.management.commands import makemessages

IGNORED = [".venv", "node_modules", "var", "staticfiles", "bench"]


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        options["no_location"] = True
        return super().handle(*args, **options)
