"""Codes of the IoT part (物联网监管): site kinds, sensor categories, alert states, drop reasons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteKind(models.TextChoices):
    """What kind of premises a monitored site (监测点位) is."""

    KITCHEN = "kitchen", _("餐饮后厨")
    OUTFALL = "outfall", _("排污口")
    FACTORY = "factory", _("厂界")
    CONSTRUCTION = "construction", _("建筑工地")
    OTHER = "other", _("其他")


class SensorCategory(models.TextChoices):
    NOISE = "noise", _("噪声")
    GAS = "gas", _("气体")
    WATER = "water", _("水质")
    SOIL = "soil", _("土壤")


class AlertState(models.TextChoices):
    OPEN = "open", _("持续超标")
    CLOSED = "closed", _("已恢复")


class Drop(models.TextChoices):
    """Why the ingestion worker dropped a message (each reason is counted)."""

    MALFORMED = "malformed", _("报文格式错误")
    UNREGISTERED = "unregistered", _("未登记设备")
    FORGED = "forged", _("设备身份伪造或签名不符")
    INACTIVE = "inactive", _("设备已停用")
    OUT_OF_WINDOW = "out_of_window", _("读数时间超出接收窗口")
    IMPLAUSIBLE = "implausible", _("读数超出量程")
    DUPLICATE = "duplicate", _("重复读数")


# The counters the worker keeps besides the drops.
STORED = "stored"
ALERTS = "alerts"

# Readings older than this (or later than FUTURE_SLACK ahead of the clock) are refused: a
# device's clock that far off is broken, and the time partitions cover only this window.
LATE_WINDOW_DAYS = 30
FUTURE_SLACK_SECONDS = 300

ACTOR = "system:iot-ingest"
