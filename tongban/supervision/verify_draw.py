"""Re-checking a stored draw (`manage.py supervision verify-draw <id>`): the commitments, the
seed, the hashes of the stored inputs, and the selection recomputed from seed and inputs
against the stored targets and inspectors. The first difference is named."""

from __future__ import annotations

import json

import numpy as np

from . import draws, queries_draw
from .enums_draw import DrawState
from .models_draw import Draw


def differences(draw: Draw) -> list[str]:
    """Every check in order; an empty list when the draw recomputes exactly."""
    found: list[str] = []
    plan = draw.plan
    if draw.state != DrawState.DRAWN:
        return [f"draw {draw.pk} is not drawn yet (state {draw.state})"]
    for slot in (1, 2):
        reveal, commit = getattr(draw, f"reveal_{slot}"), getattr(draw, f"commit_{slot}")
        if draws.commitment(bytes.fromhex(reveal)) != commit:
            found.append(f"reveal {slot}: SM3(reveal) is not commitment {slot}")
    seed = draws.seed_of(bytes.fromhex(draw.reveal_1), bytes.fromhex(draw.reveal_2), plan.pk)
    if seed != draw.seed:
        found.append(f"seed: stored {draw.seed}, recomputed {seed}")
    strata = queries_draw.stored_strata(draw)
    arrays = {}
    for c in draws.CLASSES:
        ids = np.frombuffer(strata.get(c, b""), dtype=">i8")
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            found.append(f"input: stratum {c} is not in ascending id order")
        arrays[c] = ids
    entities_sm3 = draws.sm3(draws.entities_bytes(strata))
    if entities_sm3 != draw.entities_sm3:
        found.append(f"input: entities hash {entities_sm3} differs from the published {draw.entities_sm3}")
    inspectors = json.loads(draw.inspectors_json or "[]")
    inspectors_sm3 = draws.sm3(draws.inspectors_bytes(inspectors))
    if inspectors_sm3 != draw.inspectors_sm3:
        found.append(
            f"input: inspectors hash {inspectors_sm3} differs from the published {draw.inspectors_sm3}"
        )
    input_sm3 = draws.input_digest(
        plan_id=plan.pk,
        ratios_bp=plan.ratios_bp,
        per_target=draw.inspectors_per_target,
        entities_sm3=draw.entities_sm3,
        inspectors_sm3=draw.inspectors_sm3,
    )
    if input_sm3 != draw.input_sm3:
        found.append(
            f"input: input hash {input_sm3} differs from the published {draw.input_sm3} (plan or ratios changed)"
        )
    if found:
        return found
    try:
        expected = draws.select(
            seed=seed,
            strata=arrays,
            ratios_bp=plan.ratios_bp,
            inspectors=inspectors,
            per_target=draw.inspectors_per_target,
        )
    except draws.TooFewInspectors as exc:
        return [f"selection: {exc}"]
    stored = queries_draw.stored_selection(draw)
    if len(stored.targets) != len(expected.targets):
        found.append(f"targets: {len(stored.targets)} stored, {len(expected.targets)} recomputed")
    for position, (have, want) in enumerate(zip(stored.targets, expected.targets, strict=False)):
        if have != want:
            found.append(
                f"target #{position}: stored entity {have[1]} (class {have[0]}), recomputed entity {want[1]} (class {want[0]})"
            )
            break
    for position, (have, want) in enumerate(zip(stored.inspectors, expected.inspectors, strict=False)):
        if have != want:
            found.append(f"target #{position}: stored inspectors {have}, recomputed {want}")
            break
    digest = expected.digest()
    if digest != draw.result_sm3:
        found.append(f"result hash: published {draw.result_sm3}, recomputed {digest}")
    return found
