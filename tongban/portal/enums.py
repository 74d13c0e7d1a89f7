"""The portal's own fixed lists: the home page entries and their state.

Entries whose capability exists link to it (LIVE_ENTRIES); the others are shown disabled with
即将开通 and a way to get the same thing done today (usually a phone number), never as a link
to an empty page.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Entry(models.TextChoices):
    """Home page entries. Each becomes a link (LIVE_ENTRIES) when its app ships."""

    BUNDLES = "bundles", _("一件事")
    CASES = "cases", _("办件查询")
    LICENCES = "licences", _("证照")
    RATINGS = "ratings", _("好差评")
    HOTLINE = "hotline", _("12345 留言")
    OPENNESS = "openness", _("政务公开")


ENTRY_NOTES = {
    Entry.BUNDLES: _("多个部门的事一次申请，如新生儿出生、企业开办"),
    Entry.CASES: _("查看申请进度和办理结果"),
    Entry.LICENCES: _("电子证照亮证、下载和授权使用"),
    Entry.RATINGS: _("对办事服务进行评价"),
    Entry.HOTLINE: _("咨询、求助、投诉、建议"),
    Entry.OPENNESS: _("政策文件、解读和依申请公开"),
}

# Entries that exist: where they lead. Literal paths, so the portal needs no other app's URL
# names (/cases/progress/, the lookup without signing in, is served by the cases app).
LIVE_ENTRIES = {
    Entry.CASES: "/cases/",
    Entry.LICENCES: "/licences/",
    Entry.OPENNESS: "/openness/",
    Entry.BUNDLES: "/bundles/",
}
PROGRESS_PATH = "/cases/progress/"

# Example searches under the home search box: common things people come for.
SEARCH_SUGGESTIONS = ("营业执照", "社保", "公积金", "出生医学证明", "结婚登记", "不动产登记")
