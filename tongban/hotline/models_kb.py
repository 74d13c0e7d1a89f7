"""Knowledge base (知识库) of the 12345 hotline, and the stored dispatch-suggestion models.

- `Article`: a question and its answer (问题、答案), owned by a department (维护部门), valid for a
  period (有效期), reviewed again by a date (复核日期), linked to implementation items and policy
  documents (`ArticleLink`: codes and ids, reached through `catalog.queries` and
  `openness.queries`, never their models). The working text is on the article; each approved text
  is kept as an `ArticleVersion` (the answer an operator gave is traceable to its version).
- `Open311Key`: a client of the Open311 GeoReport v2 facade (its api_key is kept as a keyed hash).
- `DispatchModel`: one trained dispatch classifier (派单建议模型), stored as data: the vocabulary,
  the idf weights and each head's classes, coefficients and intercepts, with the held-out
  accuracy measured when it was trained. Nothing is unpickled: predicting is a dot product.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.search import SearchTextField

from .enums_kb import ArticleLinkKind, ArticleState, ArticleStep

__all__ = ["Article", "ArticleLink", "ArticleReview", "ArticleVersion", "DispatchModel", "Open311Key"]


class Article(models.Model):
    owner = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("维护部门")
    )
    category = models.CharField(_("诉求分类"), max_length=40, blank=True)
    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("答案"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=ArticleState.choices, default=ArticleState.DRAFT
    )
    # The published text (what search and operators see) while a new version is being edited.
    published_question = models.CharField(max_length=300, blank=True)
    published_answer = models.TextField(blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)  # the number of approved versions
    live = models.BooleanField(_("在用"), default=False)  # an approved version is in service
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    review_due = models.DateField(_("复核日期"), null=True, blank=True)
    use_count = models.PositiveIntegerField(_("引用次数"), default=0)
    search_text = SearchTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("知识库文章")
        verbose_name_plural = _("知识库文章")
        indexes = [
            models.Index(fields=["owner", "state"], name="hotline_article_owner_state"),
            models.Index(fields=["live", "-use_count"], name="hotline_article_live_use"),
        ]

    def __str__(self) -> str:
        return self.published_question or self.question


class ArticleVersion(models.Model):
    """An approved text of an article (版本), kept for good."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("答案"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("文章版本")
        verbose_name_plural = _("文章版本")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="hotline_articleversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleLink(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("关联类型"), max_length=10, choices=ArticleLinkKind.choices)
    code = models.CharField(_("编码"), max_length=60)
    label = models.CharField(_("名称"), max_length=300, blank=True)

    class Meta:
        ordering = ["article", "kind", "code"]
        verbose_name = _("关联")
        verbose_name_plural = _("关联")
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "code"], name="hotline_articlelink_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class ArticleReview(models.Model):
    """One step of an article's trail (起草, 修改, 提交, 审核, 退回, 下架)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reviews")
    step = models.CharField(_("环节"), max_length=10, choices=ArticleStep.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "at", "id"]
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")

    def __str__(self) -> str:
        return self.step


class DispatchModel(models.Model):
    """A trained dispatch classifier. `data` = {"vocabulary": [token, ...], "idf": [...],
    "heads": {"category": {"classes", "coef", "intercept"}, "unit": {...}}}; `digest` is the
    SHA-256 of its canonical JSON, checked before use."""

    trained_at = models.DateTimeField(auto_now_add=True)
    trained_by = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    samples = models.PositiveIntegerField(_("样本数"))
    train_count = models.PositiveIntegerField(_("训练集"))
    test_count = models.PositiveIntegerField(_("留出集"))
    category_correct = models.PositiveIntegerField(_("分类正确数"))
    unit_correct = models.PositiveIntegerField(_("承办单位正确数"))
    split = models.CharField(max_length=200)
    params = models.JSONField(default=dict)
    data = models.JSONField()
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("派单建议模型")
        verbose_name_plural = _("派单建议模型")

    def __str__(self) -> str:
        return f"v{self.pk}"

    @property
    def category_accuracy(self) -> float:
        return self.category_correct / self.test_count if self.test_count else 0.0

    @property
    def unit_accuracy(self) -> float:
        return self.unit_correct / self.test_count if self.test_count else 0.0


class Open311Key(models.Model):
    """An Open311 client allowed to post service requests (api_key). Only the keyed hash of the
    key is kept (`core.crypto.blind_index`); the key itself is shown once, when it is made."""

    name = models.CharField(_("客户端名称"), max_length=100, unique=True)
    key_index = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("密钥前缀"), max_length=8)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311客户端")
        verbose_name_plural = _("Open311客户端")

    def __str__(self) -> str:
        return self.name
