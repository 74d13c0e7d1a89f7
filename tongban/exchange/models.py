"""Data sharing (政务信息资源共享): the resource catalogue (every version of an entry a row, as
catalogue items are: ADR 0001), what each resource is mounted as, the requests departments make
and the grants they are given, and the gateway's call log.

Cross-app references use string labels (core.Department); grants name the calling system by its
OIDC client id (accounts' clients). Subjects in the call log are blind-indexed, never stored in
plain text.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .enums import (
    CallOutcome,
    CreditLevel,
    EntryState,
    GrantState,
    MountKind,
    MountState,
    OpenType,
    RequestState,
    ResourceClass,
    ResourceFormat,
    ShareType,
    UpdateFrequency,
)


class Resource(models.Model):
    """One version of a catalogue entry (信息资源). `code` is the resource code (信息资源代码),
    stable across versions; one current (published) version and at most one draft per code.

    `fields` lists the data items (信息项) as {"key", "name", "type" (FieldType), "length",
    "sensitivity" (Sensitivity), "description"}; keys are stable across versions, so a grant's
    fields keep their meaning. A grant refers to the version it was given on."""

    code = models.CharField(_("信息资源代码"), max_length=40)
    version = models.PositiveIntegerField(_("版本"), default=1)
    state = models.CharField(_("状态"), max_length=10, choices=EntryState.choices, default=EntryState.DRAFT)
    is_current = models.BooleanField(_("当前版本"), default=False)
    name = models.CharField(_("信息资源名称"), max_length=200)
    summary = models.TextField(_("信息资源摘要"))
    provider = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("信息资源提供方")
    )
    resource_class = models.CharField(_("资源分类"), max_length=12, choices=ResourceClass.choices)
    base_register = models.CharField(_("基础库"), max_length=16, blank=True)  # BaseRegister, base class only
    subject = models.CharField(_("主题分类"), max_length=60, blank=True)
    format = models.CharField(_("信息资源格式"), max_length=16, choices=ResourceFormat.choices)
    fields = models.JSONField(_("信息项"), default=list)
    share_type = models.CharField(_("共享类型"), max_length=14, choices=ShareType.choices)
    share_condition = models.TextField(_("共享条件"), blank=True)
    share_basis = models.CharField(_("不予共享或有条件共享依据"), max_length=300, blank=True)
    open_type = models.CharField(_("开放类型"), max_length=12, choices=OpenType.choices)
    open_condition = models.TextField(_("开放条件"), blank=True)
    update_frequency = models.CharField(_("更新周期"), max_length=12, choices=UpdateFrequency.choices)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    # Federation: an entry a city instance registered with the province (its own code there).
    origin = models.CharField(_("来源节点"), max_length=60, blank=True)
    origin_code = models.CharField(_("来源节点资源代码"), max_length=40, blank=True)
    change_note = models.CharField(_("变更说明"), max_length=300, blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("信息资源")
        verbose_name_plural = _("信息资源目录")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="exchange_resource_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="exchange_resource_one_current"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(state="draft"), name="exchange_resource_one_draft"
            ),
        ]
        indexes = [models.Index(fields=["provider", "is_current"], name="exchange_resource_provider")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} {self.name}"


class Mount(models.Model):
    """What a resource code is mounted as (挂接): a data service (a handler the gateway calls,
    or a remote gateway for a federated entry), a table or a file. One per code, outside the
    versions: the data's last update is not an edit of the entry."""

    code = models.CharField(_("信息资源代码"), max_length=40, unique=True)
    kind = models.CharField(_("挂接方式"), max_length=10, choices=MountKind.choices)
    state = models.CharField(
        _("挂接状态"), max_length=10, choices=MountState.choices, default=MountState.MOUNTED
    )
    # service: a registered handler name ("population.person") or a remote gateway URL;
    # table: "<app_label>.<Model>"; file: a file name under the exchange file store.
    target = models.CharField(_("挂接对象"), max_length=300)
    media_type = models.CharField(_("媒体类型"), max_length=100, blank=True)
    byte_size = models.BigIntegerField(null=True, blank=True)
    records = models.BigIntegerField(_("记录数"), null=True, blank=True)
    mounted_at = models.DateTimeField(_("挂接时间"))
    mounted_by = models.CharField(max_length=100)
    last_updated_at = models.DateTimeField(_("数据最近更新时间"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("资源挂接")
        verbose_name_plural = _("资源挂接")

    def __str__(self) -> str:
        return f"{self.code} {self.kind} {self.state}"


class ShareRequest(models.Model):
    """共享申请: a department asks for some fields of a resource version, for a purpose, for a
    time. The provider decides within `due_on` (working days, the platform's calendar); silence
    past it escalates to the platform administrator and never approves."""

    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="requests")
    requester = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请部门")
    )
    client_id = models.CharField(_("调用系统（客户端标识）"), max_length=100)
    fields = models.JSONField(_("申请信息项"), default=list)
    purpose = models.TextField(_("用途说明"))
    purpose_codes = models.JSONField(_("用途代码"), default=list)
    legal_basis = models.CharField(_("申请依据"), max_length=300)
    serves = models.JSONField(_("服务事项或办件"), default=list, blank=True)
    valid_until = models.DateField(_("使用期限至"))
    expected_daily_calls = models.PositiveIntegerField(_("预计日调用量"))
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    submitted_by = models.CharField(max_length=100)
    submitted_at = models.DateTimeField(_("申请时间"))
    due_on = models.DateField(_("答复期限"))
    escalated_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    decided_by = models.CharField(max_length=100, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("共享申请")
        verbose_name_plural = _("共享申请")
        indexes = [
            models.Index(fields=["state", "due_on"], name="exchange_request_due"),
            models.Index(fields=["requester", "-submitted_at"], name="exchange_request_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.state}"


class Grant(models.Model):
    """共享授权: what an approved request gives one calling system (an OIDC client of the
    identity service): fields, purpose codes, a rate limit, an expiry. Suspended and revoked,
    never deleted; renewal is a new request."""

    request = models.OneToOneField(ShareRequest, on_delete=models.PROTECT, related_name="grant")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="grants")
    code = models.CharField(_("信息资源代码"), max_length=40)
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("被授权部门")
    )
    client_id = models.CharField(_("调用系统（客户端标识）"), max_length=100)
    fields = models.JSONField(_("授权信息项"), default=list)
    purpose_codes = models.JSONField(_("授权用途"), default=list)
    rate_limit = models.CharField(_("调用频率上限"), max_length=20)  # core.ratelimit.Rate text: "100/m"
    expires_on = models.DateField(_("有效期至"))
    state = models.CharField(_("状态"), max_length=10, choices=GrantState.choices, default=GrantState.ACTIVE)
    automatic = models.BooleanField(_("自动授权（无条件共享）"), default=False)
    granted_by = models.CharField(max_length=100)
    granted_at = models.DateTimeField(_("授权时间"))
    changed_by = models.CharField(max_length=100, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    change_reason = models.CharField(_("变更原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("共享授权")
        verbose_name_plural = _("共享授权")
        indexes = [models.Index(fields=["client_id", "code", "state"], name="exchange_grant_lookup")]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.code} ({self.state})"


class CallLog(models.Model):
    """The gateway's call log: one row per call, allowed or refused. Append-only and
    hash-chained like the audit chain (`manage.py exchange verify-log`). The subject is a blind
    index (and a masked form for people), never plain text."""

    at = models.DateTimeField(_("时间"))
    service_code = models.CharField(_("服务（信息资源代码）"), max_length=40)
    client_id = models.CharField(_("调用系统"), max_length=100, blank=True)
    department_id = models.BigIntegerField(_("调用部门"), null=True, blank=True)
    grant_id = models.BigIntegerField(_("授权"), null=True, blank=True)
    purpose = models.CharField(_("用途"), max_length=40, blank=True)
    case_number = models.CharField(_("办件编号"), max_length=50, blank=True)
    subject_index = models.CharField(max_length=64, blank=True)
    subject_masked = models.CharField(_("数据主体"), max_length=30, blank=True)
    fields = models.JSONField(_("返回信息项"), default=list)
    outcome = models.CharField(_("结果"), max_length=10, choices=CallOutcome.choices)
    error_code = models.CharField(_("错误代码"), max_length=40, blank=True)
    latency_ms = models.FloatField(_("耗时（毫秒）"), default=0)
    node = models.CharField(_("经由节点"), max_length=60, blank=True)  # federation: the remote gateway
    # Written once, never updated: the hash chain is in CallLogSeal (exchange/calllog.py).

    class Meta:
        ordering = ["id"]
        verbose_name = _("调用日志")
        verbose_name_plural = _("调用日志")
        indexes = [
            models.Index(fields=["subject_index", "-at"], name="exchange_call_subject"),
            models.Index(fields=["service_code", "at"], name="exchange_call_service"),
            models.Index(fields=["client_id", "-at"], name="exchange_call_client"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.client_id} {self.service_code} {self.outcome}"


class CallLogSeal(models.Model):
    """One link of the call log's hash chain (exchange/calllog.py): the call-log rows whose ids
    are in (after_id, last_id], `rows` of them, sealed together. `hash` = SM3(prev_hash ‖ this
    seal's header ‖ the rows' canonical bytes in id order); `prev_hash` is the previous seal's
    hash (the genesis value for seal 1); `after_id` is the previous seal's `last_id`. Sealing only
    inserts here: the call-log rows are never updated. Append-only."""

    seq = models.BigIntegerField(_("封存序号"), primary_key=True)
    after_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    rows = models.IntegerField(_("记录数"))
    sealed_at = models.DateTimeField(_("封存时间"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("调用日志封存")
        verbose_name_plural = _("调用日志封存")

    def __str__(self) -> str:
        return f"#{self.seq} ({self.after_id}, {self.last_id}] {self.rows}"


class CreditRecord(models.Model):
    """社会信用库 (a simple model for now): one legal person's credit file by its unified
    social credit code, an overall level and its 守信/失信 records. `entries` lists
    {"kind" (CreditEntryKind), "title", "authority", "decided_on" (ISO date),
    "valid_until" (ISO date or "")}, newest first; the data service `credit.record` reads it."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("信用等级"), max_length=2, choices=CreditLevel.choices)
    evaluated_on = models.DateField(_("评价日期"))
    entries = models.JSONField(_("守信和失信记录"), default=list)
    updated_by = models.CharField(max_length=100)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["credit_code"]
        verbose_name = _("信用档案")
        verbose_name_plural = _("社会信用库")

    def __str__(self) -> str:
        return f"{self.credit_code} {self.level}"


class CallStatDay(models.Model):
    """One service's calls on one (local) day, rolled up from the call log for the public
    statistics (`/exchange/stats/`): counts by outcome, the day's p95 latency of answered calls
    and a latency histogram (counts per `stats.BUCKETS_MS` bound) so that a p95 over many days
    can be bounded without reading the log again. No caller, no subject: nothing personal.
    Written by `stats.rollup()` (idempotent: a day rolled up again is replaced)."""

    day = models.DateField(_("日期"))
    service_code = models.CharField(_("服务（信息资源代码）"), max_length=40)
    calls = models.PositiveIntegerField(_("调用次数"), default=0)
    ok = models.PositiveIntegerField(_("成功"), default=0)
    refused = models.PositiveIntegerField(_("拒绝"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    p95_ms = models.FloatField(_("P95耗时（毫秒）"), null=True, blank=True)
    histogram = models.JSONField(default=list)
    rolled_up_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "service_code"]
        verbose_name = _("调用日统计")
        verbose_name_plural = _("调用日统计")
        constraints = [
            models.UniqueConstraint(fields=["day", "service_code"], name="exchange_callstat_day_service")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service_code} {self.calls}"
