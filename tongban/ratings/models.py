"""ratings models: ratings (评价), the invitations that await them, single-use rating tokens
(SMS/QR/hall tablet), hall windows, rectifications of bad ratings with their appeals, and the
rollups the rankings read.

Cross-app references use string labels; other apps read ratings through `queries` only. Each
part of the app keeps its models here or in models_<part>.py, imported at the end of this module.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .enums import AppealState, Channel, InviteState, Level, Node, RatingState, RectState, Scope

USER = settings.AUTH_USER_MODEL


class HallWindow(models.Model):
    """A service window (窗口) of a hall: its screen shows `/ratings/hall/<code>/` (一次一评).
    `clerk` is who serves at it now (the clerk takes the window); the screen is paired once by
    staff of the hall, which stores the digest of the key its cookie carries."""

    code = models.SlugField(_("窗口编号"), max_length=20, unique=True)
    name = models.CharField(_("窗口名称"), max_length=60)
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("行政区划代码"), max_length=6)
    clerk = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clerk_since = models.DateTimeField(null=True, blank=True)
    device_digest = models.CharField(max_length=64, blank=True)
    paired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("服务窗口")
        verbose_name_plural = _("服务窗口")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Rating(models.Model):
    """One rating of one subject's node (GB/T 39734: bound to item, department, node or window
    and clerk, and channel). Each (kind, ref, node) is rated once; the rater may change it once
    within the period (`previous_level`, `changed_at`)."""

    kind = models.CharField(_("评价对象类型"), max_length=12)
    ref = models.CharField(_("评价对象编号"), max_length=60)
    node = models.CharField(_("评价环节"), max_length=10, choices=Node.choices)
    channel = models.CharField(_("评价渠道"), max_length=10, choices=Channel.choices)
    rater = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("满意度"), choices=Level.choices)
    reasons = models.JSONField(_("差评原因"), default=list, blank=True)
    text = models.TextField(_("评价内容"), blank=True)
    is_default = models.BooleanField(_("系统默认评价"), default=False)
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("行政区划代码"), max_length=6)
    item_code = models.CharField(_("实施编码"), max_length=36, blank=True)
    item_name = models.CharField(_("事项名称"), max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    window = models.ForeignKey(HallWindow, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clerk = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The month (YYYYMM) the rollups count it in: the subject's 办结 month (its invitation's).
    period = models.CharField(max_length=6)
    state = models.CharField(max_length=8, choices=RatingState.choices, default=RatingState.VALID)
    created_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)
    previous_level = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [models.UniqueConstraint(fields=["kind", "ref", "node"], name="rating_once_per_node")]
        indexes = [
            models.Index(fields=["rater", "-created_at"], name="rating_rater"),
            models.Index(fields=["created_at", "id"], name="rating_created"),
            models.Index(fields=["department", "-created_at"], name="rating_department"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}:{self.node}={self.level}"


class Invitation(models.Model):
    """一事一评: a concluded subject awaiting its rater's rating of the 办结 node. When nobody
    rates it by `due_at`, the tick gives the default rating (marked as such)."""

    kind = models.CharField(max_length=12)
    ref = models.CharField(max_length=60)
    rater = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(max_length=6)
    item_code = models.CharField(max_length=36, blank=True)
    item_name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    period = models.CharField(max_length=6)
    concluded_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=InviteState.choices, default=InviteState.PENDING)
    sms_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="invitation_once")]
        indexes = [
            models.Index(fields=["due_at", "id"], condition=Q(state="pending"), name="invitation_due"),
            models.Index(fields=["rater", "state"], name="invitation_rater"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref} ({self.state})"


class RatingToken(models.Model):
    """A signed single-use link to rate one subject's node without signing in: sent by SMS,
    shown as a QR code by the clerk, or rendered by a paired hall screen. Only the digest of
    the secret is kept."""

    digest = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=12)
    ref = models.CharField(max_length=60)
    node = models.CharField(max_length=10, choices=Node.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    window = models.ForeignKey(HallWindow, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clerk = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.channel} {self.kind}:{self.ref}:{self.node}"


class Rectification(models.Model):
    """差评整改: a bad rating verified (核实) by the platform, rectified by the handling unit within
    `due_on` (working days), replied to, called back (回访), and rated by the rater (`fix_level`).
    The unit may appeal a malicious or off-topic rating (申诉); only an approved appeal removes it."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    state = models.CharField(max_length=12, choices=RectState.choices, default=RectState.VERIFYING)
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    verified_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    verify_note = models.TextField(blank=True)
    workdays = models.PositiveSmallIntegerField(_("整改时限（工作日）"), default=5)
    due_on = models.DateField(_("整改期限"), null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    replied_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True)
    callback_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    callback_at = models.DateTimeField(null=True, blank=True)
    callback_note = models.TextField(blank=True)
    fix_level = models.PositiveSmallIntegerField(_("整改评价"), choices=Level.choices, null=True, blank=True)
    fix_at = models.DateTimeField(null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["department", "state"], name="rect_department"),
            models.Index(fields=["due_on", "id"], condition=Q(state="rectifying"), name="rect_due"),
        ]

    def __str__(self) -> str:
        return f"整改 {self.rating_id} ({self.state})"


class Appeal(models.Model):
    """申诉: the handling unit asks to remove a malicious or off-topic rating, with evidence; a
    platform administrator other than the appellant and the verifier decides (four eyes)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.PROTECT, related_name="appeals")
    reason = models.TextField()
    evidence = models.TextField()
    state = models.CharField(max_length=10, choices=AppealState.choices, default=AppealState.PENDING)
    resume_state = models.CharField(max_length=12, choices=RectState.choices)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rectification"], condition=Q(state="pending"), name="appeal_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"申诉 {self.rectification_id} ({self.state})"


COUNTERS = (
    "invited",
    "answered",
    "rated",
    "defaults",
    "l1",
    "l2",
    "l3",
    "l4",
    "l5",
    "good",
    "bad",
    "rect_needed",
    "rectified",
    "rect_on_time",
    "callbacks",
    "removed",
)


class Rollup(models.Model):
    """Counters per dimension (department id, region code at each level, item code) and month,
    kept exact by every write (`rollups.apply`), so rankings read a few hundred rows, never the
    ratings. `level` is the region level (1 province, 2 city, 3 county; 0 otherwise)."""

    scope = models.CharField(max_length=8, choices=Scope.choices)
    key = models.CharField(max_length=36)
    period = models.CharField(max_length=6)
    level = models.PositiveSmallIntegerField(default=0)
    invited = models.BigIntegerField(default=0)
    answered = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    defaults = models.BigIntegerField(default=0)
    l1 = models.BigIntegerField(default=0)
    l2 = models.BigIntegerField(default=0)
    l3 = models.BigIntegerField(default=0)
    l4 = models.BigIntegerField(default=0)
    l5 = models.BigIntegerField(default=0)
    good = models.BigIntegerField(default=0)
    bad = models.BigIntegerField(default=0)
    rect_needed = models.BigIntegerField(default=0)
    rectified = models.BigIntegerField(default=0)
    rect_on_time = models.BigIntegerField(default=0)
    callbacks = models.BigIntegerField(default=0)
    removed = models.BigIntegerField(default=0)
    # The item's name on item rows (the latest rating's or invitation's), so that a ranking by item
    # names its lines from the rollups alone; department and region rows leave it empty (their
    # names are read by primary key from core, where a renaming shows at once).
    name = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key", "period"], name="rollup_unique")]
        indexes = [models.Index(fields=["scope", "level", "period"], name="rollup_scope_level")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}:{self.period}"
