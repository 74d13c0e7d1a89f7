"""Enums of the annual evaluation (年度评估): its five dimensions, scheme states, scoring rules,
measure sources and grades."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    """The five dimensions of the national online-service capability evaluation
    (省级政府和重点城市一体化政务服务能力调查评估)."""

    MODES = "modes", _("服务方式完备度")
    COVERAGE = "coverage", _("服务事项覆盖度")
    GUIDES = "guides", _("办事指南准确度")
    MATURITY = "maturity", _("在线办理成熟度")
    EFFECT = "effect", _("服务成效度")


class SchemeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")


class Rule(models.TextChoices):
    """How a raw value becomes a 0-100 score. LINEAR: 0 at `floor`, 100 at `target`, linear in
    between, clamped (floor above target: lower is better). STEP: 100 when the value reaches
    `target` (in the floor→target direction), else 0."""

    LINEAR = "linear", _("线性（阈值之间线性得分）")
    STEP = "step", _("达标（达到目标值得满分）")


class Source(models.TextChoices):
    INDICATOR = "indicator", _("平台指标")
    CATALOG = "catalog", _("事项目录")


class Grade(models.TextChoices):
    """Grades as the national evaluation groups provinces (非常高/高/中/低, "第一方阵" …)."""

    FIRST = "first", _("第一方阵（非常高）")
    SECOND = "second", _("第二方阵（高）")
    THIRD = "third", _("第三方阵（中）")
    FOURTH = "fourth", _("第四方阵（低）")
