"""Models of the IoT part (物联网监管, off-site supervision): monitored sites (监测点位) of supervised
entities, the devices registered to them, sensor types, thresholds (data, per sensor type and
site), the readings (time-partitioned on PostgreSQL: see migration 0002_iot) and alerts.

Written only by `iot.py` (registration, thresholds) and `ingest.py` (readings, alerts)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.encrypted import EncryptedColumn

from .enums_iot import AlertState, SensorCategory, SiteKind

__all__ = ["Alert", "Device", "IngestCounter", "Reading", "SensorType", "Site", "Threshold"]


class SensorType(models.Model):
    """A measured quantity (noise dB(A), NH3 ppm, pH ...), with the range a working sensor can
    report: a value outside it is a broken sensor, not an exceedance."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    category = models.CharField(_("类别"), max_length=10, choices=SensorCategory.choices)
    unit = models.CharField(_("单位"), max_length=20)
    range_min = models.FloatField(_("量程下限"))
    range_max = models.FloatField(_("量程上限"))

    class Meta:
        verbose_name = _("传感器类型")
        verbose_name_plural = _("传感器类型")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class Site(models.Model):
    """A supervised entity's premises watched by sensors (a restaurant kitchen, an outfall ...).
    `code` is the site's segment in the MQTT topic; `department` supervises it (its staff see
    the site and get the inspection tasks its alerts open)."""

    code = models.SlugField(_("点位编码"), max_length=40, unique=True)
    name = models.CharField(_("点位名称"), max_length=100)
    kind = models.CharField(_("点位类型"), max_length=20, choices=SiteKind.choices)
    entity = models.ForeignKey(
        "supervision.Entity", on_delete=models.PROTECT, related_name="iot_sites", verbose_name=_("监管对象")
    )
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("监管部门")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监测点位")
        verbose_name_plural = _("监测点位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """A sensor registered to a site. `secret` is the per-device HMAC-SM3 key (SM4-encrypted
    under the key-encryption key, bound to this row); it is shown once, at registration.

    The run fields carry the exceedance evaluation between batches: the current run of
    consecutive readings beyond the threshold (in reading-time order) and the newest reading
    time evaluated (`eval_through`)."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="devices", verbose_name=_("监测点位")
    )
    code = models.CharField(_("设备编号"), max_length=64, unique=True)
    sensor_type = models.ForeignKey(
        SensorType, on_delete=models.PROTECT, related_name="devices", verbose_name=_("传感器类型")
    )
    secret = models.TextField(_("设备密钥（密文）"))
    active = models.BooleanField(_("启用"), default=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    eval_through = models.DateTimeField(null=True, blank=True)
    run_start = models.DateTimeField(null=True, blank=True)
    run_last = models.DateTimeField(null=True, blank=True)
    run_count = models.PositiveIntegerField(default=0)
    run_peak = models.FloatField(null=True, blank=True)
    run_alert = models.ForeignKey(
        "supervision.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_value = models.FloatField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("监测设备")
        verbose_name_plural = _("监测设备")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Threshold(models.Model):
    """A limit for a sensor type, for one site or (site empty) the default for every site.
    A reading exceeds when it is above `upper` or below `lower`; an alert is raised when the
    exceedance is sustained: `sustain_count` consecutive readings, or `sustain_minutes` from
    the first to the latest of them (whichever is set and met first). `opens_task`: the alert
    also opens an inspection task for the site's department."""

    sensor_type = models.ForeignKey(
        SensorType, on_delete=models.PROTECT, related_name="thresholds", verbose_name=_("传感器类型")
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="thresholds",
        verbose_name=_("点位"),
    )
    upper = models.FloatField(_("上限"), null=True, blank=True)
    lower = models.FloatField(_("下限"), null=True, blank=True)
    sustain_count = models.PositiveSmallIntegerField(_("连续超标次数"), null=True, blank=True)
    sustain_minutes = models.PositiveSmallIntegerField(_("持续超标分钟数"), null=True, blank=True)
    opens_task = models.BooleanField(_("超标时发起核查任务"), default=False)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("超标阈值")
        verbose_name_plural = _("超标阈值")
        constraints = [
            models.UniqueConstraint(fields=["sensor_type", "site"], name="sup_iot_threshold_site"),
            models.UniqueConstraint(
                fields=["sensor_type"],
                condition=models.Q(site__isnull=True),
                name="sup_iot_threshold_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_type_id}@{self.site_id or '*'}"


class Reading(models.Model):
    """One sensor reading. On PostgreSQL the table is range-partitioned by `taken_at` (a
    partition per month, see `partitions_iot`), its primary key is (id, taken_at) and its
    unique key (device, taken_at, seq): PostgreSQL requires the partition key in every unique
    index. `exceeded` is the reading judged against the threshold in effect when it arrived."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField()
    taken_at = models.DateTimeField()
    value = models.FloatField()
    exceeded = models.BooleanField(default=False)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("监测读数")
        verbose_name_plural = _("监测读数")
        constraints = [
            models.UniqueConstraint(fields=["device", "taken_at", "seq"], name="sup_iot_reading_once"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}#{self.seq}"


class Alert(models.Model):
    """A sustained exceedance (持续超标预警) of one device: from the first reading of the run
    (`started_at`) to its latest (`last_at`); `raised_at` is the reading that made it sustained.
    Closed by the first reading back within the limit. The limit in force is copied in."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="alerts")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="alerts")
    sensor_type = models.ForeignKey(SensorType, on_delete=models.PROTECT, related_name="+")
    upper = models.FloatField(null=True, blank=True)
    lower = models.FloatField(null=True, blank=True)
    rule = models.CharField(_("规则"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=AlertState.choices, default=AlertState.OPEN)
    started_at = models.DateTimeField(_("开始时间"))
    raised_at = models.DateTimeField(_("预警时间"))
    last_at = models.DateTimeField(_("最近超标时间"))
    closed_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    peak = models.FloatField(_("峰值"))
    readings = models.PositiveIntegerField(_("超标读数"), default=0)
    task_ref = models.CharField(_("核查任务"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("超标预警")
        verbose_name_plural = _("超标预警")
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["device", "started_at"], name="sup_iot_alert_device")]

    def __str__(self) -> str:
        return f"{self.device_id}@{self.started_at:%Y-%m-%d %H:%M}"


class IngestCounter(models.Model):
    """What the ingestion worker stored and dropped, by reason (累计计数)."""

    key = models.CharField(max_length=30, primary_key=True)
    count = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("接入计数")
        verbose_name_plural = _("接入计数")

    def __str__(self) -> str:
        return f"{self.key}={self.count}"


# The device secret's column: SM4 under the key-encryption keyring, bound to the device code.
DEVICE_SECRET = EncryptedColumn("supervision.Device", "secret", row_key=("code",), keyring="kek")
