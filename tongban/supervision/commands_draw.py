"""The draw's subcommands of `manage.py supervision` (see management/commands/supervision.py)."""

from __future__ import annotations

import json
import time

from django.core.management.base import CommandError

from . import queries_draw, verify_draw

HELP = {"verify-draw": "re-check a published draw: exit 0 when it recomputes, 1 naming the first difference"}


def add_arguments(name: str, parser) -> None:
    if name == "verify-draw":
        parser.add_argument("draw_id", type=int)
        parser.add_argument(
            "--json", dest="as_json", metavar="FILE", help="also write the published draw JSON to FILE"
        )


def handle(name: str, command, **options) -> None:
    if name == "verify-draw":
        _verify(command, options["draw_id"], options.get("as_json"))


def _verify(command, draw_id: int, as_json: str | None) -> None:
    draw = queries_draw.draw_of(draw_id)
    if draw is None:
        raise CommandError(f"no draw {draw_id}")
    started = time.perf_counter()
    found = verify_draw.differences(draw)
    took = time.perf_counter() - started
    if found:
        raise CommandError(
            f"draw {draw_id} does NOT recompute: {found[0]}" + "".join(f"\n  {f}" for f in found[1:])
        )
    if as_json:
        with open(as_json, "w", encoding="utf-8") as out:
            json.dump(queries_draw.publication(draw), out, ensure_ascii=False)
    command.stdout.write(
        f"draw {draw_id} recomputes: seed {draw.seed}, input {draw.input_sm3}, "
        f"{draw.target_count} targets, result {draw.result_sm3} ({took:.2f} s)"
    )
