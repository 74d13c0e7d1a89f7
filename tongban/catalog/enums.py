"""National code tables of the catalogue (GB/T 39046-2020, Appendix A) and our own states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    """事项类型."""

    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    ENFORCEMENT = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    ADJUDICATION = "09", _("行政裁决")
    OTHER_POWER = "10", _("其他行政权力")
    PUBLIC_SERVICE = "20", _("公共服务")


# Only the on-application types are applied for by people and rated by 好差评.
ON_APPLICATION_TYPES = frozenset({"01", "05", "07", "08", "09", "10", "20"})


class ExerciseLevel(models.TextChoices):
    """行使层级."""

    NATIONAL = "1", _("国家级")
    PROVINCIAL = "2", _("省级")
    MUNICIPAL = "3", _("市级")
    COUNTY = "4", _("县级")
    TOWNSHIP = "5", _("镇（乡、街道）级")
    VILLAGE = "6", _("村（社区）级")
    GRADED = "7", _("分级管理")


class ServiceObject(models.TextChoices):
    """服务对象."""

    PERSON = "1", _("自然人")
    ENTERPRISE = "2", _("企业法人")
    INSTITUTION = "3", _("事业法人")
    SOCIAL_ORG = "4", _("社会组织法人")
    AUTHORITY = "5", _("行政机关")
    OTHER = "6", _("其他组织")


class HandlingForm(models.TextChoices):
    """办理形式."""

    WINDOW = "1", _("窗口办理")
    WEB = "2", _("电脑端网上办理")
    MOBILE = "3", _("移动端网上申请")
    POST = "4", _("快递申请")
    OTHER = "9", _("其他")


ONLINE_FORMS = frozenset({HandlingForm.WEB, HandlingForm.MOBILE})


class CaseType(models.TextChoices):
    """办件类型."""

    IMMEDIATE = "1", _("即办件")
    PROMISED = "2", _("承诺件")
    OTHER = "9", _("其他")


class OnlineDepth(models.TextChoices):
    """网上办理深度 (multi-select)."""

    CONSULT = "1", _("互联网咨询")
    RECEIVE = "2", _("收件")
    PRECHECK = "3", _("预审")
    ACCEPT = "4", _("受理")
    HANDLE = "5", _("办理")
    RESULT_INFO = "6", _("结果信息反馈")
    RESULT_LICENCE = "7", _("电子证照反馈")


class TimeUnit(models.TextChoices):
    WORKDAY = "workday", _("工作日")
    CALENDAR_DAY = "calendar_day", _("自然日")
    HOUR = "hour", _("小时")
    MINUTE = "minute", _("分钟")
    MONTH = "month", _("月")


# Approximate calendar days per unit, to compare a promised limit with a statutory one
# given in another unit (5 working days ~ 7 calendar days).
UNIT_IN_DAYS = {
    TimeUnit.MINUTE: 1 / 1440,
    TimeUnit.HOUR: 1 / 24,
    TimeUnit.WORKDAY: 7 / 5,
    TimeUnit.CALENDAR_DAY: 1,
    TimeUnit.MONTH: 30,
}


class Status(models.TextChoices):
    """Version states: draft -> in_review -> published -> superseded."""

    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("待审核")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本替代")


class MaterialSource(models.TextChoices):
    APPLICANT = "1", _("申请人自备")
    GOVERNMENT = "2", _("政府部门核发")
    INTERMEDIARY = "3", _("中介机构出具")
    OTHER = "9", _("其他")


class MaterialRequirement(models.TextChoices):
    REQUIRED = "required", _("必要")
    OPTIONAL = "optional", _("非必要")
    DEFERRABLE = "deferrable", _("容缺后补")


class MaterialMedium(models.TextChoices):
    PAPER = "paper", _("纸质")
    ELECTRONIC = "electronic", _("电子")
    BOTH = "both", _("纸质或电子")


class HandlingKind(models.TextChoices):
    """业务办理项 kinds."""

    NEW = "new", _("设立")
    CHANGE = "change", _("变更")
    RENEWAL = "renewal", _("延续")
    CANCEL = "cancel", _("注销")
    OTHER = "other", _("其他")


class Audience(models.TextChoices):
    PERSON = "person", _("个人办事")
    ENTERPRISE = "enterprise", _("法人办事")


class HandlingList(models.TextChoices):
    """The published handling-mode lists (马上办、网上办、就近办、一次办)."""

    NOW = "now", _("马上办")
    ONLINE = "online", _("网上办")
    NEARBY = "nearby", _("就近办")
    ONCE = "once", _("一次办")


class DeliveryMethod(models.TextChoices):
    WINDOW = "window", _("窗口领取")
    POST = "post", _("邮政寄递")
    ELECTRONIC = "electronic", _("电子证照/网上下载")
