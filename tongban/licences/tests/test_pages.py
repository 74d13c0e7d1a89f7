"""Licence pages: "my licences" for a person and for the enterprise they act for, a licence's page
with its face, the PDF (read back with pdftotext), 出示 codes and the page they open (expiry,
tampering), and the public verification page (valid, revoked, tampered, masked, not enumerable).
Who may see what: another person, or an enterprise the person does not act for now, gets 404."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.core.identifiers import make_resident_id, mask_resident_id
from tongban.pdftest import needs_pdftotext, pdf_text

from .. import rendering, services, sharing, views
from ..models import Licence, LicenceUsage
from .conftest import (
    CODES,
    COMPANY,
    PERSON_ID,
    SPOUSE_ID,
    SYSTEM,
    issue_at_jianghan,
    issue_business,
    issue_food,
    issue_marriage,
)

pytestmark = pytest.mark.usefixtures("regions_loaded")

PASSWORD = "Str0ng-pass-2026"
STRANGER_ID = make_resident_id(random.Random(9), region="420102", born=dt.date(1985, 1, 2), sex="F")


def person(n: int, name: str, id_number: str | None):
    user = account_services.do_register_person(
        actor=SYSTEM, mobile=f"1390000{n:04d}", password=PASSWORD, display_name=name
    )
    if id_number:
        account_services.do_upsert_population_record(actor=SYSTEM, name=name, id_number=id_number)
        user = account_services.do_verify_real_name(actor=user, user=user, name=name, id_number=id_number)
    return user


def legal_rep_of(user, credit_code: str, name: str):
    """Make `user` the company's legal representative and act for it."""
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=credit_code,
        name=name,
        kind="enterprise",
        legal_rep_name=user.display_name,
        legal_rep_id_number=PERSON_ID,
    )
    mandate = account_services.do_claim_legal_person(actor=user, credit_code=credit_code)
    account_services.do_switch_acting(actor=user, kind="enterprise", target_id=mandate.pk)
    return mandate


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def verify_path(licence: Licence) -> str:
    return f"/licences/verify/{licence.identifier}/{sharing.verify_code(licence.identifier)}/"


def tamper(licence: Licence, **fields) -> None:
    Licence.objects.filter(pk=licence.pk).update(**fields)


@pytest.fixture
def liu(world):
    """刘洋, the marriage certificate's holder (PERSON_ID), real-name verified."""
    return person(1, "刘洋", PERSON_ID)


# --- My licences --------------------------------------------------------------------------------


def test_my_licences_lists_the_persons_own_licences_only(world, liu, django_assert_max_num_queries):
    marriage = issue_marriage(world)
    business = issue_business(world)  # the company's: not listed while 刘洋 acts for himself
    client = signed_in(liu)
    with django_assert_max_num_queries(10):  # two: the 个体工商户 operated, an enterprise to switch to
        response = client.get("/licences/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert f"/licences/{marriage.identifier}/" in body and marriage.number in body
    assert business.identifier not in body and "结婚证" in body and "有效" in body
    assert "长期" in body and "武汉市江夏区民政局" in body
    assert "<title>我的证照 - " in body and body.count('id="usage-title"') == 1
    assert body.index("<h1>") < body.index('id="usage-title"')  # each section once, in the page body


def test_my_licences_while_acting_for_an_enterprise_lists_both(world, liu):
    marriage = issue_marriage(world)
    business = issue_business(world)
    other = issue_at_jianghan(world)
    legal_rep_of(liu, COMPANY, "武汉鑫达恒通商贸有限公司")
    body = signed_in(liu).get("/licences/").content.decode()
    assert marriage.identifier in body and business.identifier in body
    assert other.identifier not in body and "武汉鑫达恒通商贸有限公司的证照" in body


def test_the_switch_hint_is_only_for_someone_with_an_enterprise_to_switch_to(world, liu):
    # issue 11: the villager holding only her own 个体工商户's licence was told to switch identity
    hint = "要查看企业的证照，请先切换为以该企业身份办事。"
    assert hint not in signed_in(liu).get("/licences/").content.decode()
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=COMPANY,
        name="武汉鑫达恒通商贸有限公司",
        kind="enterprise",
        legal_rep_name=liu.display_name,
        legal_rep_id_number=PERSON_ID,
    )
    account_services.do_claim_legal_person(actor=liu, credit_code=COMPANY)  # not acting for it yet
    assert hint in signed_in(liu).get("/licences/").content.decode()
    account_services.do_switch_acting(
        actor=liu, kind="enterprise", target_id=account_queries.my_mandates(liu)[0].pk
    )
    assert hint not in signed_in(liu).get("/licences/").content.decode()  # acting for it: listed


def test_each_list_pages_on_its_own_keeping_the_others_page(world, liu, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    business, food = issue_business(world), issue_food(world)  # food is the newer: listed first
    legal_rep_of(liu, COMPANY, "武汉鑫达恒通商贸有限公司")
    body = signed_in(liu).get("/licences/?page=1&epage=2").content.decode()
    assert business.identifier in body and food.identifier not in body
    assert 'href="?page=1&amp;epage=1"' in body and "第 2 / 2 页" in body


def test_superseded_versions_leave_the_list_but_stay_on_the_licence_page(world, liu):
    first = issue_marriage(world)
    second = services.do_supersede_licence(
        actor=world["civil_officer"], identifier=first.identifier, reason="change", note="补记备注"
    )
    client = signed_in(liu)
    body = client.get("/licences/").content.decode()
    assert second.identifier in body and first.identifier not in body
    page = client.get(f"/licences/{second.identifier}/").content.decode()
    assert "历史版本" in page and f"/licences/{first.identifier}/" in page


def test_a_person_without_real_name_verification_is_told_how_to_see_licences(world):
    newcomer = person(2, "新用户", None)
    issue_marriage(world)
    body = signed_in(newcomer).get("/licences/").content.decode()
    assert "完成实名认证后" in body and "licence-card" not in body


def test_signed_out_people_go_to_the_login_and_staff_are_refused(world):
    assert Client().get("/licences/")["Location"].startswith("/accounts/login/")
    assert signed_in(world["officer"]).get("/licences/").status_code == 403


# --- A licence's page ---------------------------------------------------------------------------


def test_the_licence_page_shows_the_face_seal_and_qr_with_id_numbers_masked(world, liu):
    marriage = issue_marriage(world)
    response = signed_in(liu).get(f"/licences/{marriage.identifier}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "licence-face--marriage" in body and "王芳" in body  # the holder sees names
    assert SPOUSE_ID not in body and mask_resident_id(SPOUSE_ID) in body
    assert PERSON_ID not in body and mask_resident_id(PERSON_ID) in body
    assert 'src="data:image/svg+xml;base64,' in body  # the seal and the QR code, embedded
    assert f"/licences/{marriage.identifier}/present/" in body and "有效" in body
    assert "style=" not in body and "<script>" not in body  # nothing the CSP would refuse


def test_another_person_or_an_enterprise_not_acted_for_gets_404(world, liu):
    marriage = issue_marriage(world)
    business = issue_business(world)
    stranger = signed_in(person(3, "路人", STRANGER_ID))
    mandate = legal_rep_of(liu, COMPANY, "武汉鑫达恒通商贸有限公司")
    paths = ("/", "/licence.pdf", "/present/", "/present/code/")
    for path in paths:
        assert stranger.get(f"/licences/{marriage.identifier}{path}").status_code == 404
        assert stranger.get(f"/licences/{business.identifier}{path}").status_code == 404
    # 刘洋 is the company's legal representative, but acts for himself at the moment
    account_services.do_switch_acting(actor=liu, kind="self")
    for path in paths:
        assert signed_in(liu).get(f"/licences/{business.identifier}{path}").status_code == 404
    account_services.do_switch_acting(actor=liu, kind="enterprise", target_id=mandate.pk)
    for path in paths:
        assert signed_in(liu).get(f"/licences/{business.identifier}{path}").status_code == 200
    assert signed_in(liu).get("/licences/1.2.156.3005.2.nonsense/").status_code == 404


@needs_pdftotext
def test_the_pdf_reads_back_with_the_identifier_and_the_verification_link(world, liu):
    marriage = issue_marriage(world)
    response = signed_in(liu).get(f"/licences/{marriage.identifier}/licence.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{marriage.number}.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = re.sub(r"\s+", "", pdf_text(pdf))
    assert marriage.identifier in text and marriage.number in text and "结婚证" in text
    assert verify_path(marriage) in text and "武汉市江夏区民政局" in text
    assert SPOUSE_ID not in text and mask_resident_id(SPOUSE_ID) in text


# --- The public verification page ---------------------------------------------------------------


def test_verification_of_a_valid_licence_shows_the_face_masked(world):
    marriage = issue_marriage(world)
    response = Client().get(verify_path(marriage))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "licence-result--valid" in body and "电子印章验证通过" in body
    assert "刘*" in body and "刘洋" not in body  # a person's name, masked
    assert "王*" in body and "王芳" not in body  # a personal face field, masked
    assert SPOUSE_ID not in body and PERSON_ID not in body and mask_resident_id(SPOUSE_ID) in body
    assert "2026-09-29" in body and marriage.number in body


def test_verification_of_an_enterprise_licence_shows_its_public_name(world):
    business = issue_business(world)
    body = Client().get(verify_path(business)).content.decode()
    assert "武汉鑫达恒通商贸有限公司" in body and COMPANY in body and "licence-result--valid" in body


def test_verification_of_a_revoked_licence_says_invalid_and_why(world):
    business = issue_business(world)
    services.do_revoke_licence(actor=world["officer"], identifier=business.identifier, reason="吊销")
    body = Client().get(verify_path(business)).content.decode()
    assert "licence-result--invalid" in body and "证照已撤销" in body
    assert "licence-face--void" in body  # the face still shows, stamped 已撤销


def test_verification_of_a_tampered_licence_says_invalid_and_hides_the_face(world):
    business = issue_business(world)
    tamper(business, face={**business.face, "business_scope": "烟草制品销售"})
    body = Client().get(verify_path(business)).content.decode()
    assert "licence-result--invalid" in body and "可能已被篡改" in body
    assert "烟草制品销售" not in body and 'class="licence-face' not in body and "不予显示" in body


def test_verification_of_unreadable_personal_data_or_a_superseded_version(world):
    marriage = issue_marriage(world)
    second = services.do_supersede_licence(
        actor=world["civil_officer"], identifier=marriage.identifier, reason="change", note="补记"
    )
    body = Client().get(verify_path(marriage)).content.decode()
    assert (
        "licence-result--invalid" in body and "证照已被新版本替代" in body and 'class="licence-face' in body
    )
    tamper(second, face_personal_enc=second.face_personal_enc[:-4] + "AAAA")
    body = Client().get(verify_path(second)).content.decode()
    assert "证照加密内容无法解密" in body and 'class="licence-face' not in body and "王*" not in body


def test_verification_needs_the_check_code_so_identifiers_cannot_be_enumerated(world):
    business = issue_business(world)
    good = sharing.verify_code(business.identifier)
    assert re.fullmatch(r"[0-9a-f]{20}", good)
    for code in ("0" * 20, good[:-1] + ("0" if good[-1] != "0" else "1"), good[:10], ""):
        response = Client().get(f"/licences/verify/{business.identifier}/{code or 'x'}/")
        assert response.status_code == 404 and business.number.encode() not in response.content
    assert Client().get(f"/licences/verify/{business.identifier}/{good.upper()}/").status_code == 200
    assert Client().get("/licences/verify/garbage/" + sharing.verify_code("GARBAGE") + "/").status_code == 404


# --- 出示 ---------------------------------------------------------------------------------------


def test_present_page_shows_a_code_and_the_script_fetches_fresh_ones(world, liu):
    marriage = issue_marriage(world)
    client = signed_in(liu)
    body = client.get(f"/licences/{marriage.identifier}/present/").content.decode()
    assert 'id="present-qr"' in body and "licences/present.js" in body
    assert f'data-code-url="/licences/{marriage.identifier}/present/code/"' in body
    first = client.get(f"/licences/{marriage.identifier}/present/code/").json()
    assert first["qr"].startswith("data:image/svg+xml") and "/licences/shown/" in first["url"]
    expires = dt.datetime.fromisoformat(first["expires_at"])
    assert 115 <= (expires - timezone.now()).total_seconds() <= 121


def test_a_presentation_code_opens_the_licence_as_verified_now(world, liu):
    marriage = issue_marriage(world)
    token, _ = sharing.make_present_token(marriage.identifier)
    response = Client().get(f"/licences/shown/{token}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "licence-result--valid" in body and "刘洋" in body  # shown by the holder: names as on the licence
    assert SPOUSE_ID not in body and mask_resident_id(SPOUSE_ID) in body


def test_an_expired_presentation_code_says_so(world):
    marriage = issue_marriage(world)
    token, _ = sharing.make_present_token(marriage.identifier, now=timezone.now() - dt.timedelta(seconds=121))
    response = Client().get(f"/licences/shown/{token}/")
    assert response.status_code == 410
    body = response.content.decode()
    assert "出示码已过期" in body and marriage.number not in body


def test_an_altered_or_foreign_presentation_code_is_404(world):
    marriage = issue_marriage(world)
    token, _ = sharing.make_present_token(marriage.identifier)
    assert Client().get(f"/licences/shown/{token[:-2]}xx/").status_code == 404
    from django.core import signing

    forged = signing.dumps({"i": marriage.identifier, "x": 9999999999}, salt="another-salt")
    assert Client().get(f"/licences/shown/{forged}/").status_code == 404


def test_a_presentation_of_a_licence_revoked_since_says_invalid(world):
    business = issue_business(world)
    token, _ = sharing.make_present_token(business.identifier)
    services.do_revoke_licence(actor=world["officer"], identifier=business.identifier, reason="注销")
    body = Client().get(f"/licences/shown/{token}/").content.decode()
    assert "licence-result--invalid" in body and "证照已撤销" in body


def test_an_invalid_licence_cannot_be_presented(world, liu):
    marriage = issue_marriage(world)
    services.do_suspend_licence(actor=world["civil_officer"], identifier=marriage.identifier, reason="核查")
    body = signed_in(liu).get(f"/licences/{marriage.identifier}/present/").content.decode()
    assert "无效的证照不能出示" in body and 'id="present-qr"' not in body


# --- The usage log on the licence page --------------------------------------------------------


def test_the_licence_page_lists_who_used_the_licence_when_for_which_case_and_why(world, liu):
    business = issue_business(world)
    legal_rep_of(liu, COMPANY, "武汉鑫达恒通商贸有限公司")
    services.do_grant_use(
        actor=world["platform"],
        type_code=CODES["营业执照"],
        department=world["jianghan"].pk,
        basis="企业开办业务",
    )
    services.use_licence(
        actor=world["jianghan_officer"],
        holder_code=COMPANY,
        type_code=CODES["营业执照"],
        purpose="食品经营许可审查",
        case_number="420103-2026-000007",
        action="case",
    )
    token, _ = sharing.make_present_token(business.identifier)
    assert Client().get(f"/licences/shown/{token}/").status_code == 200  # a presentation viewed
    row = LicenceUsage.objects.get(actor=sharing.PRESENT_ACTOR)
    assert (row.action, row.outcome, row.licence_id) == ("verify", "supplied", business.pk)
    body = signed_in(liu).get(f"/licences/{business.identifier}/").content.decode()
    log = body.split('id="usage-title"', 1)[1]
    assert "武汉市江汉区行政审批局（工作人员）" in log and "420103-2026-000007" in log
    assert "食品经营许可审查" in log and "办件用证" in log and "持证人当面出示" in log
    assert log.index("持证人当面出示") < log.index("420103-2026-000007")  # newest first
    mine = signed_in(liu).get("/licences/").content.decode().split('id="usage-title"', 1)[1]
    assert "食品经营许可审查" in mine and f'href="/licences/{business.identifier}/">营业执照</a>' in mine


def test_an_unused_licence_says_so_and_the_page_reads_in_bounded_queries(
    world, liu, django_assert_max_num_queries
):
    marriage = issue_marriage(world)
    client = signed_in(liu)
    with django_assert_max_num_queries(12):
        body = client.get(f"/licences/{marriage.identifier}/").content.decode()
    assert "这张证照还没有被使用过" in body
    assert "您的证照还没有被使用过" in client.get("/licences/").content.decode()


# --- The seal picture ---------------------------------------------------------------------------


def test_the_seal_has_the_issuers_name_around_a_star():
    svg = rendering.seal_svg("武汉市江夏区行政审批局")
    assert svg.count("<text") == len("武汉市江夏区行政审批局") + 1  # one per character, and the caption
    assert "<polygon" in svg and 'stroke="#d0021b"' in svg and "电子证照专用章" in svg
    assert "&lt;b&gt;" in rendering.seal_svg("<b>")  # names are escaped
