"""The pure draw algorithm (draws.py): determinism, stratification, recusal, the stream."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tongban.supervision import draws

SEED = draws.seed_of(b"\x11" * 32, b"\x22" * 32, 7)
STRATA = {
    "A": list(range(1, 1001)),
    "B": list(range(1001, 3001)),
    "C": list(range(3001, 3501)),
    "D": [4001, 4002],
}
RATIOS = {"A": 100, "B": 250, "C": 1000, "D": 10000}
INSPECTORS = [{"id": i, "conflicts": [], "recent": []} for i in range(1, 11)]


def run(seed=SEED, strata=STRATA, inspectors=INSPECTORS, per=2):
    return draws.select(seed=seed, strata=strata, ratios_bp=RATIOS, inspectors=inspectors, per_target=per)


def test_seed_is_sm3_of_reveals_and_plan_id():
    expected = hashlib.new("sm3", b"\x11" * 32 + b"\x22" * 32 + b"7").hexdigest()
    assert expected == SEED
    assert draws.seed_of(b"\x11" * 32, b"\x22" * 32, 8) != SEED


def test_stream_is_hmac_sm3_counter_mode():
    stream = draws.Stream(SEED)
    block0 = hmac.digest(bytes.fromhex(SEED), b"tongban-srs/1" + (0).to_bytes(8, "big"), "sm3")
    block1 = hmac.digest(bytes.fromhex(SEED), b"tongban-srs/1" + (1).to_bytes(8, "big"), "sm3")
    words = [stream.word() for _ in range(5)]
    assert words[:4] == [int.from_bytes(block0[i : i + 8], "big") for i in (0, 8, 16, 24)]
    assert words[4] == int.from_bytes(block1[:8], "big")


def test_same_inputs_and_seed_give_the_same_selection():
    first, second = run(), run()
    assert first == second
    assert first.digest() == second.digest()


def test_a_different_seed_gives_a_different_selection():
    other = draws.seed_of(b"\x11" * 32, b"\x23" * 32, 7)
    assert run().targets != run(seed=other).targets


def test_stratification_takes_ceil_ratio_of_each_class_in_class_order():
    selection = run()
    by_class = {c: [e for k, e in selection.targets if k == c] for c in "ABCD"}
    assert {c: len(v) for c, v in by_class.items()} == {"A": 10, "B": 50, "C": 50, "D": 2}
    assert [k for k, _ in selection.targets] == ["A"] * 10 + ["B"] * 50 + ["C"] * 50 + ["D"] * 2
    for c, picked in by_class.items():
        assert set(picked) <= set(STRATA[c])
        assert len(set(picked)) == len(picked)
    assert sorted(by_class["D"]) == [4001, 4002]


def test_sample_size_rounds_up_and_caps():
    assert draws.sample_size(0, 500) == 0
    assert draws.sample_size(1, 1) == 1
    assert draws.sample_size(10_000, 3) == 3
    assert draws.sample_size(10_001, 3) == 4
    assert draws.sample_size(5, 10_000) == 5


def test_each_target_gets_distinct_inspectors():
    selection = run(per=3)
    assert all(len(set(p)) == 3 for p in selection.inspectors)
    assert len(selection.inspectors) == len(selection.targets)


def test_partial_shuffle_matches_a_plain_fisher_yates():
    stream_a, stream_b = draws.Stream(SEED), draws.Stream(SEED)
    picked = draws.partial_shuffle(50, 20, stream_a)
    array = list(range(50))
    plain = []
    for i in range(20):
        j = i + stream_b.below(50 - i)
        array[i], array[j] = array[j], array[i]
        plain.append(array[i])
    assert picked == plain


def test_below_rejects_the_biased_top():
    class Fixed(draws.Stream):
        def __init__(self, words):
            self._w = list(words)

        def word(self):
            return self._w.pop(0)

    n = 3
    limit = draws.TWO_64 - (draws.TWO_64 % n)
    assert Fixed([limit, limit + 1, 5]).below(n) == 2
    with pytest.raises(ValueError):
        draws.Stream(SEED).below(0)


def test_conflicts_and_recent_inspections_are_never_drawn_for_that_entity():
    inspectors = [
        {"id": 1, "conflicts": [4001], "recent": []},
        {"id": 2, "conflicts": [], "recent": [4001, 4002]},
        {"id": 3, "conflicts": [], "recent": []},
        {"id": 4, "conflicts": [], "recent": []},
        {"id": 5, "conflicts": [4002], "recent": []},
    ]
    selection = run(inspectors=inspectors)
    picks = dict(zip([e for _, e in selection.targets], selection.inspectors, strict=True))
    assert set(picks[4001]) <= {3, 4, 5}
    assert set(picks[4002]) <= {1, 3, 4}


def test_too_few_eligible_inspectors_raises():
    inspectors = [
        {"id": 1, "conflicts": [4001], "recent": []},
        {"id": 2, "conflicts": [], "recent": []},
        {"id": 3, "conflicts": [], "recent": []},
    ]
    assert draws.check_coverage(inspectors, 2) is None
    inspectors[1]["recent"] = [4001]
    failure = draws.check_coverage(inspectors, 2)
    assert (failure.entity_id, failure.eligible, failure.needed) == (4001, 1, 2)
    assert draws.check_coverage(inspectors, 2, in_scope=lambda e: False) is None
    with pytest.raises(draws.TooFewInspectors) as caught:
        run(inspectors=inspectors)
    assert caught.value.entity_id == 4001


def test_canonical_inputs():
    assert draws.entities_bytes({"A": (5).to_bytes(8, "big")}) == (
        b"A"
        + (1).to_bytes(8, "big")
        + (5).to_bytes(8, "big")
        + b"B"
        + bytes(8)
        + b"C"
        + bytes(8)
        + b"D"
        + bytes(8)
    )
    assert draws.inspectors_bytes(
        [{"id": 2, "conflicts": [9, 3], "recent": []}, {"id": 1, "conflicts": [], "recent": [4]}]
    ) == (b'[{"conflicts":[],"id":1,"recent":[4]},{"conflicts":[3,9],"id":2,"recent":[]}]')


def test_the_array_sampler_reads_the_same_words_as_one_at_a_time():
    # m = 2^63 + 1 rejects about half of all words: the rejection path is taken many times
    moduli = [2**63 + 1] * 40 + [7, 1, 9_760_000, 2**63 + 5, 3] * 8
    one_by_one, at_once = draws.Stream(SEED), draws.Stream(SEED)
    expected = [one_by_one.below(m) for m in moduli]
    assert at_once.below_many(moduli).tolist() == expected
    assert at_once.word() == one_by_one.word()  # and both streams stand at the same word after
