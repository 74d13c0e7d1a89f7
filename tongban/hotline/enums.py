"""12345 ticket vocabularies (工单): kinds, channels, categories, states, urgency, unit roles.

Other apps (the knowledge base, the Open311 facade, ratings) read these; the values are stable
codes, the labels Chinese first (English through gettext).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketKind(models.TextChoices):
    """诉求类型."""

    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    """受理渠道."""

    PHONE = "phone", _("电话")
    WEB = "web", _("网站留言")
    MOBILE = "mobile", _("移动端留言")
    APP = "app", _("小程序/App")
    OPEN311 = "open311", _("Open311接口")
    TRANSFER = "transfer", _("部门转办")


class Category(models.TextChoices):
    """诉求分类 (also the Open311 service list: the code is the service_code)."""

    URBAN = "urban", _("城乡建设与市容")
    TRAFFIC = "traffic", _("交通运输")
    ENVIRONMENT = "environment", _("生态环境")
    MARKET = "market", _("市场监管与消费维权")
    LABOUR = "labour", _("劳动就业与社会保障")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗卫生")
    HOUSING = "housing", _("住房与物业")
    SAFETY = "safety", _("公共安全")
    SERVICE = "service", _("政务服务")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class TicketState(models.TextChoices):
    """工单状态: 受理 → 派单 → 签收(办理) → 回复 → 办结 → 回访 → 评价."""

    RECEIVED = "received", _("已受理")  # at the platform, waiting for dispatch (or returned to it)
    DISPATCHED = "dispatched", _("已派单")  # at a unit, not signed for yet
    ACCEPTED = "accepted", _("办理中")  # signed for (签收) by the unit
    ARBITRATION = "arbitration", _("争议裁定中")  # returned too often: the platform decides
    REPLIED = "replied", _("已回复")
    CLOSED = "closed", _("已办结")
    VISITED = "visited", _("已回访")
    RATED = "rated", _("已评价")
    MERGED = "merged", _("已合并")


# States in which the unit's reply clock runs (or stands still, during arbitration).
OPEN_STATES = (
    TicketState.RECEIVED,
    TicketState.DISPATCHED,
    TicketState.ACCEPTED,
    TicketState.ARBITRATION,
)
# States after 办结: the ticket shows as closed (Open311 "closed").
CONCLUDED_STATES = (TicketState.CLOSED, TicketState.VISITED, TicketState.RATED)


class UnitRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class DisputeState(models.TextChoices):
    OPEN = "open", _("待裁定")
    DECIDED = "decided", _("已裁定")


class Supervision(models.IntegerChoices):
    """督办 level the tick last set."""

    NONE = 0, _("无")
    NEAR = 1, _("临期督办")
    OVERDUE = 2, _("超期督办")


# Defaults of the deadline rules (时限), used when no DeadlineRule row is configured for a
# (kind, urgency): 签收 within hours (clock hours: the hotline works around the clock), reply
# within working days (core.workdays). Staff edit the rules as data (`services.do_set_deadline_rule`).
DEFAULT_ACCEPT_HOURS = {Urgency.NORMAL: 24, Urgency.URGENT: 2}
DEFAULT_REPLY_DAYS = {
    TicketKind.CONSULT: 3,
    TicketKind.HELP: 5,
    TicketKind.COMPLAINT: 10,
    TicketKind.REPORT: 15,
    TicketKind.SUGGESTION: 15,
    TicketKind.PRAISE: 5,
    TicketKind.OTHER: 10,
}
URGENT_REPLY_DAYS = 1
NEAR_DEADLINE_WORKING_DAYS = 1  # 临期督办: the reply is due within this many working days
RETURN_LIMIT = 2  # a ticket returned this many times goes to arbitration (争议裁定)
MAX_DISPATCHES = 8  # hard cap on dispatch hops for one ticket: it never loops
MAX_EXTENSION_DAYS = 10
MERGE_WINDOW_DAYS = 7  # duplicates: the same region and matter within N days
MERGE_MIN_SIMILARITY = 0.35
MAX_TEXT = 4000
