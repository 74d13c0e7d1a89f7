"""`manage.py demo_info --host H --port P`: the demo accounts and where to look."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand

from tongban.demo import queries
from tongban.demo.data.accounts import ACCOUNTS, DEMO_PASSWORD


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width: CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


class Command(BaseCommand):
    help = "Print the demo staff accounts and the main URLs of a running demo."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **opts):
        out = self.stdout.write
        out("")
        out("tongban demo 一网通办演示")
        if not queries.demo_is_seeded():
            out("  (the demo is not seeded yet: run `manage.py seed demo` first)")
        out("")
        out("Demo accounts 演示账号 (username / password / role):")
        for acc in ACCOUNTS:
            out(f"  {acc.username:<10} {DEMO_PASSWORD:<20} {acc.role_label}")
        out("")
        out("URLs:")
        for label, url in queries.demo_urls(host, port, guide_code=queries.licence_guide_code()):
            out(f"  {_pad(label, 30)}{url}")
        out("")
