"""Accounts (统一身份认证): people, legal persons, staff, agents, and the OIDC provider's clients.

Personal identifiers (resident ID and mobile numbers, the notification e-mail address) are stored SM4-encrypted with a keyed
HMAC-SM3 blind index for lookups and a masked copy for display; nothing here holds them in
clear. Other apps refer to users by `settings.AUTH_USER_MODEL` and never import this module.
"""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from tongban.core.encrypted import EncryptedColumn

from .enums import (
    AccountKind,
    AssuranceLevel,
    ConsentMethod,
    HelperRelation,
    LegalPersonKind,
    LoginMethod,
    MandateRole,
)


class User(AbstractUser):
    """Every account: a natural person (citizen), or staff of a department."""

    kind = models.CharField(
        _("账号类型"), max_length=10, choices=AccountKind.choices, default=AccountKind.STAFF
    )
    # The OIDC `sub`: stable for the whole platform, random, never reused, never personal data.
    sub = models.UUIDField(_("统一身份标识"), default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    assurance_level = models.PositiveSmallIntegerField(
        _("实名等级"), choices=AssuranceLevel.choices, default=AssuranceLevel.L1
    )
    verified_at = models.DateTimeField(_("实名认证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("核验人员")
    )
    id_number_enc = models.TextField(_("身份证号码（密文）"), blank=True)
    id_number_index = models.CharField(max_length=64, null=True, blank=True, unique=True)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, blank=True)
    mobile_enc = models.TextField(_("手机号码（密文）"), blank=True)
    mobile_index = models.CharField(max_length=64, null=True, blank=True, unique=True)
    mobile_masked = models.CharField(_("手机号码"), max_length=11, blank=True)
    # The notification e-mail address, set only once confirmed by a code sent to it (the address
    # waiting for confirmation lives in its OneTimeCode). Not AbstractUser.email, which stays empty.
    email_enc = models.TextField(_("电子邮箱（密文）"), blank=True)
    email_index = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    email_masked = models.CharField(_("电子邮箱"), max_length=260, blank=True)
    email_confirmed_at = models.DateTimeField(_("电子邮箱验证时间"), null=True, blank=True)
    totp_secret_enc = models.TextField(blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The identity the person currently acts as, across the platform and every department
    # system (一次认证、全网通办): {"kind": "self"} | {"kind": "enterprise", "mandate": id} |
    # {"kind": "principal", "consent": id}. Re-validated on every use (scope and expiry).
    acting = models.JSONField(_("当前办事身份"), default=dict, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class LegalPerson(models.Model):
    """An enterprise, institution or social organisation known to the platform (法人)."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("法人类型"), max_length=20, choices=LegalPersonKind.choices)
    legal_rep_name = models.CharField(_("法定代表人"), max_length=60)
    legal_rep_id_index = models.CharField(max_length=64, db_index=True)
    region = models.ForeignKey(
        "core.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("法人")
        verbose_name_plural = _("法人")

    def __str__(self) -> str:
        return self.name


class Mandate(models.Model):
    """A person acting for a legal person: its legal representative, or an authorised agent
    (经办人) with a scope (all items or listed implementation codes) and an expiry."""

    legal_person = models.ForeignKey(LegalPerson, on_delete=models.CASCADE, related_name="mandates")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mandates")
    role = models.CharField(_("身份"), max_length=20, choices=MandateRole.choices)
    all_items = models.BooleanField(_("全部事项"), default=True)
    item_codes = models.JSONField(_("授权事项"), default=list, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    granted_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("法人授权")
        verbose_name_plural = _("法人授权")
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user} -> {self.legal_person} ({self.role})"


class AgentConsent(models.Model):
    """帮办代办: a helper acts for a person with that person's recorded consent."""

    principal = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agents_granted")
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="principals")
    relation = models.CharField(_("关系"), max_length=20, choices=HelperRelation.choices)
    all_items = models.BooleanField(_("全部事项"), default=False)
    item_codes = models.JSONField(_("授权事项"), default=list, blank=True)
    expires_at = models.DateTimeField(_("有效期至"))
    consent_method = models.CharField(_("同意方式"), max_length=20, choices=ConsentMethod.choices)
    consent_note = models.CharField(_("同意记录"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("代办授权")
        verbose_name_plural = _("代办授权")
        indexes = [
            models.Index(fields=["agent", "revoked_at"]),
            models.Index(fields=["principal", "revoked_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.agent} -> {self.principal}"


class PopulationRecord(models.Model):
    """人口库: the population register that real-name verification checks against."""

    name = models.CharField(_("姓名"), max_length=60)
    id_number_enc = models.TextField()
    id_number_index = models.CharField(max_length=64, unique=True)
    id_number_masked = models.CharField(max_length=18)
    sex = models.CharField(max_length=1)
    birth_date = models.DateField()
    birthplace = models.CharField(_("出生地区划"), max_length=12)

    class Meta:
        verbose_name = _("人口库记录")
        verbose_name_plural = _("人口库")

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


class LegalPersonRecord(models.Model):
    """法人库: the legal-person register."""

    credit_code = models.CharField(max_length=18, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=LegalPersonKind.choices)
    legal_rep_name = models.CharField(max_length=60)
    legal_rep_id_index = models.CharField(max_length=64, db_index=True)
    region_code = models.CharField(max_length=12)
    established = models.DateField(null=True)

    class Meta:
        verbose_name = _("法人库记录")
        verbose_name_plural = _("法人库")

    def __str__(self) -> str:
        return f"{self.name} {self.credit_code}"


class LoginAttempt(models.Model):
    """Every sign-in attempt, keyed by the blind index of what was typed, so lockout works the
    same for unknown accounts (no account enumeration)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    identifier_index = models.CharField(max_length=64)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="login_attempts"
    )
    method = models.CharField(max_length=10, choices=LoginMethod.choices)
    success = models.BooleanField()
    reason = models.CharField(max_length=40, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["identifier_index", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.method} {self.success}"


class OneTimeCode(models.Model):
    """A one-time code sent by SMS (sign-in, sign-up, consent) or e-mail (confirming a
    notification address): only its hash is kept. `target_index` is the blind index of where it
    went; an e-mail code also names its person and holds the address it will confirm, encrypted."""

    target_index = models.CharField(max_length=64)
    purpose = models.CharField(max_length=20)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_enc = models.TextField(blank=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target_index", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"code {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class DeviceSession(models.Model):
    """A signed-in browser ("my devices and sessions"); ending one ends its Django session."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=10, choices=LoginMethod.choices)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class SigningKey(models.Model):
    """An RSA key the OpenID Provider signs ID tokens with. One is active; retired keys stay in
    the JWKS for a grace period so tokens signed before a rotation still verify."""

    kid = models.CharField(max_length=64, unique=True)
    private_pem_enc = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    publish_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.kid


class Client(AbstractApplication):
    """A department system registered as an OIDC relying party (接入系统)."""

    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allowed_scopes = models.CharField(_("可申请的数据范围"), max_length=200, default="openid profile")
    description = models.CharField(_("系统说明"), max_length=200, blank=True)
    contact = models.CharField(_("联系人"), max_length=60, blank=True)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")

    def clean(self):
        # The RSA key lives in SigningKey, not in settings: skip the toolkit's settings check.
        algorithm, self.algorithm = self.algorithm, self.NO_ALGORITHM
        try:
            super().clean()
        finally:
            self.algorithm = algorithm

    @property
    def jwk_key(self):
        if self.algorithm == self.RS256_ALGORITHM:
            from .oidc import active_jwk

            return active_jwk()
        return super().jwk_key

    @property
    def allowed_scope_set(self) -> set[str]:
        return set(self.allowed_scopes.split())


# --- Encrypted columns (tongban/core/encrypted.py): each ciphertext is bound to its row and column.
# Personal identifiers under the personal-data key; secrets that are keys (the TOTP seed, the OIDC
# signing keys) under the key-encryption key. `manage.py keys rotate` re-encrypts them all.
USER_ID_NUMBER = EncryptedColumn("accounts.User", "id_number_enc", row_key=("sub",))
USER_MOBILE = EncryptedColumn("accounts.User", "mobile_enc", row_key=("sub",))
USER_EMAIL = EncryptedColumn("accounts.User", "email_enc", row_key=("sub",))
USER_TOTP_SECRET = EncryptedColumn("accounts.User", "totp_secret_enc", row_key=("sub",), keyring="kek")
# Register rows: bound to the blind index of their own number (unique), known before insert.
POPULATION_ID_NUMBER = EncryptedColumn(
    "accounts.PopulationRecord", "id_number_enc", row_key=("id_number_index",)
)
# A one-time code's address: bound to the person and the blind index of that address.
CODE_TARGET = EncryptedColumn("accounts.OneTimeCode", "target_enc", row_key=("purpose", "target_index"))
SIGNING_KEY_PRIVATE = EncryptedColumn(
    "accounts.SigningKey", "private_pem_enc", row_key=("kid",), keyring="kek"
)
