"""The annual evaluation (年度评估): scheme versions (指标体系: weights and scoring rules as data),
the runs of a year, each region's score and the computation line by line.

A scheme version is drafted, submitted and published by two different platform administrators
(four eyes); a published version is immutable (the services refuse any change, and a run keeps a
copy of each line it used in its `ScoreLine`s, so the computation shown never changes under it).
Actors are kept as audit labels ("user:<pk>"), as exchange does.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums_evaluation import Dimension, Grade, Rule, SchemeState, Source


class EvaluationScheme(models.Model):
    """One version of the weighted index (指标体系版本)."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    name = models.CharField(_("名称"), max_length=200)
    effective_year = models.PositiveSmallIntegerField(_("适用年度"))
    state = models.CharField(_("状态"), max_length=10, choices=SchemeState.choices, default=SchemeState.DRAFT)
    notes = models.TextField(_("说明"), blank=True)
    # Grade bands on the total (0-100): >= first → 第一方阵, >= second → 第二方阵, >= third → 第三方阵.
    grade_first = models.DecimalField(_("第一方阵下限"), max_digits=5, decimal_places=2, default=90)
    grade_second = models.DecimalField(_("第二方阵下限"), max_digits=5, decimal_places=2, default=80)
    grade_third = models.DecimalField(_("第三方阵下限"), max_digits=5, decimal_places=2, default=65)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.CharField(max_length=100, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=100, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("评估指标体系")
        verbose_name_plural = _("评估指标体系")

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class SchemeIndicator(models.Model):
    """One sub-indicator of a scheme version: what it measures (a platform indicator id or a
    catalogue measure id), its weight (the weights of a version sum to 100) and its rule."""

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="lines")
    dimension = models.CharField(_("一级指标"), max_length=10, choices=Dimension.choices)
    code = models.CharField(_("指标编号"), max_length=20)
    name = models.CharField(_("二级指标"), max_length=100)
    source = models.CharField(_("数据来源"), max_length=10, choices=Source.choices)
    measure = models.CharField(_("度量"), max_length=60)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)
    rule = models.CharField(_("计分规则"), max_length=10, choices=Rule.choices, default=Rule.LINEAR)
    floor = models.DecimalField(_("零分值"), max_digits=14, decimal_places=4)
    target = models.DecimalField(_("满分值"), max_digits=14, decimal_places=4)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="insight_scheme_line_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EvaluationRun(models.Model):
    """A year's evaluation: one per year, naming the scheme version it used. A re-run replaces
    its scores (same inputs, same numbers)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.PROTECT, related_name="runs")
    province = models.CharField(_("省份"), max_length=12)
    date_from = models.DateField()
    date_to = models.DateField()
    computed_by = models.CharField(max_length=100)
    computed_at = models.DateTimeField()
    regions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} v{self.scheme_id}"


class RegionScore(models.Model):
    """A city's or county's score in a run: total (0-100), the five dimension scores, rank among
    its siblings (cities in the province, counties in their city), grade and the change against
    the previous year's run."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="scores")
    region_code = models.CharField(max_length=12)
    region_name = models.CharField(max_length=60)
    parent_code = models.CharField(max_length=12)
    level = models.PositiveSmallIntegerField()
    total = models.DecimalField(max_digits=6, decimal_places=2)
    dimensions = models.JSONField(default=dict)  # Dimension value → score (text, 2 decimals)
    rank = models.PositiveIntegerField()
    grade = models.CharField(max_length=10, choices=Grade.choices)
    previous_total = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    previous_rank = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["level", "parent_code", "rank", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "region_code"], name="insight_score_run_region")
        ]
        indexes = [models.Index(fields=["run", "parent_code", "rank"], name="insight_score_parent_rank")]

    def __str__(self) -> str:
        return f"{self.region_name} {self.total}"

    @property
    def change(self):
        return None if self.previous_total is None else self.total - self.previous_total

    @property
    def rank_change(self):
        """Places gained since last year (positive = up)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank

    @property
    def rank_change_abs(self):
        return None if self.previous_rank is None else abs(self.previous_rank - self.rank)


class ScoreLine(models.Model):
    """One line of a score's computation: the sub-indicator as the scheme defined it, the raw
    value (with numerator and denominator), the normalised 0-100 score, weight and contribution
    (= normalised × weight ÷ 100)."""

    score = models.ForeignKey(RegionScore, on_delete=models.CASCADE, related_name="lines")
    order = models.PositiveSmallIntegerField(default=0)
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=10, choices=Source.choices)
    measure = models.CharField(max_length=60)
    unit = models.CharField(max_length=10, blank=True)
    formula = models.CharField(max_length=300, blank=True)
    raw = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    rule = models.CharField(max_length=10, choices=Rule.choices)
    floor = models.DecimalField(max_digits=14, decimal_places=4)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    normalised = models.DecimalField(max_digits=6, decimal_places=2)
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    contribution = models.DecimalField(max_digits=7, decimal_places=3)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.contribution}"
