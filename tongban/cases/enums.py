"""Case codes (办件). The lifecycle states are the canonical national ones (domain.md); local
codes map onto them at interfaces. Codes marked (inferred) follow GB/T 39046's data sets where
the public text does not give the number."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("已申报")  # 申报, waiting for 预审
    SUPPLEMENT = "supplement", _("待补正")  # 预审: materials requested, clock not started
    ACCEPTED = "accepted", _("已受理")  # 受理: in the approval chain
    PAUSED = "paused", _("暂停计时")  # 补齐补正 or 特别程序 after acceptance
    DECIDED = "decided", _("已决定")  # 决定 准予 / 不予, waiting for 办结
    CONCLUDED = "concluded", _("已办结")  # 办结 with a result code, waiting for 送达
    DELIVERED = "delivered", _("已送达")
    RETURNED = "returned", _("已退回")  # 预审 returned with a reason (final)
    REFUSED = "refused", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")

    @classmethod
    def final(cls) -> frozenset[str]:
        return frozenset({cls.DELIVERED, cls.RETURNED, cls.REFUSED, cls.WITHDRAWN})

    @classmethod
    def clock_running(cls) -> frozenset[str]:
        return frozenset({cls.ACCEPTED})


class Channel(models.TextChoices):
    """办理形式 (GB/T 39046): where the application came in."""

    WINDOW = "1", _("窗口办理")
    PC = "2", _("电脑端网上办理")
    MOBILE = "3", _("移动端网上申请")
    POST = "4", _("快递申请")
    OTHER = "9", _("其他（部门系统接口）")

    @classmethod
    def online(cls) -> frozenset[str]:
        return frozenset({cls.PC, cls.MOBILE})


class MaterialStage(models.TextChoices):
    """When a case file came in (CaseMaterial.stage): shown by its label, never the raw value."""

    APPLICATION = "application", _("申请时提交")
    SUPPLEMENT = "supplement", _("补正材料")
    WINDOW = "window", _("窗口收件")
    GENERATED = "generated", _("系统生成")
    SIGNED = "signed", _("在线签署")


class Decision(models.TextChoices):
    GRANT = "grant", _("准予")
    DENY = "deny", _("不予")


class ResultCode(models.TextChoices):
    """办结 result (inferred numbering; names from the national lifecycle)."""

    ISSUED = "01", _("出证")
    GRANTED = "02", _("准予（无证照）")
    DENIED = "03", _("不予许可")
    VOIDED = "04", _("作废")
    RETURNED = "05", _("退件")


# What the applicant reads for a result (in the case page, the SMS, the timeline): the codes'
# names (出证, 准予（无证照）) are the officer's words. A 行政许可 (item type "01") is granted or
# refused as 许可; any other item is 办理完成 / 不予办理.
LICENSING_ITEM_TYPE = "01"
RESULT_WORDS = {
    ResultCode.ISSUED: (_("准予许可"), _("办理完成")),
    ResultCode.GRANTED: (_("准予许可"), _("办理完成")),
    ResultCode.DENIED: (_("不予许可"), _("不予办理")),
    ResultCode.VOIDED: (_("办件已作废"), _("办件已作废")),
    ResultCode.RETURNED: (_("已退件，未作决定"), _("已退件，未作决定")),
}


def result_words(code: str, item_type: str, licence_name: str = "") -> str:
    """The result as the applicant reads it ("" for no result); with the name of the licence
    issued (出证 into the e-licence library), that it was issued."""
    if code not in RESULT_WORDS:
        return ""
    licensing, other = RESULT_WORDS[ResultCode(code)]
    words = str(licensing if item_type == LICENSING_ITEM_TYPE else other)
    if licence_name:
        words = _("%(result)s，电子%(licence)s已签发") % {"result": words, "licence": licence_name}
    return str(words)


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", _("补齐补正")
    SPECIAL = "special", _("特别程序")


class SpecialProcedure(models.TextChoices):
    HEARING = "hearing", _("听证")
    TESTING = "testing", _("检验检测")
    EXPERT = "expert", _("专家评审")
    SURVEY = "survey", _("现场勘查")
    PUBLICITY = "publicity", _("公示")
    OTHER = "other", _("其他")


class Delivery(models.TextChoices):
    WINDOW = "window", _("窗口领取")
    POST = "post", _("邮寄送达")
    ELECTRONIC = "electronic", _("电子送达")


class StepState(models.TextChoices):
    WAITING = "waiting", _("待处理")
    ACTIVE = "active", _("办理中")
    DONE = "done", _("已完成")
    SKIPPED = "skipped", _("未执行")


class ExtensionState(models.TextChoices):
    """An extension request (延期申请): it moves the deadline only when its approver approves."""

    PENDING = "pending", _("待批准")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class StepOutcome(models.TextChoices):
    PASS = "pass", _("同意")
    FAIL = "fail", _("不同意")


class ClockLevel(models.TextChoices):
    """电子监察 warning level of a case or step."""

    OK = "ok", _("正常")
    WARNING = "warning", _("预警")  # 80 % of the time used
    OVERDUE = "overdue", _("超期")
