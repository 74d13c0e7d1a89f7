"""Codes of bundle applications (联办件): their states, a member's state, the dependants' policy
when a requirement is refused, and how the results leave."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BundleState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("办理中")
    ATTENTION = "attention", _("需要处理")  # a member refused or paused for 补正
    COMPLETED = "completed", _("已办结")  # every member concluded (or ended), waiting for pickup
    DELIVERED = "delivered", _("已出件")
    WITHDRAWN = "withdrawn", _("已撤回")


class MemberState(models.TextChoices):
    WAITING = "waiting", _("等待前置事项")  # what it requires is not issued yet
    QUEUED = "queued", _("待分发")  # its outbox row is pending
    CASE = "case", _("已转入部门办理")  # its case exists: the case's state tells the rest
    PAUSED = "paused", _("暂停（前置事项补正中）")
    CANCELLED = "cancelled", _("已取消（前置事项未通过）")
    WITHDRAWN = "withdrawn", _("已撤回")


class Policy(models.TextChoices):
    """What a member does when a member it requires is refused (on_requirement_refused)."""

    CANCEL = "cancel", _("取消")
    PAUSE = "pause", _("暂停待补正")
    CONTINUE = "continue", _("继续办理")


class PickupMethod(models.TextChoices):
    WINDOW = "window", _("综合窗口领取")
    POST = "post", _("邮寄送达")
