"""Wording seen by applicants and officers (issue 11): a 即办 item promises no 5-day pre-check,
the workbench shows material stages by their labels (never `application` or `window`), and an
application from a phone is recorded as 移动端 (the case number's channel digit 3), not 电脑端."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongban.catalog.testing import make_basic_item, make_item

from .. import services
from ..enums import Channel
from ..models import Case
from .conftest import FORM, PDF, as_user, staff, submit

pytestmark = pytest.mark.usefixtures("regions_loaded")

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Mobile/15E148 Safari/604.1"
)
HARMONY = (
    "Mozilla/5.0 (Phone; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) ArkWeb/4.1.6.1 Safari/537.36"
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
FIVE_DAYS = "办理部门将在5个工作日内预审"


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def immediate(world):
    """A 即办件 of the same department."""
    basic = make_basic_item(name="个体工商户设立登记")
    return make_item(world["dept"], basic, case_type="1", promised_limit=0, popularity=5)


def post_data(item, **extra):
    data = {**FORM, "action": "submit"}
    for m in item.materials.order_by("order", "id"):
        data[f"m_{m.pk}"] = [SimpleUploadedFile(f"{m.pk}.pdf", PDF, content_type="application/pdf")]
    data.update(extra)
    return data


# --- 即办: handled on the spot, no 5-day pre-check promise --------------------------------------


def test_an_immediate_item_promises_handling_on_the_spot_not_a_five_day_precheck(world, immediate):
    client = as_user(world["citizen"])
    form = body(client.get(f"/cases/apply/{immediate.code}/"))
    assert FIVE_DAYS not in form
    assert "本事项为即办件：材料齐全、符合法定形式的即时办结，不用等待；需要补正的，会一次性告知。" in form
    response = client.post(f"/cases/apply/{immediate.code}/", post_data(immediate))
    case = Case.objects.get()
    assert response.status_code == 302 and case.case_type == "1"
    page = body(client.get(response["Location"]))
    assert "前完成预审" not in page
    assert (
        f'本事项为即办件：<span lang="zh-Hans">{world["dept"].name}</span>即时审核，材料齐全、符合法定形式的当场办结'
        in page
    )


def test_a_promised_item_still_promises_the_five_day_precheck(world):
    client = as_user(world["citizen"])
    form = body(client.get(f"/cases/apply/{world['item'].code}/"))
    assert FIVE_DAYS in form and "本事项为即办件" not in form


# --- The workbench shows labels, not enum values -------------------------------------------------


def test_the_workbench_shows_material_stages_by_their_labels(world):
    case = submit(world)
    page = body(as_user(world["officer"]).get(f"/workbench/cases/{case.number}/"))
    materials = page[page.index("SHA-256") :]
    assert materials.count(">申请时提交</td>") == 2
    assert ">application<" not in page and ">window<" not in page
    material = case.materials.first()
    for stage, label in (("window", "窗口收件"), ("supplement", "补正材料"), ("application", "申请时提交")):
        material.stage = stage
        assert material.get_stage_display() == label


def test_the_workbench_shows_a_chosen_option_by_its_label(world):
    """A select field stores the choice's value (e.g. `window`); the officer reads its label."""
    schema = {
        "sections": [
            {
                "title": "申请内容",
                "fields": [
                    {
                        "name": "applicant_name",
                        "label": "申请人（单位）名称",
                        "type": "text",
                        "required": True,
                    },
                    {"name": "contact_name", "label": "联系人", "type": "text", "required": True},
                    {"name": "contact_phone", "label": "联系电话", "type": "mobile", "required": True},
                    {"name": "request", "label": "申请事项说明", "type": "textarea", "required": True},
                    {
                        "name": "pickup",
                        "label": "领取方式",
                        "type": "select",
                        "required": True,
                        "choices": [
                            {"value": "window", "label": "窗口领取"},
                            {"value": "post", "label": "邮寄"},
                        ],
                    },
                ],
            }
        ]
    }
    services.do_set_form(actor=staff("editor", "catalog_editor"), item_pk=world["item"].pk, schema=schema)
    case = submit(world, data={**FORM, "pickup": "window"})
    page = body(as_user(world["officer"]).get(f"/workbench/cases/{case.number}/"))
    assert '<dt>领取方式</dt><dd lang="zh-Hans">窗口领取</dd>' in page
    assert ">window<" not in page


# --- The channel is the real one -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "declared", "channel"),
    [
        ({"HTTP_USER_AGENT": DESKTOP}, None, Channel.PC),
        ({"HTTP_USER_AGENT": IPHONE}, None, Channel.MOBILE),
        ({"HTTP_USER_AGENT": HARMONY}, None, Channel.MOBILE),
        # What the page declared wins (portal.js: a mobile browser, touch-first, or the phone layout).
        ({"HTTP_USER_AGENT": DESKTOP}, "3", Channel.MOBILE),
        ({"HTTP_USER_AGENT": IPHONE}, "2", Channel.PC),
        # Chromium's own hint when nothing was declared.
        ({"HTTP_USER_AGENT": DESKTOP, "HTTP_SEC_CH_UA_MOBILE": "?1"}, None, Channel.MOBILE),
        ({"HTTP_USER_AGENT": IPHONE, "HTTP_SEC_CH_UA_MOBILE": "?0"}, None, Channel.PC),
        # A declared value that is no online channel is ignored, never trusted.
        ({"HTTP_USER_AGENT": IPHONE}, "1", Channel.MOBILE),
        ({"HTTP_USER_AGENT": DESKTOP}, "9", Channel.PC),
    ],
)
def test_the_channel_of_an_online_application_is_the_real_one(world, headers, declared, channel):
    client = as_user(world["citizen"])
    data = post_data(world["item"], **({"channel": declared} if declared is not None else {}))
    response = client.post(f"/cases/apply/{world['item'].code}/", data, **headers)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == channel
    assert case.number[14] == channel  # region (6) + date (8) + channel digit
    label = "移动端网上申请" if channel == Channel.MOBILE else "电脑端网上办理"
    assert label in body(as_user(world["officer"]).get(f"/workbench/cases/{case.number}/"))


def test_the_apply_form_carries_the_field_the_page_declares_the_channel_in(world):
    form = body(as_user(world["citizen"]).get(f"/cases/apply/{world['item'].code}/"))
    assert '<input type="hidden" name="channel" value="" data-declare-channel>' in form
