"""Codes of government information disclosure (政务公开): policy documents (政策文件), their
interpretations (政策解读) and the workflow that publishes them.

The subject classes are the top level of the State Council's theme classification used on
government portals (国务院政府信息公开 主题分类); document kinds are the fifteen kinds of the
Regulations on Handling Official Documents (《党政机关公文处理工作条例》, 2012) plus the
normative-document forms (办法/规定/规划/方案) common on provincial portals."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Subject(models.TextChoices):
    """主题分类 (top level)."""

    ORGANISATION = "organisation", _("国务院组织机构")
    GENERAL = "general", _("综合政务")
    ECONOMY = "economy", _("国民经济管理、国有资产监管")
    FINANCE = "finance", _("财政、金融、审计")
    LAND = "land", _("国土资源、能源")
    AGRICULTURE = "agriculture", _("农业、林业、水利")
    INDUSTRY = "industry", _("工业、交通")
    COMMERCE = "commerce", _("商贸、海关、旅游")
    MARKET = "market", _("市场监管、安全生产监管")
    CONSTRUCTION = "construction", _("城乡建设、环境保护")
    SCIENCE = "science", _("科技、教育")
    CULTURE = "culture", _("文化、广电、新闻出版")
    HEALTH = "health", _("卫生、体育")
    POPULATION = "population", _("人口与计划生育、妇女儿童工作")
    LABOUR = "labour", _("劳动、人事、监察")
    JUSTICE = "justice", _("公安、安全、司法")
    CIVIL = "civil", _("民政、扶贫、救灾")
    ETHNIC = "ethnic", _("民族、宗教")
    FOREIGN = "foreign", _("对外事务")
    HMT = "hmt", _("港澳台侨工作")
    DEFENCE = "defence", _("国防")
    OTHER = "other", _("其他")


class DocType(models.TextChoices):
    """公文种类."""

    DECISION = "decision", _("决定")
    ORDER = "order", _("命令")
    ANNOUNCEMENT = "announcement", _("公告")
    NOTICE_PUBLIC = "public_notice", _("通告")
    OPINION = "opinion", _("意见")
    NOTICE = "notice", _("通知")
    BULLETIN = "bulletin", _("通报")
    REPORT = "report", _("报告")
    REQUEST = "request", _("请示")
    REPLY = "reply", _("批复")
    MOTION = "motion", _("议案")
    LETTER = "letter", _("函")
    MINUTES = "minutes", _("纪要")
    MEASURES = "measures", _("办法")
    PROVISIONS = "provisions", _("规定")
    PLAN = "plan", _("规划")
    SCHEME = "scheme", _("方案")


# 三同步 (a policy is published with its interpretation): the kinds that need no interpretation.
# Data, not code: the publish service reads this set, and the README names it.
INTERPRETATION_EXEMPT_DOC_TYPES = frozenset(
    {DocType.LETTER, DocType.MINUTES, DocType.REPLY, DocType.REPORT, DocType.REQUEST, DocType.MOTION}
)


class Validity(models.TextChoices):
    """效力状态."""

    VALID = "valid", _("有效")
    AMENDED = "amended", _("已修订")
    REPEALED = "repealed", _("已废止")
    EXPIRED = "expired", _("失效")


class PolicyState(models.TextChoices):
    """The publication workflow: 起草 → 审核 → 保密审查 → 发布 (→ 废止)."""

    DRAFT = "draft", _("起草")
    REVIEW = "review", _("审核")
    SECRECY = "secrecy", _("保密审查")
    PUBLISHED = "published", _("已发布")
    REPEALED = "repealed", _("已废止")


# States in which the drafting department may still change the content.
EDITABLE_STATES = frozenset({PolicyState.DRAFT})


class InterpretationKind(models.TextChoices):
    TEXT = "text", _("文字解读")
    QA = "qa", _("问答")
    GRAPHIC = "graphic", _("图解")


class LinkKind(models.TextChoices):
    ITEM = "item", _("事项")
    BUNDLE = "bundle", _("一件事")
    KNOWLEDGE = "knowledge", _("知识库")


class ReviewStep(models.TextChoices):
    """A step of the workflow trail (PolicyReview.step)."""

    CREATE = "create", _("起草")
    SUBMIT = "submit", _("提交审核")
    REVIEW = "review", _("审核")
    SECRECY = "secrecy", _("保密审查")
    PUBLISH = "publish", _("发布")
    REPEAL = "repeal", _("废止")


class ReviewOutcome(models.TextChoices):
    DONE = "done", _("完成")
    APPROVED = "approved", _("通过")
    RETURNED = "returned", _("退回修改")
    BLOCKED = "blocked", _("未通过")


class FindingKind(models.TextChoices):
    """Personal data the secrecy scanner (保密审查) looks for."""

    ID_CARD = "id_card", _("身份证号码")
    MOBILE = "mobile", _("手机号码")
    LANDLINE = "landline", _("固定电话")
    NAME = "name", _("姓名")


class FindingSource(models.TextChoices):
    """Where a finding was made."""

    TITLE = "title", _("标题")
    SUMMARY = "summary", _("摘要")
    TEXT = "text", _("正文")
    INTERPRETATION = "interpretation", _("解读")
    ATTACHMENT = "attachment", _("附件名称")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    CONFIRMED = "confirmed", _("已确认非个人信息")
    REDACTED = "redacted", _("已遮蔽")


from .enums_disclosure import *  # noqa: E402,F403  依申请公开、回应关切 (helper "disclosure")
