"""Government information disclosure (政务公开): policy documents (政策文件) with their
interpretations (解读), attachments, links to implementation items, the workflow trail and the
findings of the secrecy review (保密审查).

Cross-app references use string labels (core.Department) and item codes (catalog is reached
through `catalog.queries`, never its models). Other openness parts add their models in
`models_<part>.py`, imported at the end of this module.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.search import SearchTextField

from .enums import (
    DocType,
    FindingKind,
    FindingSource,
    FindingStatus,
    InterpretationKind,
    LinkKind,
    PolicyState,
    ReviewOutcome,
    ReviewStep,
    Subject,
    Validity,
)


class Policy(models.Model):
    """A policy document (政策文件) of one issuing body (发文机关). The document number (文号) is
    unique per issuer. Only published (and repealed) policies are public."""

    number = models.CharField(_("文号"), max_length=80)
    title = models.CharField(_("标题"), max_length=300)
    issuer = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("发文机关")
    )
    subject = models.CharField(_("主题分类"), max_length=20, choices=Subject.choices, default=Subject.GENERAL)
    doc_type = models.CharField(_("公文种类"), max_length=20, choices=DocType.choices, default=DocType.NOTICE)
    written_on = models.DateField(_("成文日期"))
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    repealed_on = models.DateField(_("废止日期"), null=True, blank=True)
    validity = models.CharField(
        _("效力状态"), max_length=10, choices=Validity.choices, default=Validity.VALID
    )
    summary = models.TextField(_("摘要"), blank=True)
    text = models.TextField(_("正文"))
    state = models.CharField(_("状态"), max_length=10, choices=PolicyState.choices, default=PolicyState.DRAFT)
    search_text = SearchTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_on", "-written_on", "-id"]
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], name="openness_policy_number_per_issuer"),
        ]
        indexes = [models.Index(fields=["state", "-published_on"], name="openness_policy_state_pub")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.state in (PolicyState.PUBLISHED, PolicyState.REPEALED)


def _graphic_path(instance, filename: str) -> str:
    return f"openness/graphics/{instance.policy_id}/{filename}"


def _attachment_path(instance, filename: str) -> str:
    return f"openness/attachments/{instance.policy_id}/{filename}"


class Interpretation(models.Model):
    """An interpretation (政策解读) of a policy: text (文字解读), questions and answers (问答,
    `qa` = [{"q", "a"}]) or a graphic (图解, `image`). Published with its policy (三同步)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="interpretations")
    kind = models.CharField(_("解读形式"), max_length=10, choices=InterpretationKind.choices)
    title = models.CharField(_("标题"), max_length=300)
    text = models.TextField(_("解读内容"), blank=True)
    qa = models.JSONField(_("问答"), default=list, blank=True)
    image = models.ImageField(_("图解"), upload_to=_graphic_path, blank=True)
    author_body = models.ForeignKey(
        "core.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("解读机关"),
    )
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "position", "id"]
        verbose_name = _("政策解读")
        verbose_name_plural = _("政策解读")

    def __str__(self) -> str:
        return self.title


class PolicyAttachment(models.Model):
    """A file attached to a policy (附件); public once the policy is."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("附件名称"), max_length=200)
    file = models.FileField(upload_to=_attachment_path)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class PolicyLink(models.Model):
    """A policy's link to what implements it: an implementation item (事项, `code` = the item's
    code), a bundle (一件事) or a knowledge-base entry (知识库)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("关联类型"), max_length=10, choices=LinkKind.choices, default=LinkKind.ITEM)
    code = models.CharField(_("编码"), max_length=60)
    label = models.CharField(_("名称"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "kind", "code"]
        verbose_name = _("关联事项")
        verbose_name_plural = _("关联事项")
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind", "code"], name="openness_policylink_unique"),
        ]
        indexes = [models.Index(fields=["kind", "code"], name="openness_policylink_code")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class PolicyReview(models.Model):
    """One step of a policy's workflow trail (起草, 提交, 审核, 保密审查, 发布, 废止)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="reviews")
    step = models.CharField(_("环节"), max_length=10, choices=ReviewStep.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=ReviewOutcome.choices)
    comment = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "at", "id"]
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")

    def __str__(self) -> str:
        return f"{self.step}:{self.outcome}"


class SecrecyFinding(models.Model):
    """Possible personal data the secrecy scanner found (保密审查). Holds the span and a masked
    excerpt, never the value itself; `value_digest` (a keyed hash) lets a rescan recognise a
    value the reviewer already confirmed as not personal data. Publication is blocked while any
    finding of the policy is open."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="findings")
    source = models.CharField(_("位置"), max_length=16, choices=FindingSource.choices)
    source_id = models.PositiveIntegerField(null=True, blank=True)  # interpretation / attachment
    field = models.CharField(max_length=40, default="text")  # e.g. "text", "title", "qa.0.a"
    kind = models.CharField(_("类型"), max_length=10, choices=FindingKind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    masked = models.CharField(_("摘录（已遮蔽）"), max_length=200)
    value_digest = models.CharField(max_length=64)
    status = models.CharField(
        _("处理状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    reason = models.CharField(_("确认理由"), max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "source", "source_id", "field", "start"]
        verbose_name = _("保密审查发现")
        verbose_name_plural = _("保密审查发现")

    def __str__(self) -> str:
        return f"{self.kind} {self.masked}"


from .models_disclosure import *  # noqa: E402,F403  依申请公开、回应关切 (helper "disclosure")
from .models_keyarea import Penalty  # noqa: E402,F401 - key-area disclosure (helper "public")
