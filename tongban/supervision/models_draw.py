"""一单两库一细则 and 双随机一公开: the matter list (抽查事项清单), the inspector registry (执法检查
人员名录库) with qualifications and declared conflicts, the rules (检查细则), plans, draws with
their snapshotted inputs, and the published results. The entity registry (监管对象名录库) is
`Entity` in models.py.

A draw's inputs are stored compactly: each credit-class stratum's entity ids as one bytea of
big-endian int64 (`DrawStratum.ids`), the inspectors as one canonical JSON text. The hashes of
those exact bytes are published; see docs/supervision-draw.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums_draw import ConflictRelation, DrawState, Method, ObjectType, PlanState, ResultCode


class Matter(models.Model):
    """An inspection matter (抽查事项) on the list: what is checked, on what legal basis, by which
    department, of what kind of entity, how, and the default share of entities to draw."""

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("抽查事项"), max_length=200)
    legal_basis = models.TextField(_("检查依据"))
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("实施部门")
    )
    object_type = models.CharField(_("检查对象"), max_length=20, choices=ObjectType.choices)
    method = models.CharField(_("检查方式"), max_length=20, choices=Method.choices)
    share_bp = models.PositiveIntegerField(_("抽查比例（万分之）"), default=300)
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("抽查事项")
        verbose_name_plural = _("抽查事项")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InspectionRule(models.Model):
    """检查细则: for one matter, what an inspection records, which result codes it may give, how
    many inspectors go, and the recusal window (an inspector who inspected the same entity for
    this matter within the window is not drawn for it again). Versioned: a new version replaces
    the current one; plans keep the version they were approved under."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="rules")
    version = models.PositiveIntegerField(_("版本"))
    record_items = models.JSONField(_("检查记录内容"), default=list)
    result_codes = models.JSONField(_("可用结果"), default=list)
    inspectors_per_target = models.PositiveSmallIntegerField(_("每户检查人员数"), default=2)
    recusal_days = models.PositiveIntegerField(_("回避期（日）"), default=365)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["matter_id", "-version"]
        verbose_name = _("检查细则")
        verbose_name_plural = _("检查细则")
        constraints = [models.UniqueConstraint(fields=["matter", "version"], name="sup_rule_version")]

    def __str__(self) -> str:
        return f"{self.matter_id} v{self.version}"


class Inspector(models.Model):
    """An inspector (执法检查人员): a staff account with a department and a region."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属部门")
    )
    region_code = models.CharField(_("行政区划代码"), max_length=6, db_index=True)
    badge_no = models.CharField(_("执法证号"), max_length=40, unique=True)
    active = models.BooleanField(_("在岗"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("检查人员")
        verbose_name_plural = _("检查人员")

    def __str__(self) -> str:
        return self.badge_no


class Qualification(models.Model):
    """An inspector is qualified for a matter (执法资格)."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="qualifications")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+")
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspector", "matter"], name="sup_qualification_once")]

    def __str__(self) -> str:
        return f"{self.inspector_id}:{self.matter_id}"


class Conflict(models.Model):
    """A declared conflict of interest (利害关系申报) with an entity, by its credit code."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflicts")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    relation = models.CharField(_("关系"), max_length=20, choices=ConflictRelation.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspector", "credit_code"], name="sup_conflict_once")]

    def __str__(self) -> str:
        return f"{self.inspector_id}:{self.credit_code}"


class Plan(models.Model):
    """A random-inspection plan (抽查计划): matter, scope (region prefix, industries), period,
    draw ratio per credit class (basis points: 1 bp = 0.01 %), approved before any draw."""

    title = models.CharField(_("计划名称"), max_length=200)
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="plans")
    rule = models.ForeignKey(InspectionRule, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("实施部门")
    )
    region_prefix = models.CharField(_("地域范围"), max_length=6)
    industries = models.JSONField(_("行业范围"), default=list, blank=True)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    ratios_bp = models.JSONField(_("各信用等级抽查比例（万分之）"))
    state = models.CharField(_("状态"), max_length=12, choices=PlanState.choices, default=PlanState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")
        indexes = [models.Index(fields=["state", "-id"], name="sup_plan_state")]

    def __str__(self) -> str:
        return self.title


class Draw(models.Model):
    """The draw of one plan. Two officials each commit SM3(secret) while the draw is open; the
    inputs are then snapshotted (and their hashes fixed); the officials reveal; the seed is
    SM3(reveal1 ‖ reveal2 ‖ plan id) and the selection a documented function of seed and inputs."""

    plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="draw")
    state = models.CharField(
        _("状态"), max_length=12, choices=DrawState.choices, default=DrawState.COMMITTING
    )
    algorithm = models.CharField(_("算法"), max_length=40)
    algorithm_version = models.PositiveSmallIntegerField(_("算法版本"))
    official_1 = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    official_2 = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commit_1 = models.CharField(max_length=64, blank=True)
    commit_2 = models.CharField(max_length=64, blank=True)
    reveal_1 = models.CharField(max_length=128, blank=True)
    reveal_2 = models.CharField(max_length=128, blank=True)
    seed = models.CharField(max_length=64, blank=True)
    inspectors_per_target = models.PositiveSmallIntegerField(default=2)
    inspectors_json = models.TextField(blank=True)
    entities_sm3 = models.CharField(max_length=64, blank=True)
    inspectors_sm3 = models.CharField(max_length=64, blank=True)
    input_sm3 = models.CharField(max_length=64, blank=True)
    result_sm3 = models.CharField(max_length=64, blank=True)
    entity_count = models.PositiveBigIntegerField(default=0)
    target_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    snapshot_at = models.DateTimeField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("抽取")
        verbose_name_plural = _("抽取")

    def __str__(self) -> str:
        return f"draw {self.pk} of plan {self.plan_id}"


class DrawStratum(models.Model):
    """One credit class's snapshotted entity ids: big-endian int64, ascending, in one bytea."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="strata")
    credit_class = models.CharField(max_length=1)
    ratio_bp = models.PositiveIntegerField()
    count = models.PositiveBigIntegerField()
    sample_size = models.PositiveIntegerField()
    ids = models.BinaryField()

    class Meta:
        ordering = ["draw_id", "credit_class"]
        constraints = [models.UniqueConstraint(fields=["draw", "credit_class"], name="sup_stratum_once")]

    def __str__(self) -> str:
        return f"{self.draw_id}:{self.credit_class}"


class DrawTarget(models.Model):
    """A drawn entity, in draw order (`position`), with its credit class at the snapshot."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveIntegerField()
    # No database constraint: a province's draw writes tens of thousands of targets, and the
    # deferred check of each against a registry of millions costs seconds at commit; the ids
    # come from the snapshot taken in the draw's own transactions, and entities are never
    # deleted (PROTECT).
    entity = models.ForeignKey(
        "supervision.Entity", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    credit_class = models.CharField(max_length=1)

    class Meta:
        ordering = ["draw_id", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "position"], name="sup_target_position")]
        indexes = [models.Index(fields=["entity"], name="sup_target_entity")]

    def __str__(self) -> str:
        return f"{self.draw_id}#{self.position}"


class Assignment(models.Model):
    """A drawn inspector of one target (slot 0, 1, ...)."""

    target = models.ForeignKey(DrawTarget, on_delete=models.CASCADE, related_name="assignments")
    slot = models.PositiveSmallIntegerField()
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="assignments")

    class Meta:
        ordering = ["target_id", "slot"]
        constraints = [models.UniqueConstraint(fields=["target", "slot"], name="sup_assignment_slot")]

    def __str__(self) -> str:
        return f"{self.target_id}/{self.slot}"


class InspectionResult(models.Model):
    """The published result (检查结果) of one drawn target, recorded by one of its inspectors."""

    target = models.OneToOneField(DrawTarget, on_delete=models.PROTECT, related_name="result")
    result = models.CharField(_("检查结果"), max_length=20, choices=ResultCode.choices)
    inspected_on = models.DateField(_("检查日期"))
    record = models.JSONField(_("检查记录"), default=dict)
    summary = models.CharField(_("结果说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")

    def __str__(self) -> str:
        return f"{self.target_id}: {self.result}"


__all__ = [
    "Assignment",
    "Conflict",
    "Draw",
    "DrawStratum",
    "DrawTarget",
    "InspectionResult",
    "InspectionRule",
    "Inspector",
    "Matter",
    "Plan",
    "Qualification",
]
