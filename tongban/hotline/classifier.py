"""The dispatch classifier (派单建议): from a ticket's text and place, the likely category (诉求分类)
and handling unit (承办单位), learnt from the platform's own dispatched tickets.

Features: the jieba search-mode words of the text and address (`core.search.tokens`) and the
ticket's region at each level (`@42`, `@4201`, `@420102`, ...), weighted sublinear tf × idf and
L2-normalised. Two multinomial logistic regressions (scikit-learn) read them:

- `category`: the ticket's category;
- `kind`: the kind of unit that handled it (承办单位类别): the unit's name without the names of its
  region and the regions above (武汉市江岸区市场监督管理局 and 武汉市洪山区市场监督管理局 are both
  市场监督管理局), so that what the text says is learnt from every district's tickets at once.

Then the routes (派单路由) pick the unit: how often each unit of a kind handled tickets from the
ticket's region, at the deepest level the history knows (township, county, city, province); a
unit's probability is the sum over kinds of P(kind | text) × its share of that kind's tickets
there. (A linear model straight from words to units must learn "超市" anew for each district's
bureau from a handful of tickets; here the text decides the kind and the place the unit, as a
dispatcher does.)

Held-out evaluation: a ticket is in the test set when the SHA-256 of its number, read as a number,
is divisible by 5 (about one in five, the same tickets on every run and every database). The model
is fitted on the rest, stored as data (`DispatchModel.data`: vocabulary, idf, each head's classes,
coefficients rounded to 6 decimals and intercepts, and the route counts; `digest` = SHA-256 of its
canonical JSON) and the held-out accuracy is measured on the stored, rounded model by the same
code that serves suggestions. Loading checks the digest; nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from django.db import transaction

from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict
from tongban.core.search import tokens

from .models_kb import DispatchModel

TEST_MODULUS = 5  # one ticket in five is held out
MIN_SAMPLES = 20
MIN_DF = 2  # a word seen in one ticket only says nothing general
MAX_FEATURES = 20_000
C = 10.0
DECIMALS = 6
SPLIT_RULE = "sha256(number) % 5 == 0 → held out"


@dataclass(frozen=True)
class Sample:
    """One dispatched ticket: what it said, where, and where it went."""

    ref: str  # the ticket number (decides the split)
    text: str
    region_code: str
    category: str
    unit_id: int
    address: str = ""
    unit_kind: str = ""  # filled from the unit's name when empty (`unit_kinds`)


def held_out(ref: str) -> bool:
    return int(hashlib.sha256(ref.encode()).hexdigest(), 16) % TEST_MODULUS == 0


ROUTE_LEVELS = (12, 9, 6, 4, 2, 0)  # region-code prefixes: village .. province, then anywhere


def _digits(region_code: str) -> str:
    return "".join(ch for ch in (region_code or "") if ch.isdigit())[:12]


def route_keys(region_code: str) -> list[str]:
    """The region's prefixes from the deepest to the empty one (anywhere)."""
    code = _digits(region_code)
    keys: list[str] = []
    for n in ROUTE_LEVELS:
        key = code[:n].rstrip("0") if n else ""
        if (n == 0 or len(code) >= n) and key not in keys and (key or n == 0):
            keys.append(key)
    return keys


def features(text: str, region_code: str = "", address: str = "") -> list[str]:
    words = list(tokens(f"{text or ''} {address or ''}"[:2000]))
    words += [f"@{k}" for k in route_keys(region_code) if k]
    return words


def unit_kinds(unit_ids) -> dict[int, str]:
    """Each unit's kind: its name without the names of its region and the regions above it (full
    and without the last character, so 武汉住房公积金管理中心 loses 武汉 too)."""
    out = {}
    for pk, dept in core_queries.departments_by_id(sorted(set(unit_ids))).items():
        name = dept.name
        for region in reversed(core_queries.region_ancestors(dept.region)):
            for part in (region.name, region.name[:-1] if len(region.name) > 2 else ""):
                if part and part in name and name != part:
                    name = name.replace(part, "", 1)
                    break
        out[pk] = name or dept.name
    return out


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- Training ------------------------------------------------------------------------------------


def _vectorise(docs: list[list[str]], index: dict[str, int], idf: np.ndarray):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for i, words in enumerate(docs):
        counts = Counter(w for w in words if w in index)
        if not counts:
            continue
        js = [index[w] for w in counts]
        v = np.array([(1.0 + math.log(counts[w])) for w in counts]) * idf[js]
        v /= np.linalg.norm(v)
        rows += [i] * len(js)
        cols += js
        vals += v.tolist()
    return csr_matrix((vals, (rows, cols)), shape=(len(docs), len(index)))


def _head(x, labels: list[str]) -> dict:
    """Fit a head; return its classes, coefficients and intercepts as plain lists (a binary fit's
    single row becomes two opposite half rows, so that a softmax reads it like the rest)."""
    classes = sorted(set(labels))
    n = x.shape[1]
    if len(classes) == 1:
        return {"classes": classes, "coef": [[0.0] * n], "intercept": [0.0]}
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=3000)
    model.fit(x, labels)
    coef, intercept = model.coef_, model.intercept_
    if coef.shape[0] == 1:
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return {
        "classes": [str(c) for c in model.classes_],
        "coef": np.round(coef, DECIMALS).tolist(),
        "intercept": np.round(intercept, DECIMALS).tolist(),
    }


def _routes(train: list[Sample]) -> dict:
    """{unit kind: {region prefix: {unit id: tickets}}} over every level of each ticket's region."""
    routes: dict[str, dict[str, Counter]] = {}
    for sample in train:
        by_region = routes.setdefault(sample.unit_kind, {})
        for key in route_keys(sample.region_code):
            by_region.setdefault(key, Counter())[str(sample.unit_id)] += 1
    return {
        c: {k: dict(sorted(units.items())) for k, units in sorted(by_region.items())}
        for c, by_region in sorted(routes.items())
    }


@dataclass(frozen=True)
class TrainReport:
    model: DispatchModel
    samples: int
    train: int
    test: int
    category_correct: int
    unit_correct: int

    def lines(self) -> list[str]:
        def pct(k: int) -> str:
            return f"{100 * k / self.test:.1f}%" if self.test else "-"

        return [
            f"模型版本 model v{self.model.pk}: {self.samples} 件已派单工单 dispatched tickets "
            f"({self.train} 训练 train, {self.test} 留出 held out; {SPLIT_RULE})",
            f"诉求分类 category: {self.category_correct}/{self.test} = {pct(self.category_correct)}",
            f"承办单位 handling unit: {self.unit_correct}/{self.test} = {pct(self.unit_correct)}",
        ]


def do_train(*, actor, samples: Iterable[Sample]) -> TrainReport:
    """Fit both heads on the tickets outside the held-out set, store the model (the active one
    from now on), measure it on the held-out tickets, and audit the figures."""
    rows = sorted(samples, key=lambda s: s.ref)
    missing = {s.unit_id for s in rows if not s.unit_kind}
    if missing:
        kinds = unit_kinds(missing)
        rows = [
            s if s.unit_kind else replace(s, unit_kind=kinds.get(s.unit_id, str(s.unit_id))) for s in rows
        ]
    if len(rows) < MIN_SAMPLES:
        raise Conflict(f"已派单的历史工单不足（{len(rows)} 件），至少需要 {MIN_SAMPLES} 件才能训练")
    train = [s for s in rows if not held_out(s.ref)]
    test = [s for s in rows if held_out(s.ref)]
    if len({s.category for s in train}) < 1 or not train:
        raise Conflict("训练集为空")
    docs = [features(s.text, s.region_code, s.address) for s in train]
    df = Counter(w for words in docs for w in set(words))
    kept = sorted((w for w, n in df.items() if n >= MIN_DF), key=lambda w: (-df[w], w))[:MAX_FEATURES]
    vocabulary = sorted(kept)
    index = {w: i for i, w in enumerate(vocabulary)}
    n = len(train)
    idf = np.array([math.log((1 + n) / (1 + df[w])) + 1.0 for w in vocabulary])
    x = _vectorise(docs, index, idf)
    data = {
        "vocabulary": vocabulary,
        "idf": np.round(idf, DECIMALS).tolist(),
        "heads": {
            "category": _head(x, [s.category for s in train]),
            "kind": _head(x, [s.unit_kind for s in train]),
        },
        "routes": _routes(train),
    }
    loaded = Loaded.from_data(data)
    category_correct = sum(1 for s in test if loaded.top("category", s) == s.category)
    unit_correct = sum(1 for s in test if loaded.top("unit", s) == str(s.unit_id))
    with transaction.atomic():
        DispatchModel.objects.filter(is_active=True).update(is_active=False)
        model = DispatchModel.objects.create(
            trained_by=audit.actor_label(actor)[:150],
            samples=len(rows),
            train_count=len(train),
            test_count=len(test),
            category_correct=category_correct,
            unit_correct=unit_correct,
            split=SPLIT_RULE,
            params={"C": C, "min_df": MIN_DF, "features": len(vocabulary), "decimals": DECIMALS},
            data=data,
            digest=_digest(data),
        )
        audit.record(
            actor=actor,
            action="hotline.classifier.trained",
            obj=model,
            data={
                "samples": len(rows),
                "train": len(train),
                "test": len(test),
                "category_correct": category_correct,
                "unit_correct": unit_correct,
                "digest": model.digest,
            },
        )
    return TrainReport(model, len(rows), len(train), len(test), category_correct, unit_correct)


# The tickets at a unit (dispatched, signed for, or further on): the dispatcher's last decision,
# after any returns and arbitration (a returned ticket is back at the platform and not counted).
TRAINING_STATES = ("dispatched", "accepted", "replied", "closed", "visited", "rated")
MAX_HISTORY = 200_000  # the most recent tickets


def training_samples(*, limit: int = MAX_HISTORY) -> list[Sample]:
    """The platform's own dispatched tickets: those at a unit now (after any returns and
    arbitration), with a category, the most recent first."""
    from .models import Ticket

    rows = (
        Ticket.objects.filter(state__in=TRAINING_STATES, unit__isnull=False)
        .exclude(category="")
        .order_by("-id")
        .values_list("number", "text", "region_code", "category", "unit_id", "address")[:limit]
    )
    return [Sample(n, t, r, c, u, a) for n, t, r, c, u, a in rows]


def do_train_from_tickets(*, actor) -> TrainReport:
    return do_train(actor=actor, samples=training_samples())


# --- Predicting ----------------------------------------------------------------------------------


class Loaded:
    """A stored model ready to score: the vocabulary index, idf and each head's arrays."""

    def __init__(self, vocabulary: list[str], idf: list[float], heads: dict, routes: dict):
        self.routes = routes
        self.index = {w: i for i, w in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=float)
        self.heads = {
            name: (
                list(h["classes"]),
                np.asarray(h["coef"], dtype=float),
                np.asarray(h["intercept"], dtype=float),
            )
            for name, h in heads.items()
        }

    @classmethod
    def from_data(cls, data: dict) -> Loaded:
        return cls(data["vocabulary"], data["idf"], data["heads"], data["routes"])

    def vector(self, words: list[str]) -> tuple[list[int], np.ndarray]:
        counts = Counter(w for w in words if w in self.index)
        js = [self.index[w] for w in counts]
        if not js:
            return [], np.zeros(0)
        v = np.array([1.0 + math.log(counts[w]) for w in counts]) * self.idf[js]
        return js, v / np.linalg.norm(v)

    def probabilities(self, head: str, words: list[str]) -> list[tuple[str, float]]:
        """Each class with its probability, most likely first (ties by class)."""
        classes, coef, intercept = self.heads[head]
        js, v = self.vector(words)
        scores = intercept + (coef[:, js] @ v if js else 0.0)
        scores = scores - scores.max()
        p = np.exp(scores)
        p /= p.sum()
        return sorted(zip(classes, p.tolist(), strict=True), key=lambda cp: (-cp[1], cp[0]))

    def units(self, kinds: list[tuple[str, float]], region_code: str) -> list[tuple[str, float]]:
        """Each unit with P(unit) = Σ P(kind) × its share of the kind's tickets at the deepest
        level of the region the history holds; most likely first (ties by unit)."""
        keys = route_keys(region_code)
        out: Counter = Counter()
        for kind, p in kinds:
            by_region = self.routes.get(kind, {})
            counts = next((by_region[k] for k in keys if k in by_region), None)
            if not counts:
                continue
            total = sum(counts.values())
            for unit, n in counts.items():
                out[unit] += p * n / total
        return sorted(out.items(), key=lambda up: (-up[1], up[0]))

    def top(self, head: str, s: Sample) -> str:
        words = features(s.text, s.region_code, s.address)
        if head == "category":
            return self.probabilities("category", words)[0][0]
        units = self.units(self.probabilities("kind", words), s.region_code)
        return units[0][0] if units else ""


def active_model() -> DispatchModel | None:
    return DispatchModel.objects.filter(is_active=True).order_by("-id").defer("data").first()


@lru_cache(maxsize=2)
def _load(pk: int, digest: str) -> Loaded:
    data = DispatchModel.objects.values_list("data", flat=True).get(pk=pk)
    if _digest(data) != digest:
        raise Conflict(f"派单建议模型 v{pk} 的校验值不符，已停用；请重新训练")
    return Loaded.from_data(data)


def load(model: DispatchModel) -> Loaded:
    """The stored model, checked against its digest (cached per version and digest)."""
    return _load(model.pk, model.digest)
