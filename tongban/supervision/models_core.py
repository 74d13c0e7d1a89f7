"""Supervision core models (S1): the credit model's versions and inputs, the entity's licences
as last synced from the e-licence library, annual reports, 经营异常名录 and 严重违法失信名单,
risk rules and their alerts, and joint tasks (联合监管) with their hash chain.

Foreign keys to the entity are by string ("supervision.Entity") so this module imports nothing
from `models.py` but the choice classes defined before its import line there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "AbnormalGround",
    "AbnormalListing",
    "AlertState",
    "AnnualReport",
    "CreditFact",
    "CreditFactor",
    "CreditModelVersion",
    "EntityLicence",
    "ListingState",
    "PartyRole",
    "RiskAlert",
    "RiskRule",
    "RuleState",
    "SeriousViolation",
    "Task",
    "TaskFile",
    "TaskParty",
    "TaskState",
    "TaskStep",
    "VersionState",
]


class CreditFactor(models.TextChoices):
    """The credit model's inputs (信用评价因子). Each counts facts of its kind in a window."""

    LICENCE_REVOKED = "licence_revoked", _("许可证被吊销")
    LICENCE_SUSPENDED = "licence_suspended", _("许可证被暂扣")
    LICENCE_EXPIRED = "licence_expired", _("许可证过期未续")
    ABNORMAL = "abnormal", _("列入经营异常名录")
    SERIOUS = "serious", _("列入严重违法失信名单")
    INSPECTION_PROBLEM = "inspection_problem", _("抽查发现问题")
    INSPECTION_PASS = "inspection_pass", _("抽查合格")
    PENALTY = "penalty", _("行政处罚")
    COMPLAINT = "complaint", _("12345 投诉")


class VersionState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("生效")
    RETIRED = "retired", _("已停用")


class CreditModelVersion(models.Model):
    """One version of the credit model (信用评价模型): a base score, per-factor weight (points
    taken off per counted fact; negative adds), cap (most facts counted) and window (days back),
    and the class thresholds (score >= A → A, >= B → B, >= C → C, else D). Activated by someone
    other than its author (four eyes); one version active at a time."""

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    base = models.IntegerField(_("基础分"), default=100)
    factors = models.JSONField(_("因子权重"), default=dict)
    thresholds = models.JSONField(_("等级阈值"), default=dict)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=VersionState.choices, default=VersionState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("信用评价模型版本")
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=Q(state="active"), name="sup_credit_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"信用评价模型 v{self.number}"


class CreditFact(models.Model):
    """One fact the credit model counts (a revoked licence, a penalty, a complaint, an
    inspection result...), kept with its source so recording it twice is a no-op."""

    entity = models.ForeignKey("supervision.Entity", on_delete=models.CASCADE, related_name="credit_facts")
    factor = models.CharField(max_length=30, choices=CreditFactor.choices)
    occurred_on = models.DateField()
    source = models.CharField(max_length=40)
    ref = models.CharField(max_length=120)
    note = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "factor", "source", "ref"], name="sup_credit_fact_once")
        ]
        indexes = [models.Index(fields=["factor", "occurred_on", "entity"], name="sup_fact_factor")]

    def __str__(self) -> str:
        return f"{self.factor} {self.occurred_on}"


class EntityLicence(models.Model):
    """An entity's licence as last read from the e-licence library (电子证照库)."""

    entity = models.ForeignKey("supervision.Entity", on_delete=models.CASCADE, related_name="licences")
    identifier = models.CharField(max_length=64)
    type_code = models.CharField(max_length=40)
    type_name = models.CharField(max_length=100)
    state = models.CharField(max_length=20)
    valid_until = models.DateField(null=True, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "identifier"], name="sup_entity_licence_once")
        ]

    def __str__(self) -> str:
        return f"{self.type_name} {self.state}"


class AnnualReport(models.Model):
    """年度报告: the report for `year`, due between 1 January and 30 June of the next year."""

    entity = models.ForeignKey("supervision.Entity", on_delete=models.CASCADE, related_name="annual_reports")
    year = models.PositiveIntegerField()
    filed_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "year"], name="sup_annual_once")]

    def __str__(self) -> str:
        return f"{self.year} 年度报告"


class AbnormalGround(models.TextChoices):
    """列入经营异常名录的法定事由 (《企业经营异常名录管理暂行办法》第四条)."""

    NO_ANNUAL_REPORT = "no_annual_report", _("未按规定期限公示年度报告")
    NOT_DISCLOSED = "not_disclosed", _("未在责令的期限内公示有关企业信息")
    FALSE_DISCLOSURE = "false_disclosure", _("公示企业信息隐瞒真实情况、弄虚作假")
    UNREACHABLE = "unreachable", _("通过登记的住所或者经营场所无法联系")


class ListingState(models.TextChoices):
    LISTED = "listed", _("列入")
    REMOVED = "removed", _("已移出")
    MOVED = "moved", _("已列入严重违法失信名单")


class AbnormalListing(models.Model):
    """A listing in 经营异常名录: its ground and decision; removed when the defect is cured (the
    cure recorded), or moved to 严重违法失信名单 after three years listed."""

    entity = models.ForeignKey(
        "supervision.Entity", on_delete=models.CASCADE, related_name="abnormal_listings"
    )
    ground = models.CharField(max_length=20, choices=AbnormalGround.choices)
    detail = models.CharField(max_length=300, blank=True)
    report_year = models.PositiveIntegerField(null=True, blank=True)  # the missing annual report
    listed_on = models.DateField()
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=ListingState.choices, default=ListingState.LISTED)
    removed_on = models.DateField(null=True, blank=True)
    cure = models.CharField(_("整改情况"), max_length=300, blank=True)
    moved_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "ground"], condition=Q(state="listed"), name="sup_abnormal_open_once"
            )
        ]
        indexes = [models.Index(fields=["state", "listed_on"], name="sup_abnormal_state")]

    def __str__(self) -> str:
        return f"{self.get_ground_display()} {self.listed_on}"


class SeriousViolation(models.Model):
    """严重违法失信名单 (serious violation list)."""

    entity = models.ForeignKey(
        "supervision.Entity", on_delete=models.CASCADE, related_name="serious_listings"
    )
    listing = models.OneToOneField(
        AbnormalListing, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300)
    listed_on = models.DateField()

    def __str__(self) -> str:
        return f"严重违法失信 {self.listed_on}"


class RuleState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("启用")
    RETIRED = "retired", _("停用")


class RiskRule(models.Model):
    """A risk rule (风险预警规则) in the rule language (`rules.py`): checked when saved, back-tested
    against history before activation, activated by a second person."""

    name = models.CharField(_("规则名称"), max_length=100)
    model_tag = models.CharField(_("风险模型"), max_length=40, blank=True)
    expression = models.TextField(_("规则表达式"))
    description = models.CharField(_("说明"), max_length=300, blank=True)
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=RuleState.choices, default=RuleState.DRAFT)
    backtest = models.JSONField(null=True, blank=True)
    backtested_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class AlertState(models.TextChoices):
    OPEN = "open", _("待研判")
    WATCHING = "watching", _("持续关注")
    DISMISSED = "dismissed", _("已排除")
    TASKED = "tasked", _("已发起核查任务")


class RiskAlert(models.Model):
    """An alert a rule raised for an entity, with the evidence (the values that made it true)."""

    rule = models.ForeignKey(RiskRule, on_delete=models.PROTECT, related_name="alerts")
    entity = models.ForeignKey("supervision.Entity", on_delete=models.CASCADE, related_name="alerts")
    evidence = models.JSONField(default=dict)
    raised_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=AlertState.choices, default=AlertState.OPEN)
    triage_reason = models.CharField(max_length=300, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey(
        "supervision.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "entity"], condition=~Q(state="dismissed"), name="sup_alert_live_once"
            )
        ]

    def __str__(self) -> str:
        return f"预警 {self.pk}"


class TaskState(models.TextChoices):
    """联合监管任务的环节: 发起 → 认领 → 实施 → 结果 → 归档."""

    OPENED = "opened", _("发起")
    CLAIMED = "claimed", _("认领")
    ACTING = "acting", _("实施")
    RESULTED = "resulted", _("结果")
    ARCHIVED = "archived", _("归档")


class PartyRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    ASSIST = "assist", _("配合")


class Task(models.Model):
    """A joint supervision task (联合监管任务): started by one department (牵头), joined by others
    (配合); every action is a signed step in its hash chain (`TaskStep`)."""

    title = models.CharField(_("任务名称"), max_length=200)
    reason = models.CharField(_("发起事由"), max_length=1000)
    entity = models.ForeignKey(
        "supervision.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.OPENED)
    source_kind = models.CharField(max_length=20, blank=True)
    source_ref = models.CharField(max_length=100, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    result_code = models.CharField(max_length=20, blank=True)
    result_text = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("联合监管任务")

    def __str__(self) -> str:
        return self.title


class TaskParty(models.Model):
    """A department in a task with its role; `claimed_at` when it has claimed its part (认领)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="parties")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=PartyRole.choices)
    claimed_at = models.DateTimeField(null=True, blank=True)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "department"], name="sup_task_party_once")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.department_id}:{self.role}"


class TaskStep(models.Model):
    """One action in a task's hash chain: hash = SM3(prev_hash ‖ canonical JSON of the step),
    signed (SM2) with the acting department's seal key (`kid`)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    actor = models.CharField(max_length=40)
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    kid = models.CharField(max_length=32)
    signature = models.TextField()

    class Meta:
        ordering = ["task_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["task", "seq"], name="sup_task_step_seq")]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.seq} {self.action}"


class TaskFile(models.Model):
    """A photo or record uploaded at 实施, stored encrypted through core.files; its SM3 is in
    the step's payload, so the chain covers the file's content."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="files")
    step = models.ForeignKey(TaskStep, null=True, blank=True, on_delete=models.PROTECT, related_name="files")
    stored_name = models.CharField(max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sm3 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.original_name
