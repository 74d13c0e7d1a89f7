"""Atom 1.0 feeds of published policies (Django syndication): `/openness/feeds/all.atom` and one
per issuing body, `/openness/feeds/<body>.atom`, where <body> is the department's code (its
unified social credit code). An unknown body is 404. Entries are the FEED_SIZE newest published
(and repealed) policies; drafts never appear."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from tongban.core import queries as core_queries
from tongban.core.errors import NotFound

from . import queries


def _moment(day: dt.date | None, fallback: dt.datetime) -> dt.datetime:
    if day is None:
        return fallback
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


class PolicyFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, body: str = ""):
        if not body:
            return None
        code = body.strip().upper()
        department = (
            core_queries.department_by_credit_code(code) if len(code) == 18 and code.isalnum() else None
        )
        if department is None:
            raise NotFound(_("没有该发文机关"))
        return department

    def title(self, obj):
        if obj is None:
            return _("湖北政务服务网 · 政策文件")
        return _("%(body)s · 政策文件") % {"body": obj.name}

    def subtitle(self, obj):
        return _("最新发布的政策文件及其解读")

    def link(self, obj):
        base = reverse("openness:library")
        return base if obj is None else f"{base}?issuer={obj.credit_code}"

    def feed_guid(self, obj):
        return "tag:tongban,2026:openness/feeds/" + ("all" if obj is None else obj.credit_code)

    def author_name(self, obj):
        return _("湖北政务服务网") if obj is None else obj.name

    def items(self, obj):
        return queries.feed_policies(None if obj is None else obj.pk)

    def item_title(self, item):
        return f"{item.title}（{item.number}）"

    def item_description(self, item):
        return item.summary or item.text[:300]

    def item_link(self, item):
        return reverse("openness:policy", args=[item.pk])

    def item_guid(self, item):
        return f"tag:tongban,2026:openness/policies/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return _moment(item.published_on, item.created_at)

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.issuer.name

    def item_categories(self, item):
        return [item.get_subject_display()]
