"""`manage.py audit verify|anchor`: check the SM3 hash chain against its signed anchors, and
anchor its head (docs/decisions/0007-audit-anchors.md)."""

from django.core.management.base import BaseCommand, CommandError

from tongban.core import anchors
from tongban.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "The audit chain (审计链): `verify` checks every link, every anchor's signature, and that the "
        "chain still reaches every anchored head; `anchor` appends a signed anchor of the head to "
        "AUDIT_ANCHOR_FILE (run it periodically)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "anchor"])

    def handle(self, *args, action, **opts):
        try:
            found = anchors.read_anchors()
        except anchors.AnchorFileError as exc:
            raise CommandError(f"Audit anchors altered: {exc}.") from None
        if action == "anchor":
            anchor = anchors.write_anchor()
            if anchor is None:
                self.stdout.write("The audit chain is empty: nothing to anchor.")
            else:
                self.stdout.write(f"Anchored the audit chain at event #{anchor.seq} ({anchor.hash[:16]}…).")
            return
        report = verify_chain(anchors={a.seq: a.hash for a in found})
        if report.ok:
            last = (
                f", the last anchored at #{found[-1].seq}"
                if found
                else ", no anchor yet (run `audit anchor`)"
            )
            self.stdout.write(
                f"Audit chain intact: {report.checked} events verified against {len(found)} anchors{last}."
            )
            return
        raise CommandError(
            f"Audit chain broken at event #{report.broken_at}: {report.reason} "
            f"({report.checked} events before it verified)."
        )
