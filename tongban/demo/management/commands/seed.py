"""`manage.py seed demo` and `manage.py seed scale --items N [--seed S]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Seed data. `demo`: the deterministic demo province (湖北: departments, catalogue, staff); "
        "idempotent, a second run reuses it. `scale`: a province-scale catalogue for benchmarks."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("demo", help="the demo province (idempotent)")
        scale = sub.add_parser("scale", help="a province-scale catalogue for benchmarks")
        scale.add_argument("--items", type=int, default=100_000, help="implementation items to generate")
        scale.add_argument("--seed", type=int, default=42, help="random seed (same seed, same catalogue)")

    def handle(self, *args, what, **opts):
        try:
            if what == "demo":
                self.seed_demo()
            else:
                self.seed_scale(items=opts["items"], seed=opts["seed"])
        except DomainError as exc:
            lines = [exc.message, *(f"  {p}" for p in exc.problems[:20])]
            raise CommandError("\n".join(lines)) from None

    def seed_demo(self):
        from tongban.demo.services import do_seed_demo

        summary = do_seed_demo(log=self.stdout.write)
        for line in summary.lines():
            self.stdout.write(line)

    def seed_scale(self, *, items: int, seed: int):
        if items < 1:
            raise CommandError("--items must be a positive number")
        from tongban.demo.scale import generate_scale_catalog

        generate_scale_catalog(items=items, seed=seed, stdout=self.stdout)
