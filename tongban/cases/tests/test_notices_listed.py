"""Notices on the case pages: 受理通知书, 补正材料通知书 and the decisions are listed on the
applicant's and the officer's case pages with their PDF links; every notice PDF carries the
department's e-seal beside the verification QR code; the acceptance notice states the time limit
as the item gives it (即办, 自然日, 工作日), never "0个工作日"."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tongban.cases import notices, services
from tongban.cases.models import Case, Notice
from tongban.pdftest import needs_pdftotext, pdf_qr_codes, pdf_text

from .conftest import as_user, citizen, submit

pytestmark = pytest.mark.usefixtures("regions_loaded")


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def red_pixels(pdf: bytes) -> int:
    """Seal-red pixels on the first page, rasterised by Debian's pdftoppm at 50 dpi."""
    import io
    import shutil
    import subprocess

    from PIL import Image

    png = subprocess.run(  # noqa: S603 - Debian's pdftoppm on a PDF we rendered
        [shutil.which("pdftoppm") or "pdftoppm", "-png", "-r", "50", "-singlefile", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    image = Image.open(io.BytesIO(png)).convert("RGB")
    raw = image.tobytes()
    return sum(1 for i in range(0, len(raw), 3) if raw[i] > 180 and raw[i + 1] < 90 and raw[i + 2] < 90)


def accepted(world, *, limit: int | None = None, unit: str | None = None) -> Case:
    case = submit(world)
    if limit is not None:  # the item's promise, as the case copied it at submission
        Case.objects.filter(pk=case.pk).update(promised_limit=limit, promised_unit=unit or "workday")
    return services.do_accept(actor=world["officer"], number=case.number)


def acceptance(case) -> Notice:
    return Notice.objects.get(case=case, kind="acceptance")


def test_the_acceptance_notice_is_listed_for_the_applicant_and_the_officer(world):
    case = accepted(world)
    notice = acceptance(case)
    url = f"/notices/{case.number}/{notice.number}.pdf"
    link = f'<a href="{url}">受理通知书</a>'
    applicant = as_user(world["citizen"])
    page = applicant.get(f"/cases/{case.number}/").content.decode()
    assert link in page and notice.number in page
    officer = as_user(world["officer"])
    assert link in officer.get(f"/workbench/cases/{case.number}/").content.decode()
    for client in (applicant, officer):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # another person: neither the case page nor the notice
    stranger = as_user(citizen(9, name="王五"))
    assert stranger.get(f"/cases/{case.number}/").status_code == 404
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page


def test_a_supplement_request_and_the_decision_are_listed_in_order(world):
    case = accepted(world)
    for index, actor in enumerate([world["officer"], world["officer2"], world["head"]]):
        case = services.do_complete_step(
            actor=actor, number=case.number, step_index=index, outcome="pass", comment="符合法定条件"
        )
    page = as_user(world["citizen"]).get(f"/cases/{case.number}/").content.decode()
    titles = re.findall(r'<a href="/notices/[^"]+\.pdf">([^<]+)</a>', page)
    assert titles == ["受理通知书", "准予许可决定书"]
    assert notices.listed(case)[1]["number"] == f"{case.number}-ZYXK01"


def test_a_case_without_notices_says_so(world):
    case = submit(world)
    page = as_user(world["citizen"]).get(f"/cases/{case.number}/").content.decode()
    assert "暂无文书" in page and "/notices/" not in page


@needs_pdftotext
def test_every_notice_pdf_carries_the_departments_seal_and_the_verification_qr(world):
    case = accepted(world)
    notice = acceptance(case)
    pdf = as_user(world["citizen"]).get(f"/notices/{case.number}/{notice.number}.pdf").content
    text = flat(pdf_text(pdf))
    assert "行政审批专用章" in text  # the seal's caption, drawn under its star
    assert red_pixels(pdf) > 300  # the red ring, name and star are drawn (0 on a notice without)
    html = notices.render_html(notice, verify_url="https://example.test/v/")
    assert 'class="seal"' in html and "data:image/svg+xml;base64," in html
    assert pdf_qr_codes(pdf) == [f"http://testserver/notices/verify/{notice.verify_code}/"]


@needs_pdftotext
@pytest.mark.parametrize(
    ("limit", "unit", "says", "never"),
    [
        (0, "workday", "本事项为即办件，受理后当场办结", "时限为0个工作日"),
        (10, "calendar_day", "承诺办结时限为10个自然日", "10个工作日"),
        (5, "workday", "承诺办结时限为5个工作日", "即办"),
    ],
)
def test_the_acceptance_notice_states_the_limit_as_the_item_gives_it(world, limit, unit, says, never):
    case = accepted(world, limit=limit, unit=unit)
    notice = acceptance(case)
    text = flat(
        pdf_text(as_user(world["citizen"]).get(f"/notices/{case.number}/{notice.number}.pdf").content)
    )
    assert says in text
    assert never not in text


def test_an_instant_items_acceptance_message_promises_no_date(world):
    from tongban.cases.models import Notification

    case = accepted(world, limit=0)
    assert Notification.objects.filter(case=case).values_list("text", flat=True).last() == (
        "已受理，即办件，当场办结"
    )
    case = accepted(world, limit=5)
    assert Notification.objects.filter(case=case).values_list("text", flat=True).last() == (
        f"已受理，承诺{case.promised_due:%Y-%m-%d}前办结"
    )


def test_an_instant_items_case_page_explains_no_zero_day_count(world):
    case = accepted(world, limit=0)
    page = as_user(world["citizen"]).get(f"/cases/{case.number}/").content.decode()
    assert f"即办：受理日 {case.accepted_on:%Y-%m-%d} 当场办结" in page
    assert "起算 0个工作日" not in page


def test_limit_words():
    assert notices.limit_words(0, "workday") == "即办（当场办结）"
    assert notices.limit_words(3, "workday") == "3个工作日"
    assert notices.limit_words(30, "calendar_day") == "30个自然日"


@needs_pdftotext
def test_an_old_notice_that_said_0_working_days_reads_as_instant(world):
    case = accepted(world, limit=0)
    notice = acceptance(case)
    data = {k: v for k, v in notice.data.items() if k != "instant"}
    Notice.objects.filter(pk=notice.pk).update(data={**data, "promised_limit": "0个工作日"})
    text = flat(
        pdf_text(as_user(world["citizen"]).get(f"/notices/{case.number}/{notice.number}.pdf").content)
    )
    assert "即办件" in text and "时限为0个工作日" not in text
