"""Meanings for 双随机一公开 (random inspection): inspection methods, result codes, plan and draw
states, conflict relations. Codes are stable strings; labels are Chinese with English by gettext."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    """检查方式."""

    ON_SITE = "on_site", _("现场检查")
    DOCUMENTS = "documents", _("书面检查")
    ONLINE = "online", _("网络监测")
    SAMPLING = "sampling", _("抽样检测")


class ObjectType(models.TextChoices):
    """检查对象类型 (which entities a matter applies to)."""

    ALL = "all", _("各类市场主体")
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    INSTITUTION = "institution", _("事业单位")
    SOCIAL = "social", _("社会组织")


class ResultCode(models.TextChoices):
    """检查结果 (what an inspection found). The meanings are part of the rules (细则)."""

    PASS = "pass", _("合格")
    RECTIFY = "rectify", _("发现问题已责令整改")
    NO_ISSUE = "no_issue", _("未发现问题")
    UNREACHABLE = "unreachable", _("查无下落")
    FAIL = "fail", _("不合格")


RESULT_MEANINGS = {
    ResultCode.PASS: _("检查事项全部符合要求"),
    ResultCode.RECTIFY: _("发现问题，已当场责令限期整改"),
    ResultCode.NO_ISSUE: _("按细则检查，未发现违法违规问题"),
    ResultCode.UNREACHABLE: _("通过登记的住所或经营场所无法联系"),
    ResultCode.FAIL: _("不符合要求，移交立案处理"),
}


class PlanState(models.TextChoices):
    DRAFT = "draft", _("起草")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已退回")
    DRAWN = "drawn", _("已抽取")


class DrawState(models.TextChoices):
    """Commit → snapshot → reveal → drawn (see docs/supervision-draw.md)."""

    COMMITTING = "committing", _("承诺中")
    SNAPSHOTTED = "snapshotted", _("名录已固定")
    DRAWN = "drawn", _("已抽取")


class ConflictRelation(models.TextChoices):
    """申报的利害关系."""

    RELATIVE = "relative", _("近亲属任职或持股")
    FORMER_EMPLOYER = "former_employer", _("原工作单位")
    OTHER = "other", _("其他利害关系")


CREDIT_CLASSES = ("A", "B", "C", "D")
