"""Reads of the IoT part: the sites a staff member sees, a site's live state."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from . import permissions_iot as perms
from .enums_iot import AlertState
from .models_iot import Alert, Device, IngestCounter, Reading, Site, Threshold

LIVE_READINGS = 20
LIVE_ALERTS = 10


def sites_for(actor) -> QuerySet[Site]:
    """The sites of the actor's department (every site for a platform administrator), with their
    device count, open alerts and newest reading time."""
    qs = Site.objects.select_related("entity", "department").annotate(
        device_count=Count("devices", distinct=True),
        open_alerts=Count("alerts", filter=Q(alerts__state=AlertState.OPEN), distinct=True),
        last_at=Max("devices__last_at"),
    )
    if perms.is_platform_admin(actor):
        return qs.order_by("code")
    if not perms.is_staff(actor) or actor.department_id is None:
        return qs.none()
    return qs.filter(department_id=actor.department_id).order_by("code")


def _limits(devices: list[Device], site: Site) -> dict[int, Threshold | None]:
    thresholds = {
        (t.sensor_type_id, t.site_id): t
        for t in Threshold.objects.filter(Q(site=site) | Q(site__isnull=True))
    }
    return {
        d.pk: thresholds.get((d.sensor_type_id, site.pk)) or thresholds.get((d.sensor_type_id, None))
        for d in devices
    }


def site_live(site: Site) -> dict:
    """The site's devices (last value, limit), its latest readings and alerts."""
    devices = list(site.devices.select_related("sensor_type").order_by("code"))
    limits = _limits(devices, site)
    by_pk = {d.pk: d for d in devices}
    readings = []
    if devices:
        rows = (
            Reading.objects.filter(device_id__in=list(by_pk))
            .order_by("-taken_at", "-seq")
            .values("device_id", "seq", "taken_at", "value", "exceeded")[:LIVE_READINGS]
        )
        readings = [{**r, "device": by_pk[r["device_id"]]} for r in rows]
    alerts = list(site.alerts.select_related("device", "sensor_type").order_by("-raised_at")[:LIVE_ALERTS])
    return {
        "devices": [{"device": d, "limit": limits[d.pk]} for d in devices],
        "readings": readings,
        "alerts": alerts,
        "open_alerts": sum(1 for a in alerts if a.state == AlertState.OPEN),
    }


def ingest_counts() -> dict[str, int]:
    return dict(IngestCounter.objects.values_list("key", "count"))


def alerts_of(site_id: int) -> QuerySet[Alert]:
    return Alert.objects.filter(site_id=site_id).order_by("-raised_at")
