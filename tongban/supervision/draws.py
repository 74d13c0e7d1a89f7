"""The draw algorithm of 双随机一公开, pure and versioned: `tongban-srs` version 1.

Nothing here touches the database or Django (numpy only computes in bulk what the specification
says word by word): the same function runs in the service, in
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

import numpy as np

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


MAX64 = np.uint64(TWO_64 - 1)


class Stream:
    """HMAC-SM3 in counter mode, read as big-endian 64-bit words. Blocks are made in batches
    and the words kept in a numpy array, so that a draw of tens of thousands of targets needs no
    Python call per word; the words consumed, and their order, are exactly those of reading one
    word at a time."""

    def __init__(self, seed_hex: str):
        self._key = bytes.fromhex(seed_hex)
        self._counter = 0
        self._buf = np.empty(0, dtype=np.uint64)
        self._pos = 0

    def _ensure(self, count: int) -> None:
        have = len(self._buf) - self._pos
        if have >= count:
            return
        blocks = -(-(count - have) // 4)
        key, start = self._key, self._counter
        data = b"".join(
            hmac.digest(key, LABEL + (start + i).to_bytes(8, "big"), "sm3") for i in range(blocks)
        )
        self._counter += blocks
        fresh = np.frombuffer(data, dtype=">u8").astype(np.uint64)
        self._buf = np.concatenate([self._buf[self._pos :], fresh])
        self._pos = 0

    def words(self, count: int) -> np.ndarray:
        self._ensure(count)
        out = self._buf[self._pos : self._pos + count]
        self._pos += count
        return out

    def word(self) -> int:
        return int(self.words(1)[0])

    def below(self, n: int) -> int:
        """A uniform integer in [0, n), by rejection (no modulo bias)."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = TWO_64 - (TWO_64 % n)
        while True:
            u = self.word()
            if u < limit:
                return u % n

    def below_many(self, moduli) -> np.ndarray:
        """`[below(m) for m in moduli]`, consuming the same words, computed on arrays: a word is
        rejected (and the next one taken for the same m) when u ≥ 2^64 − (2^64 mod m)."""
        moduli = np.asarray(moduli, dtype=np.uint64)
        if len(moduli) and int(moduli.min()) <= 0:
            raise ValueError("n must be positive")
        out = np.empty(len(moduli), dtype=np.uint64)
        i = 0
        while i < len(moduli):
            m = moduli[i:]
            u = self.words(len(m))
            rest = (MAX64 % m + np.uint64(1)) % m  # 2^64 mod m
            ok = u <= MAX64 - rest
            if bool(ok.all()):
                out[i:] = u % m
                break
            bad = int(np.argmin(ok))
            out[i : i + bad] = u[:bad] % m[:bad]
            self._pos -= len(m) - bad - 1  # the words after the rejected one are read again
            i += bad
        return out


def _shuffle_take(n: int, steps: np.ndarray) -> list[int]:
    """Positions picked by Fisher–Yates steps j_i = i + steps[i] on a virtual range(n)."""
    displaced: dict[int, int] = {}
    picked = []
    get = displaced.get
    for i, r in enumerate(steps.tolist()):
        j = i + r
        vi, vj = get(i, i), get(j, j)
        displaced[j] = vi
        picked.append(vj)
    return picked


def partial_shuffle(n: int, k: int, stream: Stream) -> list[int]:
    """Positions picked by the first k steps of a Fisher–Yates shuffle of range(n), in order:
    for i in 0..k−1, j = i + below(n − i), swap a[i] and a[j], take a[i]. The array is virtual
    (only displaced positions are kept), so n may be millions."""
    if k == 0:
        return []
    return _shuffle_take(n, stream.below_many(n - np.arange(k, dtype=np.int64)))


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
        chosen = np.asarray(ids)[partial_shuffle(len(ids), k, stream)].tolist() if k else []
        targets.extend((c, int(e)) for e in chosen)
    everyone = sorted(int(i["id"]) for i in inspectors)
    excluded = exclusions(inspectors)
    pools = []
    for _c, entity in targets:
        ex = excluded.get(entity)
        eligible = everyone if not ex else [i for i in everyone if i not in ex]
        if len(eligible) < per_target:
            raise TooFewInspectors(entity, len(eligible), per_target)
        pools.append(eligible)
    # Every modulus of this phase is known before any word is read: one array for all targets.
    sizes = np.repeat(np.array([len(p) for p in pools], dtype=np.int64), per_target)
    steps = np.tile(np.arange(per_target, dtype=np.int64), len(pools))
    draws_ = stream.below_many(sizes - steps) if len(pools) else np.empty(0, dtype=np.uint64)
    picks: list[list[int]] = []
    for t, pool in enumerate(pools):
        chosen = _shuffle_take(len(pool), draws_[t * per_target : (t + 1) * per_target])
        picks.append([pool[p] for p in chosen])
    return Selection(targets=targets, inspectors=picks)
