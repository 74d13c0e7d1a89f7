"""Codes of the knowledge base (知识库) and of the dispatch suggestion (派单建议)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleState(models.TextChoices):
    """An article's workflow: 起草 → 待审核 → 已发布 → 已下架. Editing a published article makes a
    new draft version of it; the published text stays in use until the new version is approved."""

    DRAFT = "draft", _("起草")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已下架")


EDITABLE_STATES = (ArticleState.DRAFT, ArticleState.PUBLISHED)


class ArticleLinkKind(models.TextChoices):
    """What an article points the caller to: an implementation item (事项, by its code) or a policy
    document (政策文件, by its id)."""

    ITEM = "item", _("办事事项")
    POLICY = "policy", _("政策文件")


class ArticleStep(models.TextChoices):
    """One entry of an article's trail."""

    CREATE = "create", _("起草")
    EDIT = "edit", _("修改")
    SUBMIT = "submit", _("提交审核")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回修改")
    RETIRE = "retire", _("下架")
