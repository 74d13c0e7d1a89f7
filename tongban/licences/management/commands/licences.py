"""`manage.py licences tick [--date DATE]`, `manage.py licences rotate-seal --department D
[--compromised REASON]`, `manage.py licences revoke-seal --kid KID --reason REASON` and
`manage.py licences verify IDENTIFIER [--date DATE]`; agency grants (用证授权):
`manage.py licences grant --type CODE (--department D | --client CLIENT_ID) --basis TEXT
[--personal] [--case-number-required]`, `manage.py licences end-grant ID --reason TEXT`,
`manage.py licences grants [--all]`; bulk import of legacy licences:
`manage.py licences import FILE [--format jsonl|csv] [--partial] [--resume]` (docs/licences-import.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import CommandError

from tongban.core.commands import ActionCommand

from ... import importer, services, validity

ACTOR = "system:cli"


class Command(ActionCommand):
    help = "E-licences (电子证照): the daily expiry tick, e-seal key rotation and revocation, verification."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser(
            "tick", help="mark licences whose validity period has ended as expired (run daily)"
        )
        tick.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            default=None,
            help="the day to run for, YYYY-MM-DD (default: today)",
        )
        rotate = sub.add_parser(
            "rotate-seal", help="retire a department's active e-seal key and make a new one"
        )
        rotate.add_argument(
            "--department", required=True, help="the department: its unified social credit code or id"
        )
        rotate.add_argument(
            "--compromised",
            default="",
            metavar="REASON",
            help="revoke the old key instead of retiring it: every licence it signed stops verifying",
        )
        revoke = sub.add_parser("revoke-seal", help="revoke one e-seal key (its signatures stop verifying)")
        revoke.add_argument("--kid", required=True, help="the key's identifier")
        revoke.add_argument("--reason", required=True, help="why (recorded in the audit chain)")
        verify = sub.add_parser("verify", help="verify one licence: signature, seal key, state and period")
        verify.add_argument("identifier", help="1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>")
        verify.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            default=None,
            help="verify as of this day, YYYY-MM-DD (default: today)",
        )

        grant = sub.add_parser("grant", help="let a department or one OIDC client use licences of a type")
        grant.add_argument("--type", dest="type_code", required=True, help="the licence type code")
        who = grant.add_mutually_exclusive_group(required=True)
        who.add_argument("--department", help="the agency: its unified social credit code or id")
        who.add_argument("--client", dest="client_id", help="one department system's OIDC client id")
        grant.add_argument("--basis", required=True, help="the basis of the grant (business scope, document)")
        grant.add_argument("--personal", action="store_true", help="personal face fields shown in clear")
        grant.add_argument(
            "--case-number-required", action="store_true", help="every use must name a case number"
        )
        end = sub.add_parser("end-grant", help="end a grant (kept in the records)")
        end.add_argument("grant_id", type=int)
        end.add_argument("--reason", required=True)
        listing = sub.add_parser("grants", help="list the grants")
        listing.add_argument("--all", action="store_true", help="ended grants too")

        imp = sub.add_parser("import", help="bulk-import legacy licences (docs/licences-import.md)")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--format", dest="fmt", choices=importer.FORMATS, default=None, help="default: by suffix"
        )
        imp.add_argument("--partial", action="store_true", help="import the good rows even when some are bad")
        imp.add_argument(
            "--resume", action="store_true", help="continue an interrupted import from its checkpoint"
        )
        imp.add_argument(
            "--chunk", type=int, default=importer.CHUNK, help="licences per transaction and batch seal"
        )
        imp.add_argument("--no-progress", action="store_true", help="no progress bar")

    def do_tick(self, date, **_):
        on = date or validity.today()
        report = services.do_expire_licences(on=on)
        self.stdout.write(f"Licence tick for {on:%Y-%m-%d}: {report.expired} expired")

    def do_rotate_seal(self, department, compromised, **_):
        key = services.do_rotate_seal_key(actor=ACTOR, department=department, compromised=compromised)
        self.stdout.write(f"New active e-seal key {key.kid} (public key {key.public_key[:18]}…)")
        if compromised:
            self.stdout.write("The previous key was revoked: the licences it signed no longer verify.")

    def do_revoke_seal(self, kid, reason, **_):
        key = services.do_revoke_seal_key(actor=ACTOR, kid=kid, reason=reason)
        self.stdout.write(f"Revoked e-seal key {key.kid}")

    def do_verify(self, identifier, date, **_):
        on = date or validity.today()
        result = services.verify_licence(identifier, on=on)
        if result.valid:
            self.stdout.write(f"{result.identifier}: valid (有效)")
            return
        self.stdout.write(f"{result.identifier}: NOT valid")
        for reason in result.reasons:
            self.stdout.write(f"  {reason.value}: {reason.label}")
        raise CommandError("verification failed", returncode=2)

    def do_grant(self, type_code, department, client_id, basis, personal, case_number_required, **_):
        grant = services.do_grant_use(
            actor=ACTOR,
            type_code=type_code,
            department=department,
            client_id=client_id or "",
            basis=basis,
            personal=personal,
            case_number_required=case_number_required,
        )
        self.stdout.write(f"Grant {grant.pk}: {grant}")

    def do_end_grant(self, grant_id, reason, **_):
        grant = services.do_end_grant(actor=ACTOR, grant_id=grant_id, reason=reason)
        self.stdout.write(f"Ended grant {grant.pk}")

    def do_grants(self, all, **_):
        for grant in services.grants(active_only=not all):
            who = (
                f"{grant.department.name}（{grant.department.credit_code}）"
                if grant.department
                else grant.client_id
            )
            flags = [
                f
                for f, on in (("personal", grant.personal), ("case-number", grant.case_number_required))
                if on
            ]
            ended = f" ended {grant.revoked_at:%Y-%m-%d}" if grant.revoked_at else ""
            self.stdout.write(
                f"{grant.pk}\t{grant.licence_type.code} {grant.licence_type.name}\t{who}\t{','.join(flags)}{ended}"
            )

    def do_import(self, file, fmt, partial, resume, chunk, no_progress, **_):
        from tqdm import tqdm

        bar = None

        def progress(done, total):
            nonlocal bar
            if bar is None:
                bar = tqdm(
                    total=total, unit="licence", unit_scale=True, file=self.stderr._out, disable=no_progress
                )
            bar.update(done - bar.n)

        report = importer.run_import(
            file, actor=ACTOR, fmt=fmt, partial=partial, resume=resume, chunk=chunk, progress=progress
        )
        if bar is not None:
            bar.close()
        for problem in report.problems[: importer.MAX_REPORTED]:
            self.stderr.write(f"  {problem}")
        if len(report.problems) > importer.MAX_REPORTED:
            self.stderr.write(f"  … {len(report.problems) - importer.MAX_REPORTED} more")
        rate = report.imported / report.seconds if report.seconds else 0
        self.stdout.write(
            f"Imported {report.imported} licences in {report.batches} batch seals "
            f"({report.seconds:.1f} s, {rate:,.0f}/s); {report.bad_rows} bad rows skipped; "
            f"{report.skipped_lines} rows already imported; import id {report.import_id}"
        )
