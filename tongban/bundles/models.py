"""bundles models. Each part of the app keeps its models in models.py or models_<part>.py, imported at the
end of this module.

The themes part (一件事主题) owns `Theme` (the code and region that never change), `ThemeVersion`
(one version of its content: names and the spec JSON, versioned like catalogue items: a draft is
edited, submitted, approved by a different person (four eyes) and published; a published
version never changes and a change makes a new version) and `ThemeReview` (every review
decision, kept). A bundle applied under version N keeps version N's spec.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict

from .enums_themes import ReviewDecision, ThemeAudience, ThemeStatus

FROZEN_STATES = (ThemeStatus.PUBLISHED, ThemeStatus.SUPERSEDED, ThemeStatus.WITHDRAWN)


class Theme(models.Model):
    """一件事主题: a code unique in the platform, in one region (its region's people see it)."""

    code = models.CharField(_("主题编码"), max_length=40, unique=True)
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("一件事主题")
        verbose_name_plural = _("一件事主题")

    def __str__(self) -> str:
        return self.code


class ThemeVersion(models.Model):
    """One version of a theme. Only drafts change; `is_current` marks the published one."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=12, choices=ThemeStatus.choices, default=ThemeStatus.DRAFT
    )
    is_current = models.BooleanField(_("当前发布版本"), default=False)
    name = models.CharField(_("主题名称"), max_length=100)
    scenario = models.TextField(_("适用情形"), blank=True)
    audience = models.CharField(_("服务对象"), max_length=12, choices=ThemeAudience.choices)
    spec = models.JSONField(_("主题定义"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["theme", "-version"]
        verbose_name = _("主题版本")
        verbose_name_plural = _("主题版本")
        constraints = [
            models.UniqueConstraint(fields=["theme", "version"], name="bundles_theme_version_unique"),
            models.UniqueConstraint(
                fields=["theme"], condition=Q(is_current=True), name="bundles_theme_one_current"
            ),
            models.UniqueConstraint(
                fields=["theme"],
                condition=Q(status__in=["draft", "in_review"]),
                name="bundles_theme_one_open_version",
            ),
        ]
        indexes = [models.Index(fields=["is_current", "theme"], name="bundles_theme_current")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs):
        if getattr(self, "_stored_status", None) in FROZEN_STATES:
            raise Conflict(f"{self.name} 第{self.version}版已发布，不能修改；请创建新版本")
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        instance._stored_status = instance.__dict__.get("status")
        return instance

    @property
    def is_editable(self) -> bool:
        return self.status == ThemeStatus.DRAFT


class ThemeReview(models.Model):
    """A review decision on a submitted version (四眼原则: never by its submitter)."""

    version = models.ForeignKey(ThemeVersion, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer_label = models.CharField(max_length=100, blank=True)  # a system actor's name
    decision = models.CharField(_("审核结论"), max_length=10, choices=ReviewDecision.choices)
    comment = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "created_at", "id"]
        verbose_name = _("主题审核记录")
        verbose_name_plural = _("主题审核记录")

    def __str__(self) -> str:
        return f"{self.version} {self.decision}"


from .models_fanout import *  # noqa: E402,F403
