"""One submission, fan-out, progress and pickup (联办申请、分发、进度、统一出件).

- `Bundle` (联办件): one application for a theme version by one applicant; its own number, its
  own promised time (the theme's `promised_days`, working days on the platform calendar) and
  where everything is picked up (综合窗口出件) or posted.
- `BundleMember` (成员事项): one applicable member of the theme; it becomes one ordinary case
  (`case_number`) in its department's queue when what it requires is issued.
- `BundleFile` (共享材料): a file uploaded once and given to every member case that needs it.
- `BundleOutbox` (分发队列): the transactional outbox. A row is written in the same transaction
  as the bundle (a member with no requirement) or as the event that makes a member ready (the
  required licence issued); the dispatcher turns each row into its member case, in one
  transaction with the row marked done, so a crash leaves either the row pending (the
  recovery creates the case) or the case and the done row, never half.
- `BundleKey`: an idempotency key of a submission (the form's one-time token or the API's
  `Idempotency-Key`), so a retry returns the first bundle.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.encrypted import EncryptedColumn, SealedFileColumn

from .enums_fanout import BundleState, MemberState, PickupMethod, Policy

USER = settings.AUTH_USER_MODEL

__all__ = [
    "BUNDLE_ADDRESS",
    "BUNDLE_FILE",
    "BUNDLE_FORM",
    "Bundle",
    "BundleFile",
    "BundleKey",
    "BundleMember",
    "BundleOutbox",
]


class Bundle(models.Model):
    number = models.CharField(_("联办编号"), max_length=24, unique=True)
    theme_code = models.CharField(_("主题编码"), max_length=40, db_index=True)
    theme_version = models.PositiveIntegerField(_("主题版本"))
    theme_name = models.CharField(_("主题名称"), max_length=200)
    region_code = models.CharField(_("地区"), max_length=12)
    # Who it is for (as a member case's applicant side) and who acted (the person, or a clerk).
    applicant = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", db_index=False)
    legal_person = models.ForeignKey(
        "accounts.LegalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applicant_name = models.CharField(_("申请人"), max_length=200)
    agent = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("申报渠道"), max_length=1)
    hall = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the hall (综合窗口) where it was submitted, if at a window
    state = models.CharField(
        _("状态"), max_length=12, choices=BundleState.choices, default=BundleState.IN_PROGRESS
    )
    answers = models.JSONField(_("情形引导答案"), default=dict, blank=True)
    form_enc = models.TextField(
        _("一表申请（密文）"), blank=True
    )  # {"shared": {...}, "members": {key: {...}}}
    promised_days = models.PositiveIntegerField(_("承诺时限（工作日）"))
    submitted_at = models.DateTimeField(_("申报时间"))
    received_on = models.DateField(_("收件日期"))
    promised_due = models.DateField(_("承诺办结日期"))
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_on_time = models.BooleanField(null=True)
    pickup = models.CharField(_("出件方式"), max_length=8, choices=PickupMethod.choices, default="window")
    pickup_code = models.CharField(_("取件码"), max_length=8, blank=True)
    address_enc = models.TextField(_("邮寄地址（密文）"), blank=True)
    tracking_number = models.CharField(_("快递单号"), max_length=40, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdraw_reason = models.CharField(_("撤回理由"), max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["applicant", "-submitted_at"], name="bundle_applicant")]

    def __str__(self) -> str:
        return f"{self.number} {self.theme_name}"


BUNDLE_FORM = EncryptedColumn("bundles.Bundle", "form_enc", row_key=("number",))
BUNDLE_ADDRESS = EncryptedColumn("bundles.Bundle", "address_enc", row_key=("number",))


class BundleMember(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    key = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    item_code = models.CharField(_("实施编码"), max_length=36)
    item_name = models.CharField(_("事项名称"), max_length=200)
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    # [{"member": key, "result": licence type code}] and the dependants' policy.
    requires = models.JSONField(default=list, blank=True)
    policy = models.CharField(max_length=8, choices=Policy.choices, default=Policy.CANCEL)
    state = models.CharField(max_length=10, choices=MemberState.choices, default=MemberState.WAITING)
    case_number = models.CharField(_("办件编号"), max_length=50, blank=True, db_index=True)
    # What the applicant must know (a requirement refused and why, a 补正 of a requirement).
    note = models.CharField(max_length=500, blank=True)
    # Materials: [{"material_id", "file_id"}] uploads from BundleFile; library:
    # [{"material_id", "type_code", "member": key or ""}] (免提交: held now, or produced by `member`).
    uploads = models.JSONField(default=list, blank=True)
    library = models.JSONField(default=list, blank=True)
    # What the platform supplies to the member case (cases.bundled.provided_entries: identity
    # materials, the generated form), decided at submission; None: decided at dispatch.
    provided = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bundle", "key"], name="bundle_member_key")]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.key}"


class BundleFile(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="files")
    key = models.CharField(max_length=80)  # the shared material key, or "<member>.m_<id>"
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    file = models.FileField(max_length=200)

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.key}"


BUNDLE_FILE = SealedFileColumn("bundles.BundleFile", "file")


class BundleOutbox(models.Model):
    member = models.OneToOneField(BundleMember, on_delete=models.CASCADE, related_name="outbox")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"], name="bundle_outbox_pending", condition=models.Q(done_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"outbox {self.member_id}"


class BundleKey(models.Model):
    actor_label = models.CharField(max_length=120)
    key = models.CharField(max_length=80)
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, blank=True)  # of the request, for the API's 409

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor_label", "key"], name="bundle_key_unique")]

    def __str__(self) -> str:
        return f"{self.actor_label}:{self.key}"
