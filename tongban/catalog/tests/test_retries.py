"""Double submissions of the catalogue workbench forms (issue 10 §7): the same rendered form sent
twice acts once and the second answer is the first one's redirect with "已处理"; a refused
action consumes no token."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongban.catalog.models import ImplementationItem
from tongban.catalog.testing import make_basic_item, make_item
from tongban.core.models import AuditEvent
from tongban.core.testing import once_token

from .test_views import setup  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
DONE = "已处理：该表单已提交过，未重复办理。"


def test_a_double_clicked_new_version_makes_one_draft(client, setup):  # noqa: F811
    item = make_item(setup["dept"], make_basic_item(name="特殊工时工作制审批"))
    client.force_login(setup["editor"])
    action = reverse("catalog:item_action", args=[item.pk, "new-version"])
    token = once_token(client.get(reverse("catalog:item", args=[item.pk])).content.decode(), action)
    first = client.post(action, {"once_token": token})
    new = ImplementationItem.objects.get(code=item.code, version=2)
    assert first["Location"] == reverse("catalog:item", args=[new.pk])
    audit = AuditEvent.objects.count()
    second = client.post(action, {"once_token": token}, follow=True)
    assert second.redirect_chain[0] == (first["Location"], 302)
    assert DONE in second.content.decode()
    assert ImplementationItem.objects.filter(code=item.code).count() == 2
    assert AuditEvent.objects.count() == audit


def test_a_refused_review_consumes_no_token(client, setup):  # noqa: F811
    draft = setup["draft"]
    client.force_login(setup["editor"])
    client.post(reverse("catalog:item_action", args=[draft.pk, "submit"]))
    client.force_login(setup["reviewer"])
    action = reverse("catalog:item_action", args=[draft.pk, "reject"])
    token = once_token(client.get(reverse("catalog:item", args=[draft.pk])).content.decode(), action)
    client.post(action, {"comment": "", "once_token": token})  # refused: a reason is required
    draft.refresh_from_db()
    assert draft.status == "in_review"
    client.post(action, {"comment": "请补充收费依据", "once_token": token})
    draft.refresh_from_db()
    assert (draft.status, draft.review_comment) == ("draft", "请补充收费依据")


def test_a_double_submitted_import_imports_once(client, setup):  # noqa: F811
    published = make_item(setup["dept"], make_basic_item(name="林木采伐许可证核发"))
    client.force_login(setup["editor"])
    exported = client.get(reverse("catalog:export")).content
    url = reverse("catalog:import")
    token = _token_of(client.get(url))  # the form posts to its own page (no action attribute)

    def form():
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return {"file": SimpleUploadedFile("list.xlsx", exported, content_type=xlsx), "once_token": token}

    assert client.post(url, form())["Location"] == url
    audit = AuditEvent.objects.count()
    second = client.post(url, form(), follow=True)
    assert second.redirect_chain[0] == (url, 302) and DONE in second.content.decode()
    assert ImplementationItem.objects.filter(code=published.code).count() == 2
    assert AuditEvent.objects.count() == audit


def _token_of(response) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', response.content.decode()).group(1)
