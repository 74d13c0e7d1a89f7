"""The draw algorithm of 双随机一公开, pure and versioned: `tongban-srs` version 1.

Nothing here touches the database or Django: the same function runs in the service, in
`manage.py supervision verify-draw` and (re-implemented independently) in
`scripts/verify_draw.py`. The specification is docs/supervision-draw.md; in short:

- seed = SM3(reveal1 ‖ reveal2 ‖ ASCII decimal plan id), each reveal the secret's bytes, each
  official having committed SM3(secret) before the inputs were snapshotted;
- a deterministic random bit generator: block i = HMAC-SM3(seed, "tongban-srs/1" ‖ i as 8-byte
  big-endian), consumed as big-endian unsigned 64-bit words, 4 per block, in order;
- `below(n)`: the next word u, rejected while u ≥ 2^64 − (2^64 mod n), gives u mod n;
- each stratum (credit class A, B, C, D in that order) is its entity ids ascending; its sample
  size is ceil(count × ratio_bp / 10000); a partial Fisher–Yates shuffle (for i in 0..k−1:
  j = i + below(n − i); swap a[i], a[j]; take a[i]) picks the targets in draw order;
- then, target by target in draw order, its eligible inspectors (the snapshot's inspectors by
  ascending id, minus those with a declared conflict with the target or a recent inspection
  of it) and the same partial Fisher–Yates picks `per_target` of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass

ALGORITHM = "tongban-srs"
VERSION = 1
CLASSES = ("A", "B", "C", "D")
LABEL = b"tongban-srs/1"
TWO_64 = 1 << 64


def sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def commitment(secret: bytes) -> str:
    """What an official publishes before the snapshot: SM3 of the secret's bytes."""
    return sm3(secret)


def seed_of(reveal1: bytes, reveal2: bytes, plan_id: int) -> str:
    return sm3(reveal1 + reveal2 + str(int(plan_id)).encode("ascii"))


class Stream:
    """HMAC-SM3 in counter mode, read as big-endian 64-bit words."""

    def __init__(self, seed_hex: str):
        self._key = bytes.fromhex(seed_hex)
        self._counter = 0
        self._words: list[int] = []

    def _refill(self) -> None:
        block = hmac.digest(self._key, LABEL + self._counter.to_bytes(8, "big"), "sm3")
        self._counter += 1
        self._words = [int.from_bytes(block[i : i + 8], "big") for i in (24, 16, 8, 0)]

    def word(self) -> int:
        if not self._words:
            self._refill()
        return self._words.pop()

    def below(self, n: int) -> int:
        """A uniform integer in [0, n), by rejection (no modulo bias)."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = TWO_64 - (TWO_64 % n)
        while True:
            u = self.word()
            if u < limit:
                return u % n


def partial_shuffle(n: int, k: int, stream: Stream) -> list[int]:
    """Positions picked by the first k steps of a Fisher–Yates shuffle of range(n), in order.
    The array is virtual: only displaced positions are kept, so n may be millions."""
    displaced: dict[int, int] = {}
    picked = []
    get = displaced.get
    for i in range(k):
        j = i + stream.below(n - i)
        vi, vj = get(i, i), get(j, j)
        displaced[j] = vi
        picked.append(vj)
    return picked


def sample_size(count: int, ratio_bp: int) -> int:
    """ceil(count × ratio_bp / 10000), at most count."""
    return min(count, (count * ratio_bp + 9999) // 10000)


def entities_bytes(strata: dict[str, bytes]) -> bytes:
    """Canonical bytes of the entity input: for each class A..D, the class letter, the count as
    8-byte big-endian, then the ids (8-byte big-endian each, ascending)."""
    out = []
    for c in CLASSES:
        ids = strata.get(c, b"")
        out.append(c.encode("ascii") + (len(ids) // 8).to_bytes(8, "big") + ids)
    return b"".join(out)


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def inspectors_bytes(inspectors: Sequence[dict]) -> bytes:
    """Canonical bytes of the inspector input: a JSON array ordered by id, each
    {"conflicts": [entity ids ascending], "id": n, "recent": [entity ids ascending]}."""
    rows = [
        {"conflicts": sorted(set(i["conflicts"])), "id": int(i["id"]), "recent": sorted(set(i["recent"]))}
        for i in sorted(inspectors, key=lambda i: int(i["id"]))
    ]
    return canonical_json(rows)


def input_digest(
    *, plan_id: int, ratios_bp: dict, per_target: int, entities_sm3: str, inspectors_sm3: str
) -> str:
    """The one hash published at the snapshot: everything the selection depends on but the seed."""
    return sm3(
        canonical_json(
            {
                "algorithm": ALGORITHM,
                "entities_sm3": entities_sm3,
                "inspectors_sm3": inspectors_sm3,
                "per_target": int(per_target),
                "plan": int(plan_id),
                "ratios_bp": {c: int(ratios_bp.get(c, 0)) for c in CLASSES},
                "version": VERSION,
            }
        )
    )


class TooFewInspectors(Exception):
    def __init__(self, entity_id: int, eligible: int, needed: int):
        self.entity_id, self.eligible, self.needed = entity_id, eligible, needed
        super().__init__(f"entity {entity_id}: {eligible} eligible inspectors, {needed} needed")


@dataclass(frozen=True)
class Selection:
    targets: list[tuple[str, int]]  # (class, entity id) in draw order
    inspectors: list[list[int]]  # per target, the drawn inspector ids in order

    def as_rows(self) -> list[list]:
        return [[c, e, ins] for (c, e), ins in zip(self.targets, self.inspectors, strict=True)]

    def digest(self) -> str:
        return sm3(canonical_json(self.as_rows()))


def exclusions(inspectors: Sequence[dict]) -> dict[int, set[int]]:
    """entity id → inspector ids that may not inspect it (declared conflict or recent visit)."""
    out: dict[int, set[int]] = {}
    for i in inspectors:
        for e in (*i["conflicts"], *i["recent"]):
            out.setdefault(int(e), set()).add(int(i["id"]))
    return out


def check_coverage(inspectors: Sequence[dict], per_target: int, in_scope=None) -> TooFewInspectors | None:
    """The seed-independent check: every entity (of those with exclusions, and `in_scope(e)` if
    given) keeps at least `per_target` eligible inspectors. Returns the first failure or None."""
    total = len(inspectors)
    if total < per_target:
        return TooFewInspectors(0, total, per_target)
    for entity, ex in sorted(exclusions(inspectors).items()):
        if total - len(ex) < per_target and (in_scope is None or in_scope(entity)):
            return TooFewInspectors(entity, total - len(ex), per_target)
    return None


def select(
    *,
    seed: str,
    strata: dict[str, Sequence[int]],
    ratios_bp: dict,
    inspectors: Sequence[dict],
    per_target: int,
) -> Selection:
    """The selection: a deterministic function of the seed and the inputs (module docstring)."""
    stream = Stream(seed)
    targets: list[tuple[str, int]] = []
    for c in CLASSES:
        ids = strata.get(c)
        if ids is None or len(ids) == 0:
            continue
        k = sample_size(len(ids), int(ratios_bp.get(c, 0)))
        targets.extend((c, int(ids[p])) for p in partial_shuffle(len(ids), k, stream))
    everyone = sorted(int(i["id"]) for i in inspectors)
    excluded = exclusions(inspectors)
    picks: list[list[int]] = []
    for _c, entity in targets:
        ex = excluded.get(entity)
        eligible = everyone if not ex else [i for i in everyone if i not in ex]
        if len(eligible) < per_target:
            raise TooFewInspectors(entity, len(eligible), per_target)
        picks.append([eligible[p] for p in partial_shuffle(len(eligible), per_target, stream)])
    return Selection(targets=targets, inspectors=picks)
