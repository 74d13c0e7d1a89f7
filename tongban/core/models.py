"""Kernel data: regions, departments, the working-day calendar and the audit chain."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import DayKind, DepartmentKind, RegionLevel


class Region(models.Model):
    """An administrative division. `code` is the 12-digit statistical code (统计用区划代码);
    `gb_code` the 6-digit GB/T 2260 code for the province, city and county levels."""

    code = models.CharField(_("统计用区划代码"), max_length=12, primary_key=True)
    gb_code = models.CharField(_("行政区划代码"), max_length=6, blank=True, db_index=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # The significant prefix of `code`: every descendant's code starts with it.
    prefix = models.CharField(max_length=12, db_index=True)
    full_name = models.CharField(_("全称"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    credit_code_override = models.BooleanField(
        _("校验位例外（早期试点代码）"), default=False, help_text=_("校验位不通过但经人工确认合法")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=DepartmentKind.choices)
    phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    hours = models.CharField(_("办公时间"), max_length=100, blank=True)
    description = models.TextField(_("职能简介"), blank=True)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class CalendarYear(models.Model):
    """A year the working-day calendar covers. Without a row, deadlines into it are refused."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    source = models.CharField(_("来源"), max_length=200)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Monday-Friday rule: a public holiday or an adjusted workday (调休)."""

    date = models.DateField(_("日期"), primary_key=True)
    kind = models.CharField(_("类别"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class AuditEvent(models.Model):
    """One write, hash-chained: hash = SM3(prev_hash || canonical JSON of the event)."""

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(_("操作人"), max_length=100)
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=80)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class KeyRotationCheckpoint(models.Model):
    """How far `manage.py keys rotate` got in one encrypted column, so a killed run resumes
    (tongban/core/rotation.py). `target` names the key ids rotated to: a new target starts the
    column over."""

    column = models.CharField(max_length=120, unique=True)
    target = models.CharField(max_length=200)
    last_pk = models.BigIntegerField(default=0)
    rewritten = models.BigIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.column} → {self.target} @{self.last_pk}"


class IdempotentRequest(models.Model):
    """One write that a retry or a double submission must not repeat (幂等): an API call with an
    `Idempotency-Key` header, or a workbench form with its one-time token. The first answer is
    kept (the API's status and body, or the form's redirect) and given again to the same key."""

    actor = models.CharField(max_length=100)
    key = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the method, path and body
    status = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="idempotent_request_unique")]
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")

    def __str__(self) -> str:
        return self.key
