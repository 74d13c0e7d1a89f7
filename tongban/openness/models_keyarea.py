"""Key-area disclosure (重点领域公开) models: administrative penalty decisions (行政处罚决定)
published by the deciding department (双公示). Licensing results come from cases and 双随机
results from supervision: they have no model here.

A row is the publication, not the enforcement file: it holds only what may be published. A
natural person (自然人) party is stored anonymised (family name only, `张*`) and never with an ID
number; a legal person (法人) or 个体工商户 is named with its unified social credit code."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyKind(models.TextChoices):
    """当事人类型."""

    LEGAL_PERSON = "legal_person", _("法人及非法人组织")
    SOLE_TRADER = "sole_trader", _("个体工商户")
    NATURAL_PERSON = "natural_person", _("自然人")


class PenaltyKind(models.TextChoices):
    """处罚种类 (《行政处罚法》2021 第九条)."""

    WARNING = "warning", _("警告、通报批评")
    FINE = "fine", _("罚款")
    CONFISCATION = "confiscation", _("没收违法所得、没收非法财物")
    SUSPEND_LICENCE = "suspend", _("暂扣许可证件")
    DOWNGRADE = "downgrade", _("降低资质等级")
    REVOKE_LICENCE = "revoke", _("吊销许可证件")
    RESTRICT = "restrict", _("限制开展生产经营活动")
    STOP = "stop", _("责令停产停业")
    CLOSE = "close", _("责令关闭")
    BAR = "bar", _("限制从业")
    DETENTION = "detention", _("行政拘留")
    OTHER = "other", _("其他")


class PenaltyState(models.TextChoices):
    PUBLISHED = "published", _("公示中")
    WITHDRAWN = "withdrawn", _("已撤回")


class Penalty(models.Model):
    """One published administrative penalty decision (行政处罚决定公示)."""

    decision_number = models.CharField(_("行政处罚决定书文号"), max_length=80)
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("处罚机关")
    )
    party_kind = models.CharField(_("当事人类型"), max_length=16, choices=PartyKind.choices)
    # For a natural person: the anonymised name only (the service masks before saving).
    party_name = models.CharField(_("当事人名称"), max_length=200)
    party_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    violation = models.TextField(_("违法行为类型及事实"))
    basis = models.TextField(_("处罚依据"))
    kinds = models.JSONField(_("处罚种类"), default=list)
    content = models.TextField(_("处罚内容"))
    fine_yuan = models.DecimalField(
        _("罚款金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decided_on = models.DateField(_("处罚决定日期"))
    publish_until = models.DateField(_("公示截止日期"))
    state = models.CharField(
        _("状态"), max_length=10, choices=PenaltyState.choices, default=PenaltyState.PUBLISHED
    )
    withdraw_reason = models.CharField(_("撤回理由"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("行政处罚决定公示")
        verbose_name_plural = _("行政处罚决定公示")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "decision_number"], name="openness_penalty_number_per_department"
            ),
        ]
        indexes = [models.Index(fields=["state", "-decided_on"], name="openness_penalty_public")]

    def __str__(self) -> str:
        return self.decision_number
