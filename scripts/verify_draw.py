#!/usr/bin/env python3
"""Re-check a published 双随机一公开 draw of tongban, without tongban or Django.

    python3 verify_draw.py draw-12.json

Reads the draw's published JSON (from /supervision/public/draws/<id>.json) and follows the
procedure of docs/supervision-draw.md step by step: the two reveals against their commitments,
the seed, the hashes of the input lists, the input hash, then the selection recomputed by a
plain Fisher–Yates shuffle. Prints "OK" and exits 0 when everything recomputes; otherwise names
the first difference and exits 1. Needs Python 3.9+ whose OpenSSL provides SM3 (OpenSSL 1.1.1
or later; `python3 -c "import hashlib; hashlib.new('sm3')"` tells).
"""

import hashlib
import hmac
import json
import sys

ALGORITHM, VERSION = "tongban-srs", 1
CLASSES = "ABCD"


def sm3(data):
    return hashlib.new("sm3", data).hexdigest()


def canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode("ascii")


class Words:
    """HMAC-SM3(seed, "tongban-srs/1" || counter as 8 bytes big-endian), read 8 bytes at a time."""

    def __init__(self, seed):
        self.key, self.counter, self.buffer = bytes.fromhex(seed), 0, b""

    def next(self):
        if not self.buffer:
            self.buffer = hmac.new(
                self.key, b"tongban-srs/1" + self.counter.to_bytes(8, "big"), "sm3"
            ).digest()
            self.counter += 1
        word, self.buffer = self.buffer[:8], self.buffer[8:]
        return int.from_bytes(word, "big")

    def below(self, n):
        limit = 2**64 - 2**64 % n
        while True:
            u = self.next()
            if u < limit:
                return u % n


def shuffle_take(items, k, words):
    """The first k steps of a Fisher–Yates shuffle of a copy of items; the items at 0..k-1."""
    a = list(items)
    for i in range(k):
        j = i + words.below(len(a) - i)
        a[i], a[j] = a[j], a[i]
    return a[:k]


def check(doc):
    """None when the published draw recomputes; else the first difference, in words."""
    if (doc.get("algorithm"), doc.get("version")) != (ALGORITHM, VERSION):
        return "algorithm: this script re-checks tongban-srs version 1 only"
    # 1. Each reveal hashes to its commitment.
    for n in (0, 1):
        if sm3(bytes.fromhex(doc["reveals"][n])) != doc["commitments"][n]:
            return f"reveal {n + 1} does not hash to commitment {n + 1}"
    # 2. seed = SM3(reveal1 || reveal2 || plan id in ASCII decimal).
    plan = doc["plan"]
    seed = sm3(bytes.fromhex(doc["reveals"][0]) + bytes.fromhex(doc["reveals"][1]) + str(plan["id"]).encode())
    if seed != doc["seed"]:
        return f"seed: published {doc['seed']}, recomputed {seed}"
    # 3. The entity lists: per class A..D, letter, count (8 bytes), ids (8 bytes each), ascending.
    entities = doc["inputs"]["entities"]
    blob = b""
    for c in CLASSES:
        ids = entities.get(c, [])
        if ids != sorted(set(ids)):
            return f"input: stratum {c} is not in ascending id order"
        blob += c.encode() + len(ids).to_bytes(8, "big") + b"".join(i.to_bytes(8, "big") for i in ids)
    if sm3(blob) != doc["entities_sm3"]:
        return f"input: entities hash {sm3(blob)}, published {doc['entities_sm3']}"
    # 4. The inspector list: canonical JSON ordered by id.
    inspectors = sorted(doc["inputs"]["inspectors"], key=lambda i: i["id"])
    listed = [
        {"conflicts": sorted(set(i["conflicts"])), "id": i["id"], "recent": sorted(set(i["recent"]))}
        for i in inspectors
    ]
    if sm3(canonical(listed)) != doc["inspectors_sm3"]:
        return f"input: inspectors hash {sm3(canonical(listed))}, published {doc['inspectors_sm3']}"
    # 5. The input hash binds the plan, ratios and inspectors per target to both lists.
    ratios = {c: int(plan["ratios_bp"].get(c, 0)) for c in CLASSES}
    summary = {
        "algorithm": ALGORITHM,
        "entities_sm3": doc["entities_sm3"],
        "inspectors_sm3": doc["inspectors_sm3"],
        "per_target": doc["per_target"],
        "plan": plan["id"],
        "ratios_bp": ratios,
        "version": VERSION,
    }
    if sm3(canonical(summary)) != doc["input_sm3"]:
        return f"input: input hash {sm3(canonical(summary))}, published {doc['input_sm3']}"
    # 6. Targets: per class, ceil(count x ratio / 10000) by Fisher-Yates on one word stream.
    words = Words(seed)
    targets = []
    for c in CLASSES:
        ids = entities.get(c, [])
        k = min(len(ids), -(-len(ids) * ratios[c] // 10000))
        targets += [[c, e] for e in shuffle_take(ids, k, words)]
    # 7. Inspectors: per target in draw order, from those not barred from it, same stream.
    barred = [(i["id"], set(i["conflicts"]) | set(i["recent"])) for i in inspectors]
    rows = []
    for c, entity in targets:
        eligible = [pk for pk, entities_barred in barred if entity not in entities_barred]
        if len(eligible) < doc["per_target"]:
            return f"selection: entity {entity} has {len(eligible)} eligible inspectors"
        rows.append([c, entity, shuffle_take(eligible, doc["per_target"], words)])
    published = doc["result"]["targets"]
    for n, (have, want) in enumerate(zip(published, rows, strict=False)):
        if have != want:
            return f"target #{n}: published {have}, recomputed {want}"
    if len(published) != len(rows):
        return f"targets: {len(published)} published, {len(rows)} recomputed"
    if sm3(canonical(rows)) != doc["result"]["result_sm3"]:
        return f"result hash: published {doc['result']['result_sm3']}, recomputed {sm3(canonical(rows))}"
    return None


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0])
        print("usage: verify_draw.py DRAW.json")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    problem = check(doc)
    if problem:
        print("MISMATCH: " + problem)
        return 1
    print(
        f"OK: draw of plan {doc['plan']['id']} recomputes ({len(doc['result']['targets'])} targets, seed {doc['seed']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
