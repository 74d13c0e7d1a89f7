"""Cases (办件): an application for one implementation-item version, its approval steps, its
clock (pauses and extensions), materials, timeline and notices.

Cross-app references use string labels; other apps read cases through `queries` only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.core.encrypted import EncryptedColumn, SealedFileColumn

from .enums import (
    CaseState,
    Channel,
    ClockLevel,
    Decision,
    Delivery,
    ExtensionState,
    MaterialStage,
    PauseKind,
    ResultCode,
    SpecialProcedure,
    StepOutcome,
    StepState,
    result_words,
)

USER = settings.AUTH_USER_MODEL


class ApprovalChain(models.Model):
    """The approval steps of an implementation item (all its versions), as data:
    [{"name": "承办", "role": "approving_officer", "limit_days": 2}, ...]."""

    item_code = models.CharField(_("实施编码"), max_length=36, unique=True)
    steps = models.JSONField(_("审批环节"))
    # Separation of duties (职责分离): one person completes at most one step of a case. Copied
    # onto the case at acceptance (Case.separation_of_duties); on unless a chain turns it off.
    separation_of_duties = models.BooleanField(_("职责分离"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.item_code}: " + " -> ".join(s["name"] for s in self.steps)


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=50, unique=True)
    item = models.ForeignKey("catalog.ImplementationItem", on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("实施编码"), max_length=36, db_index=True)
    item_name = models.CharField(_("事项名称"), max_length=200)
    # Foreign keys whose lookups a composite or partial index below already serves carry no
    # index of their own (each index of this table is written on every state change).
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    # Who the case is for (a person, or a legal person through its representative or agent),
    # and who acted: the person themselves, an agent/helper, a window clerk or a system.
    applicant = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="cases", db_index=False)
    legal_person = models.ForeignKey(
        "accounts.LegalPerson",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    applicant_name = models.CharField(_("申请人"), max_length=200)
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    channel = models.CharField(_("申报渠道"), max_length=1, choices=Channel.choices)
    state = models.CharField(_("状态"), max_length=12, choices=CaseState.choices, default=CaseState.SUBMITTED)
    case_type = models.CharField(_("办件类型"), max_length=1)
    form_enc = models.TextField(_("申请表（密文）"), blank=True)
    # The clock: the item version's limits as it states them (amount and unit, snapshots), which
    # the deadlines count in (clock.py), and each in working days (an equivalent the approval
    # steps share and the 电子监察 warning share starts from).
    promised_limit = models.PositiveIntegerField(_("承诺时限"), default=0)
    promised_unit = models.CharField(_("承诺时限单位"), max_length=12, default="workday")
    statutory_limit = models.PositiveIntegerField(_("法定时限"), default=0)
    statutory_unit = models.CharField(_("法定时限单位"), max_length=12, default="workday")
    promised_days = models.PositiveIntegerField(_("承诺时限（工作日）"))
    statutory_days = models.PositiveIntegerField(_("法定时限（工作日）"))
    submitted_at = models.DateTimeField(_("申报时间"))
    received_on = models.DateField(_("收件日期"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("逾期未告知视为受理"), default=False)
    paused_days = models.PositiveIntegerField(_("暂停计时（工作日）"), default=0)
    extension_days = models.PositiveIntegerField(_("延期（工作日）"), default=0)
    extension_reason = models.CharField(_("延期理由"), max_length=500, blank=True)
    extension_approver = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    promised_due = models.DateField(_("承诺办结日期"), null=True, blank=True)
    statutory_due = models.DateField(_("法定办结日期"), null=True, blank=True)
    clock_level = models.CharField(max_length=8, choices=ClockLevel.choices, default=ClockLevel.OK)
    # 预审 supplement request (everything missing, listed at once) and 容缺 / 告知承诺.
    supplement_items = models.JSONField(_("需补正材料"), default=list, blank=True)
    supplement_due = models.DateField(_("补正期限"), null=True, blank=True)
    missing_materials = models.JSONField(_("容缺材料"), default=list, blank=True)
    commitment = models.BooleanField(_("告知承诺"), default=False)
    commitment_check_due = models.DateField(_("承诺核查期限"), null=True, blank=True)
    # Identity materials (居民身份证) the platform's verified identity supplied instead of a file:
    # [{"material_id", "name", "level", "verified_at"}] (applying.identity_materials).
    identity_materials = models.JSONField(_("实名核验代替的材料"), default=list, blank=True)
    decision = models.CharField(_("决定"), max_length=5, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    result_code = models.CharField(_("办结结果"), max_length=2, choices=ResultCode.choices, blank=True)
    # 出证: the identifier of the result licence issued into the e-licence library at 办结.
    result_licence = models.CharField(_("结果证照标识"), max_length=120, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    concluded_on_time = models.BooleanField(null=True)
    delivery = models.CharField(_("送达方式"), max_length=10, choices=Delivery.choices, blank=True)
    pickup_code = models.CharField(_("取件码"), max_length=8, blank=True)
    delivery_address_enc = models.TextField(_("邮寄地址（密文）"), blank=True)
    tracking_number = models.CharField(_("快递单号"), max_length=40, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(_("退回或不予受理理由"), blank=True)
    # 办件进度查询 without signing in (`progress.py`): the query code printed on the receipt,
    # kept SM4-encrypted to print it again, and keyed digests (HMAC-SM3 of number and value) of
    # the code and of the contact phone's last four digits, so the lookup never decrypts.
    query_code_enc = models.TextField(_("查询码（密文）"), blank=True)
    query_digest = models.CharField(max_length=64, blank=True)
    phone_tail_digest = models.CharField(max_length=64, blank=True)
    # The active approval step's role and assignee, copied here whenever a step starts, is
    # assigned or ends, so that every workbench queue is one indexed read of this table.
    step_role = models.CharField(_("当前环节岗位"), max_length=40, blank=True)
    # The chain's separation of duties as it was at acceptance (ApprovalChain).
    separation_of_duties = models.BooleanField(_("职责分离"), default=True)
    step_assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        indexes = [
            models.Index(fields=["department", "state", "submitted_at"], name="case_dept_state"),
            models.Index(fields=["applicant", "-submitted_at"], name="case_applicant"),
            models.Index(fields=["state", "statutory_due"], name="case_state_due"),
            models.Index(fields=["region", "submitted_at"], name="case_region_time"),
            # The workbench queues (queries.queue): small partial indexes in each page's order.
            models.Index(
                fields=["department", "received_on", "id"],
                condition=Q(state="submitted"),
                name="case_q_precheck",
            ),
            models.Index(
                fields=["step_assignee", "statutory_due", "id"],
                condition=Q(state__in=["accepted", "paused"], step_assignee__isnull=False),
                name="case_q_mine",
            ),
            models.Index(
                fields=["department", "step_role", "promised_due", "id"],
                condition=Q(state="accepted", step_assignee__isnull=True),
                name="case_q_team",
            ),
            models.Index(
                fields=["department", "promised_due", "id"],
                condition=Q(state="accepted", clock_level="warning"),
                name="case_q_due_soon",
            ),
            models.Index(
                fields=["department", "promised_due", "id"],
                condition=Q(state__in=["accepted", "paused"]),
                name="case_q_open",
            ),
            models.Index(fields=["department", "id"], condition=Q(state="paused"), name="case_q_paused"),
            # Mostly empty references: only the rows that have one.
            *(
                models.Index(fields=[f], condition=Q(**{f"{f}__isnull": False}), name=f"case_{f}_set")
                for f in ("legal_person", "agent", "extension_approver", "step_assignee")
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def result_words(self) -> str:
        """The 办结 result in the applicant's words (准予许可 …), not the code's name (出证)."""
        return result_words(self.result_code, self.item.item_type) if self.result_code else ""


class CaseStep(models.Model):
    """One step of the approval chain, copied onto the case when it is accepted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    role = models.CharField(max_length=30)
    limit_days = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=8, choices=StepState.choices, default=StepState.WAITING)
    assignee = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=4, choices=StepOutcome.choices, blank=True)
    comment = models.TextField(blank=True)
    escalated = models.BooleanField(default=False)

    class Meta:
        ordering = ["case", "index"]
        constraints = [models.UniqueConstraint(fields=["case", "index"], name="case_step_unique")]
        indexes = [
            models.Index(fields=["state", "assignee"], name="step_assignee"),
            models.Index(fields=["state", "role", "due_on"], name="step_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.index} {self.name}"


class ClockPause(models.Model):
    """补齐补正 or 特别程序: the days between start and end are not counted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=10, choices=PauseKind.choices)
    procedure = models.CharField(max_length=10, choices=SpecialProcedure.choices, blank=True)
    reason = models.TextField()
    items = models.JSONField(default=list, blank=True)  # what the applicant must supply
    started_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)  # for a supplement: by when
    ended_on = models.DateField(null=True, blank=True)
    working_days = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_on__isnull=True), name="one_open_pause"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.started_on}"


class CaseMaterial(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(
        "catalog.Material", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to="cases/%Y/%m/")
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=60)
    sha256 = models.CharField(max_length=64)
    # application | supplement | window | generated (申请表 from the form) | signed (告知承诺书)
    stage = models.CharField(max_length=12, default="application")
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def get_stage_display(self) -> str:
        """The stage's label (申请时提交, 补正材料, 窗口收件); the raw value only if unknown."""
        return str(MaterialStage(self.stage).label) if self.stage in MaterialStage.values else self.stage


class CaseLicence(models.Model):
    """A material the e-licence library supplied (免提交): the applicant's valid licence of the
    type the item's material maps to, fetched with the case as purpose (the use is logged there)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="licences")
    material = models.ForeignKey(
        "catalog.Material", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("材料名称"), max_length=200)
    identifier = models.CharField(_("证照标识"), max_length=120)
    licence_name = models.CharField(_("证照名称"), max_length=100)
    number = models.CharField(_("证照编号"), max_length=100)
    issuer_name = models.CharField(_("颁发机构"), max_length=200)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    usage_id = models.BigIntegerField(_("用证记录"), null=True, blank=True)
    supplied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.identifier}"


class CaseEvent(models.Model):
    """The case timeline the applicant and the officers see (the audit chain holds the same)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=60)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class ApplicationForm(models.Model):
    """The application form of one item version, as data (see forms_schema.py)."""

    item = models.OneToOneField("catalog.ImplementationItem", on_delete=models.CASCADE, related_name="+")
    schema = models.JSONField()

    def __str__(self) -> str:
        return f"form of {self.item_id}"


class Notification(models.Model):
    """In-app message to the applicant (always sent; SMS and e-mail go through gateways too).
    `text` is the message in Chinese, as sent; `msgid` (a Chinese msgid of the translation
    catalogue) and `params` show it in the reader's language (`cases_clock.notification_text`)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="case_notifications")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    msgid = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.text


class Draft(models.Model):
    """An application saved on the server, resumable on another device."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="case_drafts")
    item = models.ForeignKey("catalog.ImplementationItem", on_delete=models.CASCADE, related_name="+")
    item_code = models.CharField(max_length=36)
    acting = models.JSONField(default=dict)
    form_enc = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item_code"], name="one_draft_per_item")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.item_code}"


class StagedFile(models.Model):
    """A file chosen on the apply form and kept with the person's draft (暂存材料), so a form sent
    back with an error does not ask for it again; submitting the draft uses it. Sealed like case
    files; only its owner sees it; `tick` removes those of drafts left alone (applying.STAGED_DAYS)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    item_code = models.CharField(max_length=36)
    material = models.ForeignKey("catalog.Material", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to="staged/%Y/%m/")
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=60)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "item_code"], name="cases_staged_user_item")]

    def __str__(self) -> str:
        return self.name


class ExtensionRequest(models.Model):
    """延期申请: an officer asks for more working days and names the approver (a department
    administrator of the case's department, not the requester); only the approver's approval adds
    the days to the case. At most one request per case is pending at a time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    days = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.CharField(_("延期理由"), max_length=500)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    approver = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("状态"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("批准意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["case", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="one_pending_extension_per_case"
            )
        ]
        indexes = [
            models.Index(fields=["approver"], condition=Q(state="pending"), name="extension_pending_approver")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class IdempotencyKey(models.Model):
    """A retried request with the same key gets the first answer instead of acting twice."""

    actor_label = models.CharField(max_length=60)
    key = models.CharField(max_length=80)
    action = models.CharField(max_length=40)
    case = models.ForeignKey(Case, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor_label", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return self.key


class Notice(models.Model):
    """An official notice (受理通知书 ...) with a code to verify it on the platform."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20)
    number = models.CharField(max_length=60, unique=True)
    verify_code = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.number


class CaseCounter(models.Model):
    """Per region and day sequence for case numbers (row-locked on use)."""

    region_code = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_code", "day"], name="case_counter_unique")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.last}"


# --- Encrypted columns (tongban/core/encrypted.py), each ciphertext bound to its row and column:
# a case by its number (assigned before the insert), a draft by its person and item.
CASE_FORM = EncryptedColumn("cases.Case", "form_enc", row_key=("number",))
CASE_DELIVERY_ADDRESS = EncryptedColumn("cases.Case", "delivery_address_enc", row_key=("number",))
CASE_QUERY_CODE = EncryptedColumn("cases.Case", "query_code_enc", row_key=("number",))
DRAFT_FORM = EncryptedColumn("cases.Draft", "form_enc", row_key=("user_id", "item_code"))
# Uploaded materials are sealed files (core/files.py): `keys rotate` re-seals them, and so are the
# files staged with a draft.
CASE_MATERIAL_FILE = SealedFileColumn("cases.CaseMaterial", "file")
STAGED_FILE = SealedFileColumn("cases.StagedFile", "file")


class CaseFact(models.Model):
    """A fact another department holds, fetched for the case through the data-sharing gateway
    (`exchange.casefetch`, 免提交 beyond licences): which material it stands for, where it came
    from (the resource, its version and provider), when, the gateway's call id (the call log
    row, which the person also sees in 数据使用记录), and the answer's values, encrypted
    (`CASE_FACT_VALUES`). A refused or failed fetch is kept too, with the gateway's stable error
    code, and no values: the officer sees that the material still has to be supplied."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="facts")
    material = models.ForeignKey(
        "catalog.Material", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("材料名称"), max_length=200)
    resource_code = models.CharField(_("信息资源代码"), max_length=40)
    resource_name = models.CharField(_("信息资源名称"), max_length=200, blank=True)
    resource_version = models.PositiveIntegerField(_("版本"), null=True, blank=True)
    provider_name = models.CharField(_("提供部门"), max_length=200, blank=True)
    purpose = models.CharField(_("用途"), max_length=40)
    ok = models.BooleanField(_("已取得"), default=False)
    error_code = models.CharField(_("错误代码"), max_length=40, blank=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    call_id = models.BigIntegerField(_("调用编号"), null=True, blank=True, unique=True)
    fields = models.JSONField(_("信息项"), default=list)  # [{"key", "name"}], names only
    values_enc = models.TextField(blank=True)
    fetched_at = models.DateTimeField(_("调取时间"))

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("共享调取的信息")
        verbose_name_plural = _("共享调取的信息")

    def __str__(self) -> str:
        return f"{self.name}: {self.resource_code} {'ok' if self.ok else self.error_code}"


# A fact's values, bound to its gateway call (unique, known before the insert).
CASE_FACT_VALUES = EncryptedColumn("cases.CaseFact", "values_enc", row_key=("call_id",))
