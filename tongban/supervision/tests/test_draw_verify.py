"""Re-checking draws: `manage.py supervision verify-draw` exit codes and the stand-alone script
against the published JSON, on good and tampered draws."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongban.supervision import queries_draw
from tongban.supervision.models_draw import Assignment, Draw, DrawStratum, DrawTarget

from .draw_world import World, entities

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("regions_loaded")]
SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify_draw.py"


@pytest.fixture
def drawn():
    world = World(inspectors=5)
    entities(60)
    return world.drawn()


def exit_code(draw_id: int) -> tuple[int, str, str]:
    """The exit status manage.py gives (a CommandError exits with its returncode, 1), stdout and
    the error text. (run_from_argv itself would close the test's database connection.)"""
    out = io.StringIO()
    try:
        call_command("supervision", "verify-draw", str(draw_id), stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


def standalone(doc: dict, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-I", str(SCRIPT), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_good_draw_verifies_with_exit_0(drawn):
    code, out, _err = exit_code(drawn.pk)
    assert code == 0
    assert f"draw {drawn.pk} recomputes" in out
    assert drawn.seed in out


def test_a_tampered_target_is_named_with_exit_1(drawn):
    target = DrawTarget.objects.get(draw=drawn, position=3)
    other = DrawTarget.objects.filter(draw=drawn).exclude(entity_id=target.entity_id).first()
    stored = target.entity_id
    DrawTarget.objects.filter(pk=target.pk).update(entity_id=other.entity_id)
    code, _out, err = exit_code(drawn.pk)
    assert code == 1
    assert (
        f"target #3: stored entity {other.entity_id} (class {target.credit_class}), recomputed entity {stored}"
        in err
    )


def test_a_swapped_inspector_is_named(drawn):
    assignment = Assignment.objects.filter(target__draw=drawn, target__position=0, slot=1).get()
    drawn_ids = set(
        Assignment.objects.filter(target=assignment.target).values_list("inspector_id", flat=True)
    )
    spare = next(i["id"] for i in json.loads(drawn.inspectors_json) if i["id"] not in drawn_ids)
    Assignment.objects.filter(pk=assignment.pk).update(inspector_id=spare)
    code, _out, err = exit_code(drawn.pk)
    assert code == 1
    assert "target #0: stored inspectors" in err


def test_a_tampered_input_list_is_named(drawn):
    stratum = DrawStratum.objects.get(draw=drawn, credit_class="B")
    ids = np.frombuffer(bytes(stratum.ids), dtype=">i8")[:-1]  # one entity quietly removed
    DrawStratum.objects.filter(pk=stratum.pk).update(ids=ids.tobytes())
    code, _out, err = exit_code(drawn.pk)
    assert code == 1
    assert "input: entities hash" in err
    assert drawn.entities_sm3 in err


def test_a_changed_ratio_is_caught_by_the_input_hash(drawn):
    plan = drawn.plan
    plan.ratios_bp = {**plan.ratios_bp, "A": 9999}
    plan.save()
    code, _out, err = exit_code(drawn.pk)
    assert code == 1
    assert "input: input hash" in err


def test_a_missing_or_undrawn_draw_fails(drawn):
    assert exit_code(drawn.pk + 1000) == (1, "", f"no draw {drawn.pk + 1000}")
    Draw.objects.filter(pk=drawn.pk).update(seed="0" * 64)
    code, _out, err = exit_code(drawn.pk)
    assert code == 1
    assert f"draw {drawn.pk} does NOT recompute: seed: stored {'0' * 64}, recomputed {drawn.seed}" in err


def test_the_standalone_script_agrees_on_the_published_json(drawn, tmp_path):
    doc = queries_draw.publication(drawn)
    assert doc["input_sm3"] == drawn.input_sm3
    assert len(doc["result"]["targets"]) == drawn.target_count
    done = standalone(doc, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(
        f"OK: draw of plan {drawn.plan_id} recomputes ({drawn.target_count} targets"
    )


def test_the_standalone_script_names_a_tampered_target(drawn, tmp_path):
    doc = queries_draw.publication(drawn)
    wanted = doc["result"]["targets"][2][1]
    replacement = next(e for e in doc["inputs"]["entities"][doc["result"]["targets"][2][0]] if e != wanted)
    doc["result"]["targets"][2][1] = replacement
    done = standalone(doc, tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("MISMATCH: target #2: published")


def test_the_standalone_script_names_a_tampered_input(drawn, tmp_path):
    doc = queries_draw.publication(drawn)
    doc["inputs"]["entities"]["C"] = doc["inputs"]["entities"]["C"][1:]
    done = standalone(doc, tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("MISMATCH: input: entities hash ")
    assert done.stdout.strip().endswith(f"published {drawn.entities_sm3}")
    doc = queries_draw.publication(drawn)
    doc["reveals"][1] = "33" * 32
    done = standalone(doc, tmp_path)
    assert (done.returncode, done.stdout.strip()) == (1, "MISMATCH: reveal 2 does not hash to commitment 2")


def test_verify_draw_can_write_the_publication(drawn, tmp_path):
    target = tmp_path / "out.json"
    call_command("supervision", "verify-draw", str(drawn.pk), "--json", str(target), stdout=io.StringIO())
    assert json.loads(target.read_text(encoding="utf-8"))["seed"] == drawn.seed
