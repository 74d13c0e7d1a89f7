"""E-licences (电子证照): licence types, issued licences (every version a row), the issuing
departments' seal keys (电子印章密钥) and the serial counters.

Cross-app references use string labels; other apps read licences through `queries` only.
Personal data is encrypted at rest: the holder code (公民身份号码 or 统一社会信用代码) as SM4
ciphertext with a keyed blind index for lookups, and the face fields marked personal in one
SM4 ciphertext beside the plain face fields.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.core.encrypted import EncryptedColumn

from .enums import (
    HolderCodeType,
    HolderKind,
    LicenceState,
    NumberScheme,
    UsageAction,
    UsageOutcome,
    ValidityKind,
    VersionReason,
)


class LicenceType(models.Model):
    """证照类型 (GB/T 36904 type code = the defining ministry's credit code + 3 digits).

    `face_fields` is the face schema (照面信息项), a list of
    {"key", "label", "type", "required", "personal", "max_length", "choices"}; see faces.py.
    `revision` grows on every update; a licence records the revision it was issued under."""

    code = models.CharField(_("证照类型代码"), max_length=21, unique=True)
    name = models.CharField(_("证照类型名称"), max_length=100)
    ministry_name = models.CharField(_("定义机构"), max_length=100)
    ministry_code = models.CharField(_("定义机构代码"), max_length=18)
    holder_kind = models.CharField(_("持证主体类别"), max_length=12, choices=HolderKind.choices)
    face_fields = models.JSONField(_("照面信息项"), default=list)
    validity_kind = models.CharField(_("有效期规则"), max_length=10, choices=ValidityKind.choices)
    validity_years = models.PositiveSmallIntegerField(_("有效期（年）"), null=True, blank=True)
    number_scheme = models.CharField(
        _("证照编号规则"), max_length=10, choices=NumberScheme.choices, default=NumberScheme.SEQUENCE
    )
    number_prefix = models.CharField(_("证照编号前缀"), max_length=8, blank=True)
    template = models.CharField(_("照面模板"), max_length=200)
    issuing_departments = models.ManyToManyField(
        "core.Department", related_name="+", blank=True, verbose_name=_("颁发部门")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    revision = models.PositiveIntegerField(_("修订次数"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SealKey(models.Model):
    """An SM2 key pair of an issuing department's e-seal (电子印章).

    One key per department is active (valid_until empty, not revoked); rotation sets the old
    key's `valid_until`, and licences it signed inside [valid_from, valid_until) stay valid. A
    revoked key (compromised) makes every signature it made invalid. The private key is PKCS#8
    PEM encrypted with SM4-GCM under the key-encryption key (`SEAL_PRIVATE_KEY`); no page, log or
    audit event shows it."""

    kid = models.CharField(_("密钥标识"), max_length=32, unique=True)
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    public_key = models.CharField(_("公钥"), max_length=130)
    private_key_enc = models.TextField()
    valid_from = models.DateTimeField(_("启用时间"))
    valid_until = models.DateTimeField(_("停用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("吊销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["department", "valid_from"]
        verbose_name = _("电子印章密钥")
        verbose_name_plural = _("电子印章密钥")
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(valid_until__isnull=True, revoked_at__isnull=True),
                name="licences_one_active_seal_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_id}:{self.kid}"

    def __repr__(self) -> str:  # never the private key
        return f"<SealKey {self.kid} department={self.department_id}>"


class SealBatch(models.Model):
    """A batch seal (批量签章): one SM2 signature by `seal_key` over the root of a Merkle tree of
    the canonical digests of the licences sealed together (a bulk import's chunk). Each licence
    of the batch keeps its inclusion proof (`Licence.seal_proof`); see merkle.py and ADR 0005.
    `import_id` and the line range make a bulk import resumable: the committed batches say
    where it stopped."""

    seal_key = models.ForeignKey(SealKey, on_delete=models.PROTECT, related_name="batches")
    signed_at = models.DateTimeField(_("签章时间"))
    root = models.CharField(_("默克尔根"), max_length=64)
    count = models.PositiveIntegerField(_("证照数"))
    signature = models.CharField(_("签名值"), max_length=200)
    import_id = models.CharField(_("导入批次"), max_length=40, blank=True)
    source = models.CharField(_("来源文件"), max_length=300, blank=True)
    first_line = models.PositiveIntegerField(null=True, blank=True)
    last_line = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("批量签章")
        verbose_name_plural = _("批量签章")
        indexes = [models.Index(fields=["import_id", "last_line"], name="licence_batch_import")]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.count}) {self.root[:12]}…"


class Licence(models.Model):
    """One version of an e-licence, with the GB/T 36903 metadata, its face and its e-seal.

    Every field that is signed is listed in `canonical.py`; editing any of them without the
    issuer's private key breaks the signature. The state is not signed: it changes after
    issue and verification reads it live."""

    identifier = models.CharField(_("电子证照标识"), max_length=120, unique=True)
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="licences")
    type_code = models.CharField(_("证照类型代码"), max_length=21)
    type_revision = models.PositiveIntegerField(_("证照类型修订次数"))
    name = models.CharField(_("证照名称"), max_length=100)
    number = models.CharField(_("证照编号"), max_length=60)
    serial = models.CharField(_("流水号"), max_length=32)
    version = models.PositiveIntegerField(_("版本号"), default=1)
    version_reason = models.CharField(
        _("版本原因"), max_length=10, choices=VersionReason.choices, default=VersionReason.NEW
    )
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    issuer = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    issuer_name = models.CharField(_("颁发机构"), max_length=100)
    issuer_code = models.CharField(_("颁发机构代码"), max_length=18)
    issued_on = models.DateField(_("颁发日期"))
    holder_kind = models.CharField(_("持证主体类别"), max_length=12, choices=HolderKind.choices)
    holder_name = models.CharField(_("持证主体"), max_length=200)
    holder_code_type = models.CharField(_("持证主体代码类型"), max_length=3, choices=HolderCodeType.choices)
    holder_code_enc = models.TextField(_("持证主体代码（密文）"))
    holder_code_index = models.CharField(max_length=64)
    holder_code_masked = models.CharField(_("持证主体代码"), max_length=18)
    valid_from = models.DateField(_("有效期起始"))
    valid_until = models.DateField(_("有效期截止"), null=True, blank=True)  # empty: 长期有效
    face = models.JSONField(_("照面信息"), default=dict)  # the fields not marked personal
    face_personal_enc = models.TextField(_("照面个人信息（密文）"), blank=True)
    # The e-seal (电子印章): SM2 over the canonical form by the issuer's key.
    seal_key = models.ForeignKey(SealKey, on_delete=models.PROTECT, related_name="licences")
    signed_at = models.DateTimeField(_("签章时间"))
    signature = models.CharField(_("签名值"), max_length=200)  # base64 of the DER SM2 signature
    digest = models.CharField(_("SM3摘要"), max_length=64)  # of the canonical form
    # A batch seal instead of a signature of its own: the batch's signature over a Merkle root,
    # and this licence's inclusion proof (`signature` is then empty).
    seal_batch = models.ForeignKey(
        SealBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="licences", db_index=False
    )
    seal_proof = models.TextField(_("默克尔证明"), blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=LicenceState.choices, default=LicenceState.VALID
    )
    state_reason = models.CharField(_("状态原因"), max_length=500, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    case_number = models.CharField(_("办件编号"), max_length=50, blank=True)
    issued_by = models.CharField(_("颁发操作人"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "issuer", "serial", "version"], name="licences_line_version_unique"
            ),
            models.UniqueConstraint(
                fields=["licence_type", "number"],
                condition=Q(state__in=["valid", "suspended"]),
                name="licences_live_number_unique",
            ),
        ]
        indexes = [
            # "Licences of a holder" is one equality on the blind index (10 million rows).
            models.Index(fields=["holder_code_index", "-issued_on"], name="licence_holder"),
            # The daily tick: live licences past their validity.
            models.Index(fields=["state", "valid_until"], name="licence_state_until"),
            models.Index(fields=["licence_type", "issuer", "state"], name="licence_type_issuer"),
        ]

    def __str__(self) -> str:
        return self.identifier


class LicenceCounter(models.Model):
    """The serial sequence of a licence type in a region (row-locked on use). Serials and
    platform numbers of that type in that region come from it, so both are unique."""

    type_code = models.CharField(max_length=21)
    region_code = models.CharField(max_length=6)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["type_code", "region_code"], name="licence_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.type_code} {self.region_code} {self.last}"


class LicenceGrant(models.Model):
    """An agency's business scope (用证范围): a department (every system and officer of it) or
    one OIDC client may use licences of one type. Managed by platform administrators; a grant is
    ended (`revoked_at`), never deleted, so the usage log can always name the scope it used."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="grants")
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.CharField(_("业务系统客户端标识"), max_length=100, blank=True)
    personal = models.BooleanField(_("可查看个人信息项"), default=False)
    case_number_required = models.BooleanField(_("须提供办件编号"), default=False)
    basis = models.CharField(_("授权依据"), max_length=200)
    granted_by = models.CharField(max_length=100)
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    revoked_by = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("用证授权")
        verbose_name_plural = _("用证授权")
        constraints = [
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(client_id=""))
                | (Q(department__isnull=True) & ~Q(client_id="")),
                name="licence_grant_one_grantee",
            ),
            models.UniqueConstraint(
                fields=["licence_type", "department"],
                condition=Q(revoked_at__isnull=True, department__isnull=False),
                name="licence_grant_one_active_dept",
            ),
            models.UniqueConstraint(
                fields=["licence_type", "client_id"],
                condition=Q(revoked_at__isnull=True) & ~Q(client_id=""),
                name="licence_grant_one_active_client",
            ),
        ]
        indexes = [models.Index(fields=["department", "licence_type"], name="licence_grant_dept")]

    def __str__(self) -> str:
        who = f"department:{self.department_id}" if self.department_id else f"client:{self.client_id}"
        return f"{who} → {self.licence_type_id}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("用证记录只能追加，不能修改")

    def delete(self):
        raise TypeError("用证记录只能追加，不能删除")


class LicenceUsage(models.Model):
    """The usage log (用证记录): one row per licence supplied (or one row for an attempt that
    supplied nothing: not found, refused, bad input). Append-only: no update or delete through
    the ORM, and on PostgreSQL a trigger refuses UPDATE and DELETE."""

    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("用证方式"), max_length=10, choices=UsageAction.choices)
    actor = models.CharField(_("调用方"), max_length=120)  # user:<pk> / system:client:<id> / system:<name>
    user_id = models.BigIntegerField(null=True, blank=True)
    client_id = models.CharField(_("业务系统客户端标识"), max_length=100, blank=True)
    department_id = models.BigIntegerField(_("用证部门"), null=True, blank=True)
    licence_id = models.BigIntegerField(null=True, blank=True)
    identifier = models.CharField(_("电子证照标识"), max_length=120, blank=True)
    type_code = models.CharField(_("证照类型代码"), max_length=30, blank=True)
    holder_code_index = models.CharField(max_length=64, blank=True)
    holder_code_masked = models.CharField(_("持证主体代码"), max_length=18, blank=True)
    purpose = models.CharField(_("申请事由"), max_length=200, blank=True)
    case_number = models.CharField(_("办件编号"), max_length=50, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=UsageOutcome.choices)
    reason_code = models.CharField(_("原因代码"), max_length=40, blank=True)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    copy_expires_at = models.DateTimeField(_("加注件有效期至"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("用证记录")
        verbose_name_plural = _("用证记录")
        indexes = [
            # "Who used my licences": the holder's page; "what did this agency use": supervision.
            models.Index(fields=["holder_code_index", "-at"], name="licence_usage_holder"),
            models.Index(fields=["department_id", "-at"], name="licence_usage_dept"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.outcome} {self.identifier or self.type_code}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("用证记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("用证记录只能追加，不能删除")


# --- Encrypted columns (tongban/core/encrypted.py), each ciphertext bound to its row and column:
# a licence by its identifier (built before the insert, unique), a seal key by its kid. Seal
# private keys are under the key-encryption key, apart from personal data.
LICENCE_HOLDER_CODE = EncryptedColumn("licences.Licence", "holder_code_enc", row_key=("identifier",))
LICENCE_FACE_PERSONAL = EncryptedColumn("licences.Licence", "face_personal_enc", row_key=("identifier",))
SEAL_PRIVATE_KEY = EncryptedColumn("licences.SealKey", "private_key_enc", row_key=("kid",), keyring="kek")
