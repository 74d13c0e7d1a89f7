"""Meanings of disclosure on request (依申请公开) and public concerns (回应关切), as data.

The answer kinds and grounds follow the 政府信息公开条例 (2019 revision): 第三十六条 lists how a
body answers a request; 第十四条 (国家秘密 and the like), 第十五条 (商业秘密, 个人隐私), 第十六条
(内部事务信息, 过程性信息, 行政执法案卷信息) are the grounds for withholding.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

BASE_WORKING_DAYS = 20  # 第三十三条：收到申请之日起20个工作日内予以答复
MAX_EXTENSION_DAYS = 20  # 延长答复期限最长不得超过20个工作日（经机构负责人同意）
WARNING_WORKING_DAYS = 5  # the clock warns when this many working days (or fewer) are left


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("公民")
    ORGANISATION = "organisation", _("法人或者其他组织")


class InfoForm(models.TextChoices):
    """获取信息的方式: the form the applicant prefers."""

    ELECTRONIC = "electronic", _("电子文本")
    PAPER = "paper", _("纸质文本")


class Delivery(models.TextChoices):
    """How the answer reaches the applicant."""

    ONLINE = "online", _("网上获取")
    EMAIL = "email", _("电子邮件")
    POST = "post", _("邮寄")
    PICKUP = "pickup", _("当面领取")


class RequestState(models.TextChoices):
    RECEIVED = "received", _("已收到")
    PROCESSING = "processing", _("办理中")
    CLARIFYING = "clarifying", _("补正中")
    ANSWERED = "answered", _("已答复")


OPEN_STATES = (RequestState.RECEIVED, RequestState.PROCESSING, RequestState.CLARIFYING)


class AnswerKind(models.TextChoices):
    """第三十六条: how a body answers a request."""

    DISCLOSED = "disclosed", _("予以公开")
    PARTIAL = "partial", _("部分公开")
    WITHHELD = "withheld", _("不予公开")
    NOT_EXIST = "not_exist", _("信息不存在")
    NOT_HELD = "not_held", _("非本机关掌握")
    REPEATED = "repeated", _("重复申请")
    ALREADY_PUBLIC = "already_public", _("已主动公开")
    NOT_PROCESSED = "not_processed", _("不予处理")


class WithholdGround(models.TextChoices):
    """Legal grounds for withholding (第十四条至第十六条)."""

    STATE_SECRET = "state_secret", _("属于国家秘密")
    LAW_FORBIDS = "law_forbids", _("法律、行政法规禁止公开")
    SAFETY = "safety", _("公开后可能危及国家安全、公共安全、经济安全、社会稳定")
    TRADE_SECRET = "trade_secret", _("涉及商业秘密")
    PRIVACY = "privacy", _("涉及个人隐私")
    INTERNAL = "internal", _("内部事务信息")
    PROCESS = "process", _("过程性信息")
    ENFORCEMENT = "enforcement", _("行政执法案卷信息")


# What each answer kind requires besides the reply text (the form and the service read it).
NEEDS_GROUND = frozenset({AnswerKind.PARTIAL, AnswerKind.WITHHELD})
NEEDS_WITHHELD = frozenset({AnswerKind.PARTIAL})
NEEDS_HOLDER = frozenset({AnswerKind.NOT_HELD})  # 能够确定负责公开的机关的，告知其名称、联系方式
# The notice's legal basis, per kind (printed on the 告知书).
ANSWER_BASIS = {
    AnswerKind.DISCLOSED: "《中华人民共和国政府信息公开条例》第三十六条第（二）项",
    AnswerKind.PARTIAL: "《中华人民共和国政府信息公开条例》第三十七条",
    AnswerKind.WITHHELD: "《中华人民共和国政府信息公开条例》第三十六条第（三）项",
    AnswerKind.NOT_EXIST: "《中华人民共和国政府信息公开条例》第三十六条第（四）项",
    AnswerKind.NOT_HELD: "《中华人民共和国政府信息公开条例》第三十六条第（五）项",
    AnswerKind.REPEATED: "《中华人民共和国政府信息公开条例》第三十六条第（六）项",
    AnswerKind.ALREADY_PUBLIC: "《中华人民共和国政府信息公开条例》第三十六条第（一）项",
    AnswerKind.NOT_PROCESSED: "《中华人民共和国政府信息公开条例》第三十六条第（七）项",
}
GROUND_BASIS = {
    WithholdGround.STATE_SECRET: "第十四条",
    WithholdGround.LAW_FORBIDS: "第十四条",
    WithholdGround.SAFETY: "第十四条",
    WithholdGround.TRADE_SECRET: "第十五条",
    WithholdGround.PRIVACY: "第十五条",
    WithholdGround.INTERNAL: "第十六条第一款",
    WithholdGround.PROCESS: "第十六条第二款",
    WithholdGround.ENFORCEMENT: "第十六条第二款",
}


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待批准")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class ClockLevel(models.TextChoices):
    OK = "ok", _("正常")
    WARNING = "warning", _("临近期限")
    OVERDUE = "overdue", _("已超期")
    PAUSED = "paused", _("补正暂停")
    DONE = "done", _("已答复")


class ConcernState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")
