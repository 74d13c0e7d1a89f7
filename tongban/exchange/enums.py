"""Codes of the government information resource catalogue (政务信息资源目录) and of sharing.

The catalogue's shape follows the national guide for compiling resource catalogues
(《政务信息资源目录编制指南（试行）》, 2017) and GB/T 21063: a resource code of a front part
(classification) and a back part (sequence), a share type, an open type and an update cycle."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceClass(models.TextChoices):
    """资源分类 (the first level of the classification)."""

    BASE = "base", _("基础信息资源")
    THEME = "theme", _("主题信息资源")
    DEPARTMENT = "department", _("部门信息资源")


class BaseRegister(models.TextChoices):
    """The six base registers (基础库)."""

    POPULATION = "population", _("人口基础信息库")
    LEGAL_PERSON = "legal_person", _("法人单位基础信息库")
    LICENCE = "licence", _("电子证照基础信息库")
    CREDIT = "credit", _("社会信用信息库")
    GEOSPATIAL = "geospatial", _("自然资源和空间地理基础信息库")
    ECONOMY = "economy", _("宏观经济信息库")


class ShareType(models.TextChoices):
    """共享类型."""

    UNCONDITIONAL = "unconditional", _("无条件共享")
    CONDITIONAL = "conditional", _("有条件共享")
    NONE = "none", _("不予共享")


class OpenType(models.TextChoices):
    """开放类型 (to the public)."""

    OPEN = "open", _("向社会开放")
    CONDITIONAL = "conditional", _("有条件开放")
    CLOSED = "closed", _("不向社会开放")


class UpdateFrequency(models.TextChoices):
    """更新周期."""

    REALTIME = "realtime", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")
    IRREGULAR = "irregular", _("不定期")


class ResourceFormat(models.TextChoices):
    """信息资源格式 (the national guide's format classes)."""

    DATABASE = "database", _("数据库")
    SPREADSHEET = "spreadsheet", _("电子表格")
    DOCUMENT = "document", _("电子文件")
    IMAGE = "image", _("图形图像")
    STREAM = "stream", _("流媒体")
    SELF_DESCRIBING = "self_describing", _("自描述格式")
    SERVICE = "service", _("服务接口")


class FieldType(models.TextChoices):
    """数据项类型 (the guide's data-item types)."""

    CHAR = "C", _("字符型")
    NUMBER = "N", _("数值型")
    MONEY = "Y", _("货币型")
    DATE = "D", _("日期型")
    DATETIME = "T", _("日期时间型")
    BOOLEAN = "L", _("逻辑型")
    TEXT = "M", _("备注型")
    BINARY = "B", _("二进制")


class Sensitivity(models.TextChoices):
    """Sensitivity class of a data item (数据项敏感级别)."""

    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    SENSITIVE = "sensitive", _("敏感")
    PERSONAL = "personal", _("个人信息")


class MountKind(models.TextChoices):
    """What a resource is mounted as (挂接方式)."""

    SERVICE = "service", _("数据服务接口")
    TABLE = "table", _("库表")
    FILE = "file", _("文件")


class MountState(models.TextChoices):
    UNMOUNTED = "unmounted", _("未挂接")
    MOUNTED = "mounted", _("已挂接")
    SUSPENDED = "suspended", _("暂停")


class EntryState(models.TextChoices):
    """State of one version of a catalogue entry."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class RequestState(models.TextChoices):
    """共享申请 states. Silence past the deadline escalates; it never approves."""

    PENDING = "pending", _("待审核")
    ESCALATED = "escalated", _("逾期已上报")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class GrantState(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("已撤销")
    EXPIRED = "expired", _("已到期")


class CallOutcome(models.TextChoices):
    OK = "ok", _("成功")
    REFUSED = "refused", _("拒绝")
    FAILED = "failed", _("失败")


class Purpose(models.TextChoices):
    """Purpose codes (用途) a request names and a grant carries."""

    ADMIN_LICENSING = "licensing", _("行政许可审查")
    PUBLIC_SERVICE = "public_service", _("公共服务办理")
    VERIFICATION = "verification", _("身份与资格核验")
    SUPERVISION = "supervision", _("事中事后监管")
    ENFORCEMENT = "enforcement", _("行政执法")
    STATISTICS = "statistics", _("统计分析")
    SOCIAL_SECURITY = "social_security", _("社会保障")


class CreditLevel(models.TextChoices):
    """公共信用综合评价等级 of a legal person (社会信用库, a simple model for now)."""

    A = "A", _("A级（诚信）")
    B = "B", _("B级（良好）")
    C = "C", _("C级（警示）")
    D = "D", _("D级（失信）")


class CreditEntryKind(models.TextChoices):
    """A record in a credit file: 守信 (honour: a commendation, an A-grade rating) or 失信."""

    HONOUR = "honour", _("守信")
    DISHONOUR = "dishonour", _("失信")
