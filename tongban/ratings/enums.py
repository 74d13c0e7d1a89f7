"""Code tables of 好差评 (GB/T 39734-2020, GB/T 39735-2020).

Satisfaction levels keep the standard order (1 = 非常满意 … 5 = 非常不满意, GB/T 39046-2020
Appendix A); interfaces that reverse it (1 = 非常不满意) are mapped where they are written
(`national.py`), never here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """满意度 in the standard's numbering."""

    VERY_SATISFIED = 1, _("非常满意")
    SATISFIED = 2, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 4, _("不满意")
    VERY_DISSATISFIED = 5, _("非常不满意")


# 差评 (bad ratings): 不满意 and 非常不满意. 好评 is every other level.
BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})
# The level the system gives a subject not rated within the period (默认好评), marked default.
DEFAULT_LEVEL = Level.SATISFIED


def is_bad(level: int) -> bool:
    return level in BAD_LEVELS


class Node(models.TextChoices):
    """What part of the service a rating is about (评价环节)."""

    APPLY = "apply", _("申报")
    ACCEPT = "accept", _("受理")
    CONCLUDE = "conclude", _("办结")
    WINDOW = "window", _("窗口服务")


class Channel(models.TextChoices):
    """评价渠道, in the order the domain notes list them; `code` is the number the national
    upload uses (docs/ratings-export.md)."""

    PC = "pc", _("PC端")
    MOBILE = "mobile", _("移动端")
    QR = "qr", _("二维码")
    TABLET = "tablet", _("政务大厅平板")
    TERMINAL = "terminal", _("其他大厅终端")
    SMS = "sms", _("短信")
    PHONE = "phone", _("电话")
    DEFAULT = "default", _("系统默认")


CHANNEL_CODES = {
    Channel.PC: "1",
    Channel.MOBILE: "2",
    Channel.QR: "3",
    Channel.TABLET: "4",
    Channel.TERMINAL: "5",
    Channel.SMS: "6",
    Channel.PHONE: "7",
    Channel.DEFAULT: "9",
}

# Channels a signed-in rater uses on the portal; the others come with a token or the tick.
ONLINE_CHANNELS = (Channel.PC, Channel.MOBILE)
TOKEN_CHANNELS = (Channel.SMS, Channel.QR, Channel.TABLET)


class Reason(models.TextChoices):
    """差评原因: the groups a bad rating must name (one or more), with a text. Our codes; the
    national upload carries the codes and the text (docs/ratings-export.md)."""

    ATTITUDE = "attitude", _("服务态度差")
    SLOW = "slow", _("办理时间长、效率低")
    PROCESS = "process", _("办事流程繁琐")
    MATERIALS = "materials", _("材料要求多或重复提交")
    GUIDE = "guide", _("办事指南不准确、不清晰")
    TRIPS = "trips", _("多次跑动")
    SYSTEM = "system", _("系统平台不好用")
    RULES = "rules", _("政策规定不合理")
    OTHER = "other", _("其他")


class RatingState(models.TextChoices):
    VALID = "valid", _("有效")
    REMOVED = "removed", _("已撤销（申诉通过）")


class RectState(models.TextChoices):
    """The rectification of a bad rating (差评整改)."""

    VERIFYING = "verifying", _("待核实")
    APPEALING = "appealing", _("申诉中")
    RECTIFYING = "rectifying", _("整改中")
    REPLIED = "replied", _("已整改答复")
    CALLED_BACK = "called_back", _("已回访")
    CLOSED = "closed", _("已评价整改")
    REMOVED = "removed", _("已撤销")
    WITHDRAWN = "withdrawn", _("评价已改为非差评")


# The rectification counts as done (整改) from the reply on.
RECTIFIED_STATES = frozenset({RectState.REPLIED, RectState.CALLED_BACK, RectState.CLOSED})
CALLED_BACK_STATES = frozenset({RectState.CALLED_BACK, RectState.CLOSED})
OPEN_RECT_STATES = frozenset({RectState.VERIFYING, RectState.APPEALING, RectState.RECTIFYING})


class AppealState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("申诉通过")
    REFUSED = "refused", _("申诉不通过")


class InviteState(models.TextChoices):
    PENDING = "pending", _("待评价")
    RATED = "rated", _("已评价")
    DEFAULTED = "defaulted", _("默认评价")


class Scope(models.TextChoices):
    """The dimension a rollup row counts by."""

    DEPARTMENT = "dept", _("部门")
    REGION = "region", _("地区")
    ITEM = "item", _("事项")
