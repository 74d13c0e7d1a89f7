"""E-licence codes (电子证照). Holder code types follow the national e-licence metadata
(GB/T 36903): 111 公民身份号码, 001 统一社会信用代码."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolderKind(models.TextChoices):
    """Who holds licences of a type (持证主体类别)."""

    PERSON = "person", _("自然人")
    LEGAL_PERSON = "legal_person", _("法人和其他组织")


class HolderCodeType(models.TextChoices):
    """持证主体代码类型."""

    RESIDENT_ID = "111", _("公民身份号码")
    CREDIT_CODE = "001", _("统一社会信用代码")

    @classmethod
    def for_kind(cls, kind: str) -> "HolderCodeType":
        return cls.RESIDENT_ID if kind == HolderKind.PERSON else cls.CREDIT_CODE


class LicenceState(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停")  # 暂扣 / 中止: may be restored
    REVOKED = "revoked", _("已撤销")  # 撤销、吊销或注销: final
    EXPIRED = "expired", _("已过期")  # 有效期届满 (the daily tick)
    SUPERSEDED = "superseded", _("已被新版本替代")  # 变更 or 延续 issued a new version

    @classmethod
    def live(cls) -> frozenset[str]:
        """States in which the licence line is held: its number may not be reused."""
        return frozenset({cls.VALID, cls.SUSPENDED})


class VersionReason(models.TextChoices):
    """Why a version was issued."""

    NEW = "new", _("首次颁发")
    CHANGE = "change", _("变更")
    RENEWAL = "renewal", _("延续（换发）")


class ValidityKind(models.TextChoices):
    """How a type's validity period is set."""

    LONG_TERM = "long_term", _("长期有效")
    YEARS = "years", _("自生效之日起固定年限")
    GIVEN = "given", _("颁发时确定（可设最长年限）")


class NumberScheme(models.TextChoices):
    """How the licence number (证照编号) is made."""

    SEQUENCE = "sequence", _("平台编号：前缀 + 行政区划代码 + 8位顺序号")
    GIVEN = "given", _("颁发部门填写")


class FaceFieldType(models.TextChoices):
    """The kinds of face fields (照面信息项). Values are stored and signed as strings."""

    TEXT = "text", _("文本")
    TEXTAREA = "textarea", _("多行文本")
    DATE = "date", _("日期")
    DECIMAL = "decimal", _("数值")
    CHOICE = "choice", _("选项")
    RESIDENT_ID = "id_number", _("公民身份号码")  # always personal: encrypted at rest
    CREDIT_CODE = "credit_code", _("统一社会信用代码")


class VerifyReason(models.TextChoices):
    """Why a licence does not verify (stable codes for pages and the API)."""

    NOT_FOUND = "not_found", _("电子证照库中没有该证照")
    SIGNATURE_INVALID = "signature_invalid", _("电子印章验证失败：证照内容与签章不符，可能已被篡改")
    CONTENT_UNREADABLE = "content_unreadable", _("证照加密内容无法解密，可能已被篡改")
    SEAL_KEY_MISSING = "seal_key_missing", _("签章所用的印章密钥不存在")
    SEAL_KEY_WRONG_ISSUER = "seal_key_wrong_issuer", _("签章所用的印章不属于颁发机构")
    SEAL_KEY_REVOKED = "seal_key_revoked", _("签章所用的印章密钥已吊销")
    SEAL_KEY_NOT_VALID_AT_SIGNING = "seal_key_not_valid_at_signing", _("签章时印章密钥不在有效期内")
    SUSPENDED = "suspended", _("证照已暂停使用")
    REVOKED = "revoked", _("证照已撤销")
    EXPIRED = "expired", _("证照已过有效期")
    SUPERSEDED = "superseded", _("证照已被新版本替代")
    NOT_YET_VALID = "not_yet_valid", _("证照尚未生效")


class UsageAction(models.TextChoices):
    """How a licence was used (用证方式)."""

    CASE = "case", _("办件用证")  # supplied to a case as a material
    QUERY = "query", _("部门查询")  # an agency's query: an annotated copy (加注件)
    VERIFY = "verify", _("核验")


class UsageOutcome(models.TextChoices):
    SUPPLIED = "supplied", _("已提供")
    NOT_FOUND = "not_found", _("无有效证照")
    INVALID = "invalid", _("证照未通过验证")
    REFUSED = "refused", _("已拒绝")


class RefusalReason(models.TextChoices):
    """Why a use was refused (stable codes in the usage log and the API)."""

    BAD_INPUT = "bad_input", _("请求内容有误")
    NO_PURPOSE = "no_purpose", _("未说明申请事由")
    NO_CASE_NUMBER = "no_case_number", _("未提供办件编号")
    NO_SCOPE = "no_scope", _("该证照类型不在本部门的用证范围内")
    NO_ROLE = "no_role", _("无用证权限的岗位")
    NOT_HOLDER = "not_holder", _("只能使用本人或本单位的证照")
    NO_AGENCY = "no_agency", _("未说明用证部门")
