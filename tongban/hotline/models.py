"""hotline models. Each part of the app keeps its models in models.py or models_<part>.py, imported at the
end of this module.

The tickets part (工单): `Ticket` and its event log, the units that handle it (主办/协办), the
configurable deadline rules, returns' arbitration (争议裁定), extensions, the operators' call
records (接通率) and the metric rollups maintained on each transition.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.core.encrypted import EncryptedColumn

from .enums import (
    Category,
    Channel,
    DisputeState,
    ExtensionState,
    Supervision,
    TicketKind,
    TicketState,
    UnitRole,
    Urgency,
)

USER = settings.AUTH_USER_MODEL


class Ticket(models.Model):
    """One citizen request (诉求) on the 12345 hotline, from intake to rating."""

    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    channel = models.CharField(_("受理渠道"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("诉求类型"), max_length=16, choices=TicketKind.choices)
    category = models.CharField(_("诉求分类"), max_length=16, choices=Category.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    text = models.TextField(_("诉求内容"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    region_code = models.CharField(_("所在区划"), max_length=12, blank=True)
    # The caller (来电人/留言人): encrypted at rest, masked on screen; the blind index finds
    # "my tickets" of an anonymous caller by phone.
    contact_name_enc = models.TextField(blank=True)
    contact_phone_enc = models.TextField(blank=True)
    contact_phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    citizen = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("留言人账号")
    )
    anonymous_to_unit = models.BooleanField(_("对承办单位匿名"), default=False)
    source_ref = models.CharField(_("来源编号"), max_length=64, blank=True)
    operator = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("受理坐席")
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=TicketState.choices, default=TicketState.RECEIVED
    )
    # The lead handling unit (主办单位) now, and the stack of units that re-dispatched downward
    # to it (a return goes back to the last of them, or to the platform when empty).
    unit = models.ForeignKey(
        "core.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("承办单位"),
    )
    chain = models.JSONField(default=list, blank=True)
    dispatches = models.PositiveSmallIntegerField(_("派单次数"), default=0)
    returns = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    bound = models.BooleanField(_("裁定承办（不得退回）"), default=False)
    reopens = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    direct = models.BooleanField(_("直接答复"), default=False)
    answer = models.TextField(_("答复内容"), blank=True)
    article_id = models.IntegerField(_("知识库文章"), null=True, blank=True)
    # Deadlines (时限): 签收 by a datetime (hours), reply by a date (working days).
    accept_due = models.DateTimeField(_("签收时限"), null=True, blank=True)
    reply_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=0)
    reply_due = models.DateField(_("办理期限"), null=True, blank=True)
    paused_days = models.PositiveSmallIntegerField(_("暂停工作日数"), default=0)
    pause_started_on = models.DateField(_("暂停起始日"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("延期工作日数"), default=0)
    clock_start = models.DateField(_("起算日"), null=True, blank=True)
    supervision = models.PositiveSmallIntegerField(
        _("督办"), choices=Supervision.choices, default=Supervision.NONE
    )
    accepted_on_time = models.BooleanField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True, blank=True)
    solved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    rating_level = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("合并至"),
    )
    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Queues, keyset-paginated on id: a unit's tickets by state, the platform's by state.
            models.Index(fields=["unit", "state", "-id"], name="hotline_unit_queue"),
            models.Index(fields=["state", "-id"], name="hotline_state_queue"),
            models.Index(fields=["citizen", "-id"], name="hotline_mine"),
            models.Index(fields=["region_code", "received_at"], name="hotline_near"),
            models.Index(fields=["state", "reply_due"], name="hotline_due"),
        ]
        verbose_name = _("工单")
        verbose_name_plural = _("工单")

    def __str__(self) -> str:
        return self.number


TICKET_CONTACT_NAME = EncryptedColumn("hotline.Ticket", "contact_name_enc", row_key=("number",))
TICKET_CONTACT_PHONE = EncryptedColumn("hotline.Ticket", "contact_phone_enc", row_key=("number",))


class TicketEvent(models.Model):
    """The ticket's log (流转记录): each transition, by whom, from and to which state."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    unit = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    public = models.BooleanField(default=True)  # shown to the citizen (status notes)

    class Meta:
        ordering = ["ticket", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class TicketUnit(models.Model):
    """A unit working on the ticket: the lead (主办) and assisting units (协办)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="units")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=UnitRole.choices)
    active = models.BooleanField(default=True)
    opinion = models.TextField(_("协办意见"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "department"], condition=Q(active=True), name="hotline_one_active_unit"
            )
        ]
        indexes = [models.Index(fields=["department", "active"], name="hotline_assist_queue")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.role} {self.department_id}"


class TicketCounter(models.Model):
    """A day of ticket numbers (工单编号 = yymmdd + 6 digits; `intake._next_number`).
    PostgreSQL: `base`, the number sequence's value before the day's first number (a number is
    the day + nextval - base; `last` stays 0). SQLite: `last`, the day's last number."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
    base = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


class DeadlineRule(models.Model):
    """时限规则 per kind and urgency: 签收 within hours, reply within working days."""

    kind = models.CharField(_("诉求类型"), max_length=16, choices=TicketKind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices)
    accept_hours = models.PositiveSmallIntegerField(_("签收时限（小时）"))
    reply_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "urgency"], name="hotline_one_rule")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.urgency}"


class Dispute(models.Model):
    """争议裁定: a ticket returned too often; the platform designates the unit, which binds."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="disputes")
    opened_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=DisputeState.choices, default=DisputeState.OPEN)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    unit = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(state="open"), name="hotline_one_open_dispute"
            )
        ]
        indexes = [models.Index(fields=["state", "opened_at"], name="hotline_dispute_queue")]

    def __str__(self) -> str:
        return f"争议 {self.ticket_id}"


class Extension(models.Model):
    """延期申请: the unit asks, the platform's dispatcher approves."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField()
    reason = models.TextField()
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(state="pending"), name="hotline_one_pending_extension"
            )
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="hotline_extension_queue")]

    def __str__(self) -> str:
        return f"延期 {self.ticket_id} +{self.days}"


class CallRecord(models.Model):
    """One incoming call at a hotline centre (话务记录): answered or not (接通率)."""

    region_code = models.CharField(max_length=12)  # the centre's region (province or city)
    operator = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    answered = models.BooleanField()
    seconds = models.PositiveIntegerField(default=0)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")

    class Meta:
        indexes = [models.Index(fields=["region_code", "at"], name="hotline_calls")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.at:%Y-%m-%d %H:%M}"


class UnitRollup(models.Model):
    """Counters per handling unit and month, moved by the transitions (no scans at read time)."""

    department = models.ForeignKey("core.Department", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    dispatched = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    accepted_on_time = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    visited = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "month"], name="hotline_unit_month")]

    def __str__(self) -> str:
        return f"{self.department_id} {self.month}"


class CentreRollup(models.Model):
    """Counters per hotline centre (region) and month: calls (接通率) and direct answers (直接答复率)."""

    region_code = models.CharField(max_length=12)
    month = models.DateField()
    calls = models.PositiveIntegerField(default=0)
    answered_calls = models.PositiveIntegerField(default=0)
    tickets = models.PositiveIntegerField(default=0)
    direct = models.PositiveIntegerField(default=0)
    # Each centre's month is kept in a few rows (条带 stripes) that the readers sum: writers at
    # once (every intake moves its centre's row) take different rows instead of queueing on one
    # row locked to their commit (`metrics.bump_centre`).
    stripe = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "month", "stripe"], name="hotline_centre_month_stripe"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month}"


from .models_kb import *  # noqa: E402,F403  knowledge base and dispatch models (helper "hotline-kb")
