"""`manage.py audit verify`: walk the SM3 hash chain and name the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from tongban.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit chain (审计链校验)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **opts):
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"Audit chain intact: {report.checked} events verified.")
            return
        raise CommandError(
            f"Audit chain broken at event #{report.broken_at}: {report.reason} "
            f"({report.checked} events before it verified)."
        )
