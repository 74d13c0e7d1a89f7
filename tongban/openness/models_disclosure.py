"""Disclosure on request (依申请公开) and public concerns (回应关切): the helper "disclosure"'s
models, imported at the end of `models.py`. See README.md, "Disclosure on request"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .enums_disclosure import (
    AnswerKind,
    ApplicantKind,
    ClockLevel,
    ConcernState,
    Delivery,
    ExtensionState,
    InfoForm,
    RequestState,
    WithholdGround,
)

USER = settings.AUTH_USER_MODEL


class DisclosureRequest(models.Model):
    """A request for government information (政府信息公开申请) made on the platform."""

    number = models.CharField(_("申请编号"), max_length=24, unique=True, null=True)
    applicant = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人账号")
    )
    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    legal_person = models.ForeignKey(
        "accounts.LegalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applicant_name = models.CharField(_("申请人名称"), max_length=100)
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("被申请机关")
    )
    description = models.TextField(_("所需政府信息的名称、文号或者便于查询的其他特征性描述"))
    purpose = models.TextField(_("申请用途"), blank=True)
    form = models.CharField(_("获取信息的方式"), max_length=16, choices=InfoForm.choices)
    delivery = models.CharField(_("获取方式"), max_length=16, choices=Delivery.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=RequestState.choices, default=RequestState.RECEIVED
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    received_on = models.DateField(_("收到申请日期"))
    handler = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("承办人")
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("补正暂停工作日数"), default=0)
    pause_started_on = models.DateField(_("补正暂停起始日"), null=True, blank=True)
    extension_days = models.PositiveIntegerField(_("延期工作日数"), default=0)
    due_on = models.DateField(_("答复期限"))
    clock_level = models.CharField(
        _("期限预警"), max_length=16, choices=ClockLevel.choices, default=ClockLevel.OK
    )  # as the daily tick last saw it
    publishable = models.BooleanField(_("申请内容可在公开目录中显示"), default=False)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["department", "state", "due_on"], name="disc_queue"),
            models.Index(fields=["applicant", "-submitted_at"], name="disc_mine"),
        ]
        verbose_name = _("政府信息公开申请")
        verbose_name_plural = _("政府信息公开申请")

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class DisclosureClarification(models.Model):
    """补正: the body asks the applicant to clarify; the clock stops until they answer."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="clarifications")
    question = models.TextField(_("补正内容"))
    asked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("暂停起始日"))
    answer = models.TextField(_("补正答复"), blank=True)
    ended_on = models.DateField(_("补正答复日"), null=True, blank=True)
    days = models.PositiveIntegerField(_("暂停工作日数"), default=0)

    class Meta:
        ordering = ["request", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=Q(ended_on__isnull=True), name="disc_one_open_clarification"
            )
        ]

    def __str__(self) -> str:
        return f"补正 {self.request_id} {self.started_on}"


class DisclosureExtension(models.Model):
    """延长答复期限: asked by the handler, approved by another (the body's head or a platform
    administrator): four eyes."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveIntegerField(_("延期工作日数"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=16, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["request", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=Q(state="pending"), name="disc_one_pending_extension"
            )
        ]

    def __str__(self) -> str:
        return f"延期 {self.request_id} +{self.days}"


class DisclosureAnswer(models.Model):
    """The body's answer (答复) and the notice (告知书) it produced; one per request."""

    request = models.OneToOneField(DisclosureRequest, on_delete=models.CASCADE, related_name="answer")
    kind = models.CharField(_("答复类型"), max_length=16, choices=AnswerKind.choices)
    text = models.TextField(_("答复内容"))
    withheld = models.TextField(_("不予公开的部分"), blank=True)
    ground = models.CharField(_("不予公开的理由"), max_length=16, choices=WithholdGround.choices, blank=True)
    holder_body = models.CharField(_("负责公开的机关"), max_length=100, blank=True)
    answered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(auto_now_add=True)
    answered_on = models.DateField(_("答复日期"))
    notice_number = models.CharField(_("告知书编号"), max_length=32, unique=True)
    notice = models.JSONField(_("告知书内容"), default=dict)  # what the notice says, frozen

    class Meta:
        indexes = [models.Index(fields=["kind"], name="disc_answer_kind")]

    def __str__(self) -> str:
        return self.notice_number


class ConcernArticle(models.Model):
    """回应关切: an article responding to a public concern, linked to hotline topics (free codes
    until the hotline app exists)."""

    title = models.CharField(_("标题"), max_length=200)
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("发布机关")
    )
    topics = models.JSONField(_("关联热线话题"), default=list)
    topic_index = models.CharField(max_length=500, blank=True, editable=False)  # "|code|code|", to filter on
    summary = models.CharField(_("摘要"), max_length=500)
    body = models.TextField(_("正文"))
    state = models.CharField(
        _("状态"), max_length=16, choices=ConcernState.choices, default=ConcernState.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["state", "-published_at"], name="concern_public")]
        verbose_name = _("回应关切")
        verbose_name_plural = _("回应关切")

    def __str__(self) -> str:
        return self.title
