from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    """Staff roles, held as groups."""

    WINDOW_CLERK = "window_clerk", _("窗口人员")
    APPROVING_OFFICER = "approving_officer", _("审批人员")
    DEPARTMENT_ADMIN = "department_admin", _("部门管理员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    INSPECTOR = "inspector", _("监管人员")
    HOTLINE_OPERATOR = "hotline_operator", _("热线坐席")
    DATA_STEWARD = "data_steward", _("数据管理员")
    CATALOG_EDITOR = "catalog_editor", _("事项编制人员")
    CATALOG_REVIEWER = "catalog_reviewer", _("事项审核人员")


# Roles that reach beyond one department and region (every case in the province, every region's
# statistics, every department's catalogue review): granted only by platform administrators.
PLATFORM_WIDE_ROLES = frozenset(
    {StaffRole.PLATFORM_ADMIN.value, StaffRole.INSPECTOR.value, StaffRole.CATALOG_REVIEWER.value}
)


class AccountKind(models.TextChoices):
    PERSON = "person", _("自然人")
    STAFF = "staff", _("工作人员")


class AssuranceLevel(models.IntegerChoices):
    """Identity assurance (实名等级), published to relying parties as `acr`."""

    L1 = 1, _("L1 手机注册")
    L2 = 2, _("L2 实名核验")
    L3 = 3, _("L3 现场核验")

    @property
    def acr(self) -> str:
        return f"urn:tongban:loa:{self.value}"


class LegalPersonKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业法人")
    INSTITUTION = "institution", _("事业单位法人")
    SOCIAL_ORG = "social_org", _("社会组织法人")
    # Not a legal person, but registered alike (法人库, a 92 credit code); its 经营者 (operator)
    # holds the "legal representative" mandate and sees its licences as their own.
    SOLE_TRADER = "sole_trader", _("个体工商户")


class MandateRole(models.TextChoices):
    LEGAL_REP = "legal_rep", _("法定代表人")
    AGENT = "agent", _("经办人")


class HelperRelation(models.TextChoices):
    FAMILY = "family", _("家属")
    VILLAGE_HELPER = "village_helper", _("村（社区）帮办员")
    OTHER = "other", _("其他受托人")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("书面授权书")
    IN_PERSON = "in_person", _("本人到场确认")
    SMS = "sms", _("短信验证码确认")
    ONLINE = "online", _("本人在线授权")


class LoginMethod(models.TextChoices):
    PASSWORD = "password", _("密码")
    SMS = "sms", _("短信验证码")
    TOTP = "totp", _("动态口令")


class ActingKind(models.TextChoices):
    """Who the signed-in person is acting as (办事身份)."""

    SELF = "self", _("本人")
    ENTERPRISE = "enterprise", _("代表企业")
    PRINCIPAL = "principal", _("代办")
