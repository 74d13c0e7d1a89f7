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
