"""Meanings of the bundles app (一件事一次办): theme version states, audiences, review outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ThemeStatus(models.TextChoices):
    """Theme version states: draft -> in_review -> published (-> superseded | withdrawn)."""

    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("待审核")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本替代")
    WITHDRAWN = "withdrawn", _("已撤回")


class ThemeAudience(models.TextChoices):
    PERSON = "person", _("个人")
    ENTERPRISE = "enterprise", _("企业")


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("通过并发布")
    REJECT = "reject", _("退回修改")


class RefusalPolicy(models.TextChoices):
    """What a dependant member does when a member it requires is refused."""

    CANCEL = "cancel", _("一并撤销")
    PAUSE = "pause", _("暂停待补正")
    CONTINUE = "continue", _("继续办理")
