"""National code tables owned by the kernel."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    """Five administrative levels (省/市/县/乡/村)."""

    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县")
    TOWNSHIP = 4, _("乡")
    VILLAGE = 5, _("村")


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("人民政府")
    BUREAU = "bureau", _("政府工作部门")
    APPROVAL = "approval", _("行政审批局")
    SERVICE_CENTER = "service_center", _("政务服务中心")
    VERTICAL = "vertical", _("垂直管理部门")
    INSTITUTION = "institution", _("事业单位")
    OTHER = "other", _("其他")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    WORKDAY = "workday", _("调休上班日")
