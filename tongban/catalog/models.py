"""The catalogue (政务服务事项管理): basic items, implementation items and their guides.

Both item kinds are versioned: each row is one version of the item with the same `code`.
A draft is edited, submitted for review and published; a published version is immutable
(its `save()` refuses) and a change makes a new version, so a case applied under version N
keeps exactly the guide it was applied under. `is_current` marks the one published version
that the portal and the API show.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict
from tongban.core.search import SearchTextField

from .enums import (
    Audience,
    CaseType,
    ExerciseLevel,
    HandlingKind,
    ItemType,
    MaterialMedium,
    MaterialRequirement,
    MaterialSource,
    Status,
    TimeUnit,
)

FROZEN_STATES = (Status.PUBLISHED, Status.SUPERSEDED)


class Versioned(models.Model):
    """One version of a catalogued thing; published versions never change."""

    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    is_current = models.BooleanField(_("当前发布版本"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if getattr(self, "_stored_status", None) in FROZEN_STATES:
            raise Conflict(f"{self} 第{self.version}版已发布，不能修改；请创建新版本")
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        instance._stored_status = instance.__dict__.get("status")
        return instance

    @property
    def is_editable(self) -> bool:
        return self.status == Status.DRAFT


class Topic(models.Model):
    """A life event (个人: 出生, 上学 ...) or an enterprise stage (法人: 开办, 经营 ...)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("名称"), max_length=40)
    audience = models.CharField(_("对象"), max_length=12, choices=Audience.choices)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["audience", "order", "slug"]
        verbose_name = _("主题")
        verbose_name_plural = _("主题")

    def __str__(self) -> str:
        return self.name


class BasicItem(Versioned):
    """基本目录: the provincial definition every implementation follows (四级四同)."""

    code = models.CharField(_("基本编码"), max_length=12, db_index=True)
    name = models.CharField(_("事项名称"), max_length=200)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    level = models.CharField(_("行使层级"), max_length=1, choices=ExerciseLevel.choices)
    legal_basis = models.TextField(_("设定依据"))
    service_objects = models.JSONField(_("服务对象"), default=list)
    description = models.TextField(_("事项说明"), blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="basic_items")
    hot = models.PositiveIntegerField(_("热度"), default=0)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("基本目录事项")
        verbose_name_plural = _("基本目录事项")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="basic_code_version_unique"),
            models.UniqueConstraint(fields=["code"], condition=Q(is_current=True), name="basic_one_current"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status__in=["draft", "in_review"]), name="basic_one_open_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ImplementationItem(Versioned):
    """实施清单: one department's implementation of a basic item in one region, with its guide."""

    code = models.CharField(_("实施编码"), max_length=36, db_index=True)
    basic_code = models.CharField(_("基本编码"), max_length=12, db_index=True)
    name = models.CharField(_("事项名称"), max_length=200)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    level = models.CharField(_("行使层级"), max_length=1, choices=ExerciseLevel.choices)
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    service_objects = models.JSONField(_("服务对象"), default=list)
    description = models.TextField(_("事项说明"), blank=True)
    legal_basis = models.TextField(_("设定依据"))
    conditions = models.TextField(_("受理条件"), blank=True)
    statutory_limit = models.PositiveIntegerField(_("法定办结时限"))
    statutory_unit = models.CharField(
        _("法定时限单位"), max_length=12, choices=TimeUnit.choices, default=TimeUnit.WORKDAY
    )
    promised_limit = models.PositiveIntegerField(_("承诺办结时限"), help_text=_("0 表示即时办结"))
    promised_unit = models.CharField(
        _("承诺时限单位"), max_length=12, choices=TimeUnit.choices, default=TimeUnit.WORKDAY
    )
    limit_note = models.CharField(_("时限说明"), max_length=500, blank=True)
    case_type = models.CharField(_("办件类型"), max_length=1, choices=CaseType.choices)
    charged = models.BooleanField(_("是否收费"), default=False)
    fees = models.JSONField(_("收费项目"), default=list, help_text=_("[{name, standard}]"))
    fee_basis = models.TextField(_("收费依据"), blank=True)
    visits = models.PositiveSmallIntegerField(_("到办事现场次数"), default=0)
    visit_reason = models.CharField(_("必须现场办理原因"), max_length=500, blank=True)
    handling_forms = models.JSONField(_("办理形式"), default=list)
    online_depth = models.JSONField(_("网上办理深度"), default=list)
    fully_online = models.BooleanField(_("全程网办"), default=False)
    nearby = models.BooleanField(
        _("就近办"), default=False, help_text=_("可在乡镇（街道）、村（社区）便民服务站办理")
    )
    delivery_methods = models.JSONField(_("送达方式"), default=list)
    steps = models.JSONField(_("办理流程"), default=list, help_text=_("[{name, description, time_limit}]"))
    places = models.JSONField(_("办理地点"), default=list, help_text=_("[{name, address, hours, phone}]"))
    consult_phone = models.CharField(_("咨询电话"), max_length=60)
    complaint_phone = models.CharField(_("监督投诉电话"), max_length=60)
    faqs = models.JSONField(_("常见问题"), default=list, help_text=_("[{q, a}]"))
    result_name = models.CharField(_("审批结果名称"), max_length=200, blank=True)
    result_license_type_code = models.CharField(
        _("审批结果电子证照类型代码"),
        max_length=40,
        blank=True,
        help_text=_("填写后，以“出证”办结时自动向电子证照库签发该类证照"),
    )
    result_sample = models.TextField(_("审批结果样本"), blank=True)
    online_url = models.CharField(_("网上办理地址"), max_length=300, blank=True)
    popularity = models.PositiveIntegerField(_("热度"), default=0)
    # Derived on every save by services.derive_flags (the published lists filter on these).
    is_online = models.BooleanField(_("可网办"), default=False, editable=False)
    is_immediate = models.BooleanField(_("马上办"), default=False, editable=False)
    at_most_once = models.BooleanField(_("最多跑一次"), default=False, editable=False)
    zero_visit = models.BooleanField(_("零跑动"), default=False, editable=False)
    search_text = SearchTextField()

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("实施清单事项")
        verbose_name_plural = _("实施清单事项")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="impl_code_version_unique"),
            models.UniqueConstraint(fields=["code"], condition=Q(is_current=True), name="impl_one_current"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status__in=["draft", "in_review"]), name="impl_one_open_draft"
            ),
        ]
        indexes = [
            models.Index(
                fields=["region"],
                name="impl_region_prefix",
                opclasses=["varchar_pattern_ops"],
                condition=Q(is_current=True),
            ),
            models.Index(fields=["department", "is_current"], name="impl_department_current"),
            models.Index(fields=["is_current", "-popularity", "code"], name="impl_current_hot"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_immediate_limit(self) -> bool:
        return self.promised_limit == 0


class HandlingItem(models.Model):
    """业务办理项: the smallest catalogued unit (new / change / renewal / cancellation)."""

    item = models.ForeignKey(ImplementationItem, on_delete=models.CASCADE, related_name="handling_items")
    code = models.CharField(_("业务办理项编码"), max_length=50)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=10, choices=HandlingKind.choices, default=HandlingKind.NEW)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="handling_code_unique")]
        verbose_name = _("业务办理项")
        verbose_name_plural = _("业务办理项")

    def __str__(self) -> str:
        return self.name


class ItemSearch(models.Model):
    """The search row of a current implementation item: only what search filters, ranks and
    matches on. Narrow on purpose: a word search walks rows in popularity order and checks each
    one's vector, and at 724,000 items the guide rows (about 2 kB each) do not stay in memory
    while these do. Kept in step by `services.sync_search_rows` wherever items become current."""

    item = models.OneToOneField(
        ImplementationItem, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(max_length=36, unique=True)
    name = models.CharField(max_length=200)
    popularity = models.PositiveIntegerField(default=0)
    region_id = models.CharField(max_length=12)
    department_id = models.BigIntegerField()
    item_type = models.CharField(max_length=2)
    basic_code = models.CharField(max_length=12)
    is_online = models.BooleanField(default=False)
    is_immediate = models.BooleanField(default=False)
    nearby = models.BooleanField(default=False)
    at_most_once = models.BooleanField(default=False)
    # 服务对象 codes run together ("12": 自然人 and 企业法人): one digit per code, so the
    # `object` filter is a substring test on this narrow row (no JSON lookups, same on both DBs).
    service_objects = models.CharField(max_length=12, blank=True, default="")
    search_text = SearchTextField()

    class Meta:
        indexes = [
            models.Index(fields=["-popularity", "code"], name="search_hot"),
            models.Index(fields=["region_id"], name="search_region", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["department_id", "-popularity"], name="search_department"),
            models.Index(fields=["basic_code"], name="search_basic"),
        ]

    def __str__(self) -> str:
        return self.code


class Material(models.Model):
    """A material (申请材料) of an implementation item version."""

    item = models.ForeignKey(ImplementationItem, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    source = models.CharField(
        _("来源渠道"), max_length=1, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    originals = models.PositiveSmallIntegerField(_("原件份数"), default=0)
    copies = models.PositiveSmallIntegerField(_("复印件份数"), default=0)
    medium = models.CharField(
        _("材料形式"), max_length=10, choices=MaterialMedium.choices, default=MaterialMedium.BOTH
    )
    requirement = models.CharField(
        _("必要性"), max_length=10, choices=MaterialRequirement.choices, default=MaterialRequirement.REQUIRED
    )
    license_type_code = models.CharField(
        _("可替代的电子证照类型代码"),
        max_length=40,
        blank=True,
        help_text=_("填写后，电子证照库中已有的证照可免提交"),
    )
    license_type_name = models.CharField(_("电子证照类型名称"), max_length=100, blank=True)
    spec = models.CharField(_("填报要求"), max_length=500, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        ordering = ["item", "order", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.name


class ReviewFlag(models.Model):
    """A request to review an implementation item because something it rests on changed — a
    policy document (政策文件) linked to it was published, relinked or repealed (openness).
    Keyed by the item's code (it outlives versions); open until catalogue staff clear it."""

    code = models.CharField(_("实施编码"), max_length=36, db_index=True)
    reason = models.CharField(_("复核原因"), max_length=300)
    source = models.CharField(_("来源"), max_length=120)  # e.g. "openness.policy:12 鄂政发〔2026〕3号"
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clear_note = models.CharField(_("处理说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("待复核标记")
        verbose_name_plural = _("待复核标记")
        indexes = [models.Index(fields=["code", "cleared_at"], name="catalog_flag_open")]

    def __str__(self) -> str:
        return f"{self.code} {self.reason}"
