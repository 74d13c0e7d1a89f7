"""Supervision's models. The entity registry (监管对象库) is here; each part of the app keeps its
own models in models_<part>.py (imported at the end of this module)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    INSTITUTION = "institution", _("事业单位")
    SOCIAL = "social", _("社会组织")


class CreditClass(models.TextChoices):
    """信用等级: A (good, checked least) to D (poor, checked most)."""

    A = "A", _("A 类（信用良好）")
    B = "B", _("B 类（信用较好）")
    C = "C", _("C 类（信用一般）")
    D = "D", _("D 类（信用较差）")


# The core part's models (credit, listings, rules, joint tasks): string FKs, so imported here.
from .models_core import *  # noqa: E402,F403


class Entity(models.Model):
    """A supervised entity (监管对象): a legal person from 法人库 or a 个体工商户.

    `credit_class` is the current class from the credit model (written only by its service);
    draws stratify by it. `region_code` is the 6-digit GB/T 2260 code, `industry` the GB/T 4754
    class code (e.g. "H62" 餐饮业)."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("主体类型"), max_length=20, choices=EntityKind.choices)
    region_code = models.CharField(_("行政区划代码"), max_length=6, db_index=True)
    industry = models.CharField(_("行业代码"), max_length=10, db_index=True)
    address = models.CharField(_("经营场所"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField(_("存续"), default=True)
    credit_class = models.CharField(
        _("信用等级"), max_length=1, choices=CreditClass.choices, default=CreditClass.B
    )
    credit_score = models.DecimalField(_("信用分"), max_digits=6, decimal_places=2, null=True, blank=True)
    credit_scored_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监管对象")
        verbose_name_plural = _("监管对象")
        indexes = [models.Index(fields=["region_code", "industry", "credit_class"], name="sup_entity_scope")]

    def __str__(self) -> str:
        return self.name


from .models_draw import *  # noqa: E402,F403
from .models_iot import *  # noqa: E402,F403
