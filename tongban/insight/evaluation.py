"""The annual evaluation (年度评估): scheme versions and the scoring of cities and counties.

Modelled on the national online-service capability evaluation (一体化政务服务能力调查评估): five
dimensions (`Dimension`: 服务方式完备度, 服务事项覆盖度, 办事指南准确度, 在线办理成熟度, 服务成效度),
each with weighted sub-indicators. A sub-indicator measures either a platform indicator
(`insight.indicators.INDICATORS` id, read with `insight.queries.breakdown` over the year) or a
catalogue measure (`CATALOG_MEASURES`, read from `catalog.queries`: today's catalogue, since the
catalogue keeps no history of its flags). Its rule turns the raw value into 0-100
(`Rule.LINEAR`: 0 at `floor`, 100 at `target`; `Rule.STEP`: 100 when the target is reached); its
contribution is score × weight ÷ 100, and the weights of a version sum to 100, so a total is out
of 100. A missing value (no cases in the year) scores 0 and says so.

Scheme versions (指标体系版本) are data: a platform administrator drafts one (a copy of the latest,
or the default), edits it, submits it; ANOTHER platform administrator publishes it or returns it
(four eyes). A published version is immutable. Every write is audited in its transaction.

`do_run_evaluation(year, scheme_version, actor=)` scores every city of the province and every
county of each city, ranks siblings (cities in the province, counties in their city; equal
totals share a rank), grades them by the version's bands and compares with the previous year's
run. One run per year; a re-run replaces its scores (same inputs, same numbers) and refreshes the
following year's comparison.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.catalog import queries as catalog_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.enums import RegionLevel
from tongban.core.errors import Conflict, FieldProblem, InvalidInput, NotFound

from .enums_evaluation import Dimension, Grade, Rule, SchemeState, Source
from .models_evaluation import EvaluationRun, EvaluationScheme, RegionScore, SchemeIndicator, ScoreLine

log = logging.getLogger(__name__)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
FIRST_YEAR = 2000
MAX_LINES = 40


# --- Measures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogMeasure:
    id: str
    name: object  # lazy Chinese label
    unit: str
    formula: str
    numerator: str  # keys of the catalogue rows (catalog.queries)
    denominator: str
    source: str  # "guides" (guide_measures_by_region) or "items" (indicators_by_region)


CATALOG_MEASURES: dict[str, CatalogMeasure] = {
    m.id: m
    for m in (
        CatalogMeasure(
            "guide_completeness",
            _("办事指南要素完整率"),
            "%",
            "要素齐全的办事指南数 ÷ 在用实施清单事项数",
            "complete",
            "total",
            "guides",
        ),
        CatalogMeasure(
            "guide_consistency",
            _("四级四同一致率"),
            "%",
            "名称、类型、设定依据、编码与基本目录一致的事项数 ÷ 在用实施清单事项数",
            "consistent",
            "total",
            "guides",
        ),
        CatalogMeasure(
            "basic_coverage",
            _("基本目录事项认领率"),
            "%",
            "本地区已编制实施清单的基本目录事项数 ÷ 本层级及以下行使的基本目录事项数",
            "basic_codes",
            "basic_expected",
            "guides",
        ),
        CatalogMeasure(
            "items_online",
            _("事项可网办率"),
            "%",
            "可网办事项数 ÷ 在用实施清单事项数",
            "online",
            "total",
            "items",
        ),
        CatalogMeasure(
            "items_fully_online",
            _("事项全程网办率"),
            "%",
            "全程网办事项数 ÷ 在用实施清单事项数",
            "fully_online",
            "total",
            "items",
        ),
        CatalogMeasure(
            "items_at_most_once",
            _("最多跑一次事项比率"),
            "%",
            "最多跑一次事项数 ÷ 在用实施清单事项数",
            "at_most_once",
            "total",
            "items",
        ),
        CatalogMeasure(
            "items_zero_visit",
            _("零跑动事项比率"),
            "%",
            "零跑动事项数 ÷ 在用实施清单事项数",
            "zero_visit",
            "total",
            "items",
        ),
        CatalogMeasure(
            "items_nearby",
            _("就近办事项比率"),
            "%",
            "可就近办事项数 ÷ 在用实施清单事项数",
            "nearby",
            "total",
            "items",
        ),
        CatalogMeasure(
            "items_immediate",
            _("即办事项比率"),
            "%",
            "即办（马上办）事项数 ÷ 在用实施清单事项数",
            "immediate",
            "total",
            "items",
        ),
    )
}


def platform_indicators() -> dict:
    """insight-core's indicator definitions (id → Indicator)."""
    from .indicators import INDICATORS

    return INDICATORS


def measure_choices() -> list[tuple[str, str, str]]:
    """(source, measure id, label) of every measure a line may use."""
    out = [(Source.INDICATOR.value, k, str(i.name)) for k, i in platform_indicators().items()]
    out += [(Source.CATALOG.value, k, str(m.name)) for k, m in CATALOG_MEASURES.items()]
    return out


def describe_measure(source: str, measure: str) -> tuple[str, str]:
    """(unit, formula) of a measure, for the computation shown."""
    if source == Source.CATALOG:
        m = CATALOG_MEASURES[measure]
        return m.unit, m.formula
    ind = platform_indicators()[measure]
    return ind.unit, str(ind.formula)


@dataclass(frozen=True)
class Value:
    raw: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def _dec(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _ratio(num, den) -> Value:
    num, den = Decimal(num or 0), Decimal(den or 0)
    if not den:
        return Value(None, num, den)
    return Value((HUNDRED * num / den).quantize(CENT, ROUND_HALF_UP), num, den)


def children_values(parent_code: str, lines, *, date_from: dt.date, date_to: dt.date) -> dict[str, dict]:
    """child region code → {(source, measure): Value} for the measures of `lines`."""
    out: dict[str, dict] = {}
    wanted_catalog = {ln.measure for ln in lines if ln.source == Source.CATALOG}
    sources = {CATALOG_MEASURES[m].source for m in wanted_catalog}
    rows_by_source: dict[str, list] = {}
    if "guides" in sources:
        rows_by_source["guides"] = catalog_queries.guide_measures_by_region(parent_code)
    if "items" in sources:
        rows_by_source["items"] = catalog_queries.indicators_by_region(parent_code)
    for m in wanted_catalog:
        cm = CATALOG_MEASURES[m]
        for region, row in rows_by_source[cm.source]:
            out.setdefault(region.code, {})[(Source.CATALOG.value, m)] = _ratio(
                row.get(cm.numerator), row.get(cm.denominator)
            )
    from . import queries as insight_queries

    for m in sorted({ln.measure for ln in lines if ln.source == Source.INDICATOR}):
        for rv in insight_queries.breakdown(m, region=parent_code, date_from=date_from, date_to=date_to):
            out.setdefault(rv.code, {})[(Source.INDICATOR.value, m)] = Value(
                _dec(rv.value), _dec(rv.numerator), _dec(rv.denominator)
            )
    return out


# --- Scoring (pure) ---------------------------------------------------------------------------


def normalise(raw: Decimal | None, *, rule: str, floor: Decimal, target: Decimal) -> Decimal:
    """A raw value's 0-100 score under a rule (see the module doc); None scores 0."""
    if raw is None or floor == target:
        return Decimal(0).quantize(CENT)
    if rule == Rule.STEP:
        reached = raw >= target if target > floor else raw <= target
        return (HUNDRED if reached else Decimal(0)).quantize(CENT)
    share = (raw - floor) / (target - floor)
    share = min(Decimal(1), max(Decimal(0), share))
    return (share * HUNDRED).quantize(CENT, ROUND_HALF_UP)


def grade_of(total: Decimal, scheme: EvaluationScheme) -> str:
    if total >= scheme.grade_first:
        return Grade.FIRST
    if total >= scheme.grade_second:
        return Grade.SECOND
    if total >= scheme.grade_third:
        return Grade.THIRD
    return Grade.FOURTH


def rank(totals: list[tuple[str, Decimal]]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) by total, highest first; ties by code for the order."""
    ordered = sorted(totals, key=lambda t: (-t[1], t[0]))
    out: dict[str, int] = {}
    for i, (code, total) in enumerate(ordered):
        out[code] = out[ordered[i - 1][0]] if i and total == ordered[i - 1][1] else i + 1
    return out


@dataclass
class Computed:
    region: object
    parent_code: str
    lines: list[ScoreLine]
    total: Decimal
    dimensions: dict[str, str]


def score_region(region, parent_code: str, lines, values: dict) -> Computed:
    out: list[ScoreLine] = []
    dims = {d: Decimal(0) for d in Dimension.values}
    for ln in lines:
        v = values.get((ln.source, ln.measure)) or Value(None)
        norm = normalise(v.raw, rule=ln.rule, floor=ln.floor, target=ln.target)
        contribution = (norm * ln.weight / HUNDRED).quantize(MILLI, ROUND_HALF_UP)
        dims[ln.dimension] += contribution
        unit, formula = describe_measure(ln.source, ln.measure)
        out.append(
            ScoreLine(
                order=ln.order,
                dimension=ln.dimension,
                code=ln.code,
                name=ln.name,
                source=ln.source,
                measure=ln.measure,
                unit=unit,
                formula=formula[:300],
                raw=v.raw,
                numerator=v.numerator,
                denominator=v.denominator,
                rule=ln.rule,
                floor=ln.floor,
                target=ln.target,
                normalised=norm,
                weight=ln.weight,
                contribution=contribution,
            )
        )
    total = sum(dims.values(), Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    return Computed(
        region, parent_code, out, total, {d: str(s.quantize(CENT, ROUND_HALF_UP)) for d, s in dims.items()}
    )


# --- Who may ------------------------------------------------------------------------------------


def is_platform_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or account_queries.has_role(
        user, StaffRole.PLATFORM_ADMIN
    )


def _is_system(actor) -> bool:
    return isinstance(actor, str) and actor.startswith("system")


def check_may_manage(actor) -> None:
    """Scheme versions and runs are the platform administrators' (a system actor: the demo)."""
    if not (_is_system(actor) or is_platform_admin(actor)):
        raise NotFound()


# --- Reads --------------------------------------------------------------------------------------


def schemes() -> QuerySet[EvaluationScheme]:
    return EvaluationScheme.objects.all()


def published_schemes() -> QuerySet[EvaluationScheme]:
    return EvaluationScheme.objects.filter(state=SchemeState.PUBLISHED)


def access_scheme(actor, version) -> EvaluationScheme:
    check_may_manage(actor)
    try:
        number = int(version)
        if not 0 < number < 2**31:
            raise ValueError
        return EvaluationScheme.objects.prefetch_related("lines").get(version=number)
    except (EvaluationScheme.DoesNotExist, TypeError, ValueError):
        raise NotFound("没有找到该指标体系版本") from None


def runs() -> QuerySet[EvaluationRun]:
    return EvaluationRun.objects.select_related("scheme")


def check_year(value, *, field: str = "year") -> int:
    try:
        if isinstance(value, bool | float):
            raise ValueError
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "年度须为四位数字，如 2026") from None
    last = this_year()
    if not FIRST_YEAR <= year <= last:
        raise InvalidInput.field(field, f"年度须在{FIRST_YEAR}到{last}之间")
    return year


def get_run(year) -> EvaluationRun:
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise NotFound("没有该年度的评估") from None
    if not FIRST_YEAR <= y <= 9999:
        raise NotFound("没有该年度的评估")
    run = runs().filter(year=y).first()
    if run is None:
        raise NotFound("没有该年度的评估")
    return run


def _with_dimensions(scores) -> list[RegionScore]:
    """Scores with `dim_list`: (label, score) of the five dimensions in Dimension order (for tables)."""
    rows = list(scores)
    for s in rows:
        s.dim_list = [(label, s.dimensions.get(d, "0.00")) for d, label in Dimension.choices]
    return rows


def city_scores(run: EvaluationRun) -> list[RegionScore]:
    return _with_dimensions(run.scores.filter(parent_code=run.province).order_by("rank", "region_code"))


def county_scores(run: EvaluationRun, city_code: str) -> list[RegionScore]:
    return _with_dimensions(run.scores.filter(parent_code=city_code).order_by("rank", "region_code"))


def get_score(run: EvaluationRun, region_code: str) -> RegionScore:
    code = (region_code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) in (6, 12)):
        raise NotFound("该地区没有本年度的评估得分")
    code = code.ljust(12, "0")
    score = run.scores.filter(region_code=code).first()
    if score is None:
        raise NotFound("该地区没有本年度的评估得分")
    return score


def score_lines(score: RegionScore) -> list[ScoreLine]:
    return list(score.lines.all())


def dimension_weights(scheme: EvaluationScheme) -> dict[str, Decimal]:
    out = {d: Decimal(0) for d in Dimension.values}
    for ln in scheme.lines.all():
        out[ln.dimension] += ln.weight
    return out


def this_year() -> int:
    return timezone.localdate().year


HEADER_FIELDS = ("name", "effective_year", "notes", "grade_first", "grade_second", "grade_third")


def header_of(scheme: EvaluationScheme) -> dict:
    return {k: getattr(scheme, k) for k in HEADER_FIELDS}


def may_review(actor, scheme: EvaluationScheme) -> bool:
    """Another platform administrator than the submitter (four eyes)."""
    return is_platform_admin(actor) and audit.actor_label(actor) != scheme.submitted_by


def parent_score(run: EvaluationRun, score: RegionScore) -> RegionScore | None:
    return run.scores.filter(region_code=score.parent_code).first()


def sibling_count(run: EvaluationRun, score: RegionScore) -> int:
    return run.scores.filter(parent_code=score.parent_code).count()


ACTION_LABELS = {
    "insight.scheme.create": _("创建草稿"),
    "insight.scheme.edit": _("修改草稿"),
    "insight.scheme.submit": _("提交审核"),
    "insight.scheme.publish": _("发布"),
    "insight.scheme.return": _("退回修改"),
}


def history(scheme: EvaluationScheme) -> list:
    """The audit events of a version, oldest first."""
    rows = list(
        core_queries.audit_events_for(scheme._meta.label_lower, scheme.pk)
        .filter(action__in=list(ACTION_LABELS))
        .order_by("seq")
    )
    for e in rows:
        e.label = ACTION_LABELS[e.action]
    return rows


# --- Scheme checks ------------------------------------------------------------------------------


def _decimal(value, *, field: str, label: str, low=None, high=None) -> Decimal:
    text = str(value).strip() if value is not None else ""
    try:
        if isinstance(value, bool) or not text:
            raise InvalidOperation
        number = Decimal(text)
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise InvalidInput.field(field, f"{label}须为数字") from None
    if low is not None and number < low:
        raise InvalidInput.field(field, f"{label}不能小于{low}")
    if high is not None and number > high:
        raise InvalidInput.field(field, f"{label}不能大于{high}")
    if abs(number) >= Decimal("1e10") or -number.as_tuple().exponent > 4:
        raise InvalidInput.field(field, f"{label}最多保留4位小数")
    return number


def check_line(data: dict, *, prefix: str) -> dict:
    """One sub-indicator from a form or seed (`prefix` names its fields, e.g. lines.3)."""
    problems: list[FieldProblem] = []

    def text(key, label, limit):
        value = data.get(key)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            problems.append(FieldProblem(f"{prefix}.{key}", f"请填写{label}"))
        elif len(value) > limit:
            problems.append(FieldProblem(f"{prefix}.{key}", f"{label}不能超过{limit}字"))
        return value

    out = {"code": text("code", "指标编号", 20), "name": text("name", "二级指标名称", 100)}
    dimension = data.get("dimension")
    if dimension not in Dimension.values:
        problems.append(FieldProblem(f"{prefix}.dimension", "一级指标须为五个维度之一"))
    source, measure = data.get("source"), data.get("measure")
    if (source == Source.CATALOG and measure in CATALOG_MEASURES) or (
        source == Source.INDICATOR and measure in platform_indicators()
    ):
        pass
    else:
        problems.append(
            FieldProblem(f"{prefix}.measure", f"度量 {str(measure)[:60]} 不是平台指标或事项目录度量")
        )
    rule = data.get("rule") or Rule.LINEAR
    if rule not in Rule.values:
        problems.append(FieldProblem(f"{prefix}.rule", "计分规则须为线性或达标"))
    nums = {}
    for key, label, low, high in (
        ("weight", "权重", Decimal("0.01"), HUNDRED),
        ("floor", "零分值", None, None),
        ("target", "满分值", None, None),
    ):
        try:
            nums[key] = _decimal(data.get(key), field=f"{prefix}.{key}", label=label, low=low, high=high)
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if "floor" in nums and "target" in nums and nums["floor"] == nums["target"]:
        problems.append(FieldProblem(f"{prefix}.target", "满分值不能等于零分值"))
    if problems:
        raise InvalidInput(f"{problems[0].field}：{problems[0].message}", problems=problems)
    order = data.get("order")
    return (
        out
        | {
            "dimension": dimension,
            "source": source,
            "measure": measure,
            "rule": rule,
            "order": int(order) if str(order or "").isdigit() else 0,
        }
        | nums
    )


def check_header(data: dict) -> dict:
    problems: list[FieldProblem] = []
    name = data.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        problems.append(FieldProblem("name", "请填写指标体系名称"))
    elif len(name) > 200:
        problems.append(FieldProblem("name", "名称不能超过200字"))
    out: dict = {"name": name}
    try:
        out["effective_year"] = check_year_any(data.get("effective_year"), field="effective_year")
    except InvalidInput as exc:
        problems.extend(exc.problems)
    notes = data.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > 2000:
        problems.append(FieldProblem("notes", "说明不能超过2000字"))
    out["notes"] = notes.strip() if isinstance(notes, str) else ""
    for key, label in (
        ("grade_first", "第一方阵下限"),
        ("grade_second", "第二方阵下限"),
        ("grade_third", "第三方阵下限"),
    ):
        try:
            out[key] = _decimal(data.get(key), field=key, label=label, low=Decimal(0), high=HUNDRED)
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if not problems and not out["grade_first"] > out["grade_second"] > out["grade_third"]:
        problems.append(FieldProblem("grade_second", "方阵下限须依次降低：第一 > 第二 > 第三"))
    if problems:
        raise InvalidInput(f"{problems[0].field}：{problems[0].message}", problems=problems)
    return out


def check_year_any(value, *, field: str) -> int:
    """A scheme's effective year: may lie one year ahead (a scheme is published before its year)."""
    try:
        if isinstance(value, bool | float):
            raise ValueError
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "年度须为四位数字，如 2026") from None
    last = timezone.localdate().year + 1
    if not FIRST_YEAR <= year <= last:
        raise InvalidInput.field(field, f"年度须在{FIRST_YEAR}到{last}之间")
    return year


def check_complete(scheme: EvaluationScheme) -> None:
    """What submitting and publishing need: every dimension has a line, the weights sum to 100,
    each line's measure still exists, no code twice."""
    lines = list(scheme.lines.all())
    problems: list[FieldProblem] = []
    if not lines:
        problems.append(FieldProblem("lines", "指标体系至少需要一项二级指标"))
    total = sum((ln.weight for ln in lines), Decimal(0))
    if lines and total != HUNDRED:
        problems.append(FieldProblem("weight", f"各项权重之和须为100（当前为{total.normalize():f}）"))
    present = {ln.dimension for ln in lines}
    for d in Dimension:
        if lines and d.value not in present:
            problems.append(FieldProblem("dimension", f"一级指标“{d.label}”没有二级指标"))
    for ln in lines:
        known = CATALOG_MEASURES if ln.source == Source.CATALOG else platform_indicators()
        if ln.measure not in known:
            problems.append(FieldProblem(f"lines.{ln.code}.measure", f"度量 {ln.measure} 已不存在"))
    if problems:
        raise InvalidInput(f"{problems[0].field}：{problems[0].message}", problems=problems)


# --- Scheme writes ------------------------------------------------------------------------------


def _lock(version: int) -> EvaluationScheme:
    scheme = EvaluationScheme.objects.select_for_update().filter(version=version).first()
    if scheme is None:
        raise NotFound("没有找到该指标体系版本")
    return scheme


def _lines_audit(scheme: EvaluationScheme) -> list[dict]:
    return [
        {
            "code": ln.code,
            "dimension": ln.dimension,
            "measure": f"{ln.source}:{ln.measure}",
            "weight": str(ln.weight),
            "rule": ln.rule,
            "floor": str(ln.floor),
            "target": str(ln.target),
        }
        for ln in scheme.lines.all()
    ]


def _write_lines(scheme: EvaluationScheme, lines: list[dict]) -> None:
    seen: set[str] = set()
    for i, ln in enumerate(lines):
        if ln["code"] in seen:
            raise InvalidInput.field(f"lines.{i}.code", f"指标编号 {ln['code']} 重复")
        seen.add(ln["code"])
    scheme.lines.all().delete()
    SchemeIndicator.objects.bulk_create(
        [
            SchemeIndicator(scheme=scheme, **(ln | {"order": ln.get("order") or (i + 1) * 10}))
            for i, ln in enumerate(lines)
        ]
    )


@transaction.atomic
def do_create_scheme(*, actor, header: dict, lines: list[dict] | None = None, based_on: int | None = None):
    """A new draft version (the next number): `lines` as given, or copied from version
    `based_on` (its header too, unless given)."""
    check_may_manage(actor)
    source = None
    if based_on is not None:
        if not (isinstance(based_on, int) and 0 < based_on < 2**31):
            raise InvalidInput.field("based_on", "要复制的版本不存在")
        source = EvaluationScheme.objects.filter(version=based_on).first()
        if source is None:
            raise InvalidInput.field("based_on", "要复制的版本不存在")
    if lines is None and source is not None:
        lines = [
            {f: getattr(ln, f) for f in ("dimension", "code", "name", "source", "measure", "weight", "rule")}
            | {"floor": ln.floor, "target": ln.target, "order": ln.order}
            for ln in source.lines.all()
        ]
    checked = check_header(header)
    problems: list[FieldProblem] = []
    clean: list[dict] = []
    if len(lines or []) > MAX_LINES:
        raise InvalidInput.field("lines", f"二级指标不能超过{MAX_LINES}项")
    for i, ln in enumerate(lines or []):
        try:
            clean.append(check_line(ln, prefix=f"lines.{i}"))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(f"{problems[0].field}：{problems[0].message}", problems=problems)
    # Serialise version numbers (SQLite: the IMMEDIATE transaction; PostgreSQL: the lock on the
    # latest row; two first versions at once: the unique version refuses the second).
    EvaluationScheme.objects.select_for_update().order_by("-version").first()
    version = (EvaluationScheme.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    try:
        with transaction.atomic():
            scheme = EvaluationScheme.objects.create(
                version=version, based_on=source, created_by=audit.actor_label(actor), **checked
            )
    except IntegrityError:
        raise Conflict("另一位管理员同时创建了新版本，请刷新后重试") from None
    _write_lines(scheme, clean)
    audit.record(
        actor=actor,
        action="insight.scheme.create",
        obj=scheme,
        data={"version": version, "based_on": based_on, "name": scheme.name, "lines": _lines_audit(scheme)},
    )
    return scheme


@transaction.atomic
def do_edit_scheme(*, actor, version: int, header: dict, lines: list[dict]) -> EvaluationScheme:
    """Replace a draft's header and lines. A submitted or published version is not editable."""
    check_may_manage(actor)
    scheme = _lock(version)
    if scheme.state != SchemeState.DRAFT:
        raise Conflict("只有草稿可以修改；已发布的版本不可修改，请复制为新版本")
    checked = check_header(header)
    problems: list[FieldProblem] = []
    clean = []
    if len(lines) > MAX_LINES:
        raise InvalidInput.field("lines", f"二级指标不能超过{MAX_LINES}项")
    for i, ln in enumerate(lines):
        try:
            clean.append(check_line(ln, prefix=f"lines.{i}"))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(f"{problems[0].field}：{problems[0].message}", problems=problems)
    for key, value in checked.items():
        setattr(scheme, key, value)
    scheme.save()
    _write_lines(scheme, clean)
    audit.record(
        actor=actor,
        action="insight.scheme.edit",
        obj=scheme,
        data={"version": scheme.version, "name": scheme.name, "lines": _lines_audit(scheme)},
    )
    return scheme


@transaction.atomic
def do_submit_scheme(*, actor, version: int) -> EvaluationScheme:
    check_may_manage(actor)
    scheme = _lock(version)
    if scheme.state != SchemeState.DRAFT:
        raise Conflict("只有草稿可以提交审核")
    check_complete(scheme)
    scheme.state = SchemeState.SUBMITTED
    scheme.submitted_by = audit.actor_label(actor)
    scheme.submitted_at = timezone.now()
    scheme.review_comment = ""
    scheme.save(update_fields=["state", "submitted_by", "submitted_at", "review_comment"])
    audit.record(actor=actor, action="insight.scheme.submit", obj=scheme, data={"version": scheme.version})
    return scheme


def _check_other_reviewer(actor, scheme: EvaluationScheme) -> None:
    if not _is_system(actor) and audit.actor_label(actor) == scheme.submitted_by:
        raise Conflict("四眼原则：提交人不能审核自己提交的版本，请由另一位平台管理员审核")


@transaction.atomic
def do_publish_scheme(*, actor, version: int) -> EvaluationScheme:
    """Publish a submitted version (four eyes: not by its submitter). It is immutable from now."""
    check_may_manage(actor)
    scheme = _lock(version)
    if scheme.state != SchemeState.SUBMITTED:
        raise Conflict("只有待审核的版本可以发布")
    _check_other_reviewer(actor, scheme)
    check_complete(scheme)
    scheme.state = SchemeState.PUBLISHED
    scheme.published_by = audit.actor_label(actor)
    scheme.published_at = timezone.now()
    scheme.save(update_fields=["state", "published_by", "published_at"])
    audit.record(
        actor=actor,
        action="insight.scheme.publish",
        obj=scheme,
        data={
            "version": scheme.version,
            "effective_year": scheme.effective_year,
            "lines": _lines_audit(scheme),
        },
    )
    return scheme


@transaction.atomic
def do_return_scheme(*, actor, version: int, comment: str) -> EvaluationScheme:
    """Send a submitted version back to draft with a comment (four eyes, as publishing)."""
    check_may_manage(actor)
    scheme = _lock(version)
    if scheme.state != SchemeState.SUBMITTED:
        raise Conflict("只有待审核的版本可以退回")
    _check_other_reviewer(actor, scheme)
    comment = comment.strip() if isinstance(comment, str) else ""
    if not comment:
        raise InvalidInput.field("comment", "退回时请写明需要修改的内容")
    if len(comment) > 500:
        raise InvalidInput.field("comment", "退回意见不能超过500字")
    scheme.state = SchemeState.DRAFT
    scheme.review_comment = comment
    scheme.save(update_fields=["state", "review_comment"])
    audit.record(
        actor=actor,
        action="insight.scheme.return",
        obj=scheme,
        data={"version": scheme.version, "comment": comment},
    )
    return scheme


# --- The run ------------------------------------------------------------------------------------


def province_code() -> str:
    province = core_queries.provinces().order_by("code").first()
    if province is None:
        raise Conflict("尚未导入行政区划，无法评估")
    return province.code


def evaluated_regions(province: str) -> list[tuple[object, str]]:
    """(region, parent code): the province's cities, then each city's counties."""
    cities = [c for c in core_queries.region_children(province) if c.level == RegionLevel.CITY]
    out = [(c, province) for c in cities]
    for c in cities:
        out += [(k, c.code) for k in core_queries.region_children(c.code) if k.level == RegionLevel.COUNTY]
    return out


def compute(scheme: EvaluationScheme, *, year: int, province: str) -> list[Computed]:
    """Every city's and county's score under `scheme` for `year` (reads only)."""
    lines = list(scheme.lines.all())
    date_from, date_to = dt.date(year, 1, 1), dt.date(year, 12, 31)
    regions = evaluated_regions(province)
    parents = [province, *sorted({p for _, p in regions if p != province})]
    values: dict[str, dict] = {}
    for parent in parents:
        values.update(children_values(parent, lines, date_from=date_from, date_to=date_to))
    return [score_region(r, p, lines, values.get(r.code, {})) for r, p in regions]


def _previous(year: int) -> dict[str, tuple[Decimal, int]]:
    prev = EvaluationRun.objects.filter(year=year - 1).first()
    if prev is None:
        return {}
    return {s.region_code: (s.total, s.rank) for s in prev.scores.only("region_code", "total", "rank")}


def do_run_evaluation(
    year, scheme_version, *, actor, on_progress: Callable[[str], None] | None = None
) -> EvaluationRun:
    """Score every city and county for `year` under a published scheme version (see the module
    doc). Bad year or version: InvalidInput naming the field, nothing written."""
    check_may_manage(actor)
    year = check_year(year)
    try:
        version = int(str(scheme_version).strip())
        if not 0 < version < 2**31:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInput.field("scheme_version", "请选择指标体系版本") from None
    scheme = EvaluationScheme.objects.prefetch_related("lines").filter(version=version).first()
    if scheme is None:
        raise InvalidInput.field("scheme_version", f"指标体系版本 v{version} 不存在")
    if scheme.state != SchemeState.PUBLISHED:
        raise InvalidInput.field("scheme_version", f"指标体系版本 v{version} 尚未发布，不能用于评估")
    province = province_code()
    computed = compute(scheme, year=year, province=province)
    if on_progress:
        on_progress(f"evaluation {year}: {len(computed)} regions scored under v{version}")
    with transaction.atomic():
        run = EvaluationRun.objects.select_for_update().filter(year=year).first()
        previous_version = run.scheme.version if run else None
        now = timezone.now()
        if run is None:
            run = EvaluationRun(year=year)
        run.scheme = scheme
        run.province = province
        run.date_from, run.date_to = dt.date(year, 1, 1), dt.date(year, 12, 31)
        run.computed_by = audit.actor_label(actor)
        run.computed_at = now
        run.regions = len(computed)
        run.save()
        run.scores.all().delete()
        _store(run, scheme, computed, previous=_previous(year))
        _refresh_next_year(year)
        audit.record(
            actor=actor,
            action="insight.evaluation.run",
            obj=run,
            data={
                "year": year,
                "scheme_version": scheme.version,
                "replaced_version": previous_version,
                "regions": len(computed),
                "top": [(s.region_code, str(s.total)) for s in city_scores(run)[:3]],
            },
        )
    return run


def _store(run: EvaluationRun, scheme, computed: list[Computed], *, previous: dict) -> None:
    by_parent: dict[str, list[tuple[str, Decimal]]] = {}
    for c in computed:
        by_parent.setdefault(c.parent_code, []).append((c.region.code, c.total))
    ranks: dict[str, int] = {}
    for siblings in by_parent.values():
        ranks.update(rank(siblings))
    scores = RegionScore.objects.bulk_create(
        [
            RegionScore(
                run=run,
                region_code=c.region.code,
                region_name=c.region.name,
                parent_code=c.parent_code,
                level=c.region.level,
                total=c.total,
                dimensions=c.dimensions,
                rank=ranks[c.region.code],
                grade=grade_of(c.total, scheme),
                previous_total=previous.get(c.region.code, (None, None))[0],
                previous_rank=previous.get(c.region.code, (None, None))[1],
            )
            for c in computed
        ]
    )
    if any(s.pk is None for s in scores):  # backends without RETURNING ids
        ids = dict(run.scores.values_list("region_code", "pk"))
        for s in scores:
            s.pk = ids[s.region_code]
    lines = []
    for s, c in zip(scores, computed, strict=True):
        for ln in c.lines:
            ln.score_id = s.pk
            lines.append(ln)
    ScoreLine.objects.bulk_create(lines, batch_size=1000)


def _refresh_next_year(year: int) -> None:
    nxt = EvaluationRun.objects.filter(year=year + 1).first()
    if nxt is None:
        return
    previous = _previous(year + 1)
    rows = list(nxt.scores.all())
    for s in rows:
        s.previous_total, s.previous_rank = previous.get(s.region_code, (None, None))
    RegionScore.objects.bulk_update(rows, ["previous_total", "previous_rank"], batch_size=500)


# --- The default scheme (the demo's and the tests' first version) --------------------------------


def default_lines() -> list[dict]:
    """The first scheme (the demo's, and the workbench's default draft): 20 points per dimension,
    catalogue measures and the platform's case indicators, linear between the thresholds."""
    cat, ind = Source.CATALOG.value, Source.INDICATOR.value
    spec = [
        # 服务方式完备度 (20)
        (Dimension.MODES, "1.1", "事项可网办率", cat, "items_online", 8, 50, 100),
        (Dimension.MODES, "1.2", "就近办事项比率", cat, "items_nearby", 6, 0, 60),
        (Dimension.MODES, "1.3", "网办件比率", ind, "online_case_rate", 6, 20, 90),
        # 服务事项覆盖度 (20)
        (Dimension.COVERAGE, "2.1", "基本目录事项认领率", cat, "basic_coverage", 12, 20, 80),
        (Dimension.COVERAGE, "2.2", "即办事项比率", cat, "items_immediate", 8, 0, 40),
        # 办事指南准确度 (20)
        (Dimension.GUIDES, "3.1", "办事指南要素完整率", cat, "guide_completeness", 10, 0, 60),
        (Dimension.GUIDES, "3.2", "四级四同一致率", cat, "guide_consistency", 10, 80, 100),
        # 在线办理成熟度 (20)
        (Dimension.MATURITY, "4.1", "事项全程网办率", cat, "items_fully_online", 8, 20, 90),
        (Dimension.MATURITY, "4.2", "最多跑一次事项比率", cat, "items_at_most_once", 6, 60, 100),
        (Dimension.MATURITY, "4.3", "零跑动率（办件）", ind, "zero_trip_rate", 6, 0, 80),
        # 服务成效度 (20)
        (Dimension.EFFECT, "5.1", "按时办结率", ind, "on_time_rate", 10, 80, 100),
        (Dimension.EFFECT, "5.2", "平均减少办理天数", ind, "avg_days_saved", 5, 0, 10),
        (Dimension.EFFECT, "5.3", "即办件占比", ind, "immediate_share", 5, 0, 50),
    ]
    return [
        {
            "dimension": d.value,
            "code": code,
            "name": name,
            "source": src,
            "measure": measure,
            "weight": Decimal(w),
            "rule": Rule.LINEAR.value,
            "floor": Decimal(lo),
            "target": Decimal(hi),
            "order": i * 10,
        }
        for i, (d, code, name, src, measure, w, lo, hi) in enumerate(spec, start=1)
    ]


DEFAULT_HEADER = {
    "name": "市县一体化政务服务能力评估指标体系",
    "notes": "参照全国一体化政务服务能力调查评估的五个一级指标设置；各二级指标按线性规则计分，权重合计100。",
    "grade_first": Decimal(90),
    "grade_second": Decimal(80),
    "grade_third": Decimal(65),
}
