"""Identity pages: sign-up, real-name, my account, grants, sessions, acting switch, the clerk's
desk and staff roles. State is built through the services; refused requests change nothing."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tongban.accounts import gateways, services
from tongban.accounts.models import AgentConsent, DeviceSession, Mandate, User

from .identity_support import (
    PASSWORD,
    SYSTEM,
    audit_actions,
    counts,
    enterprise,
    in_days,
    last_seq,
    mobile,
    person,
    population,
    rid,
    staff,
)

pytestmark = pytest.mark.django_db
OUTBOX = "tongban.accounts.gateways.OutboxSmsGateway"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def html(response) -> str:
    return response.content.decode()


def assert_no_clear_personal_data(page: str, *users: tuple[int, User]) -> None:
    for n, _user in users:
        assert rid(n) not in page and rid(n).lower() not in page
        assert mobile(n) not in page


# --- Sign-up ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_cache():
    """SMS throttles and the outbox live in the (process-wide) cache."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def outbox(settings):
    settings.SMS_GATEWAY = OUTBOX


def send_code(client, django_capture_on_commit_callbacks, number: str, name: str = "王小明"):
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/accounts/signup/", {"action": "send_code", "mobile": number, "display_name": name})
    return r


def code_from_outbox(number: str) -> str:
    return gateways.outbox(number)[-1].split("验证码是")[1][:6]


def test_signup_page_has_every_field_and_csrf(client):
    r = client.get("/accounts/signup/")
    assert r.status_code == 200
    page = html(r)
    for name in ("mobile", "code", "display_name", "password", "password2", "csrfmiddlewaretoken"):
        assert f'name="{name}"' in page
    assert 'value="send_code"' in page and "获取验证码" in page


def test_signup_sends_code_and_keeps_what_was_typed(client, outbox, django_capture_on_commit_callbacks):
    before = counts()
    r = send_code(client, django_capture_on_commit_callbacks, "13912340001")
    assert r.status_code == 200
    assert "验证码已发送" in html(r)
    assert 'value="王小明"' in html(r)
    assert len(gateways.outbox("13912340001")) == 1
    assert counts() == before | {"codes": before["codes"] + 1}


@pytest.mark.parametrize(
    ("number", "message"),
    [("", "请输入手机号码"), ("12345", "请输入11位中国大陆手机号码"), ("2391234000x", "11位")],
)
def test_signup_send_code_bad_mobile(client, outbox, django_capture_on_commit_callbacks, number, message):
    before = counts()
    r = send_code(client, django_capture_on_commit_callbacks, number)
    assert r.status_code == 400
    assert message in html(r)
    assert 'class="field field--error"' in html(r)
    assert counts() == before


def test_signup_send_code_twice_in_a_minute_is_refused(client, outbox, django_capture_on_commit_callbacks):
    send_code(client, django_capture_on_commit_callbacks, "13912340002")
    before, seq = counts(), last_seq()
    r = send_code(client, django_capture_on_commit_callbacks, "13912340002")
    assert r.status_code == 429
    # the wait is what is left of the minute: 1分钟 at once, fewer seconds on a slow machine
    assert re.search(r"验证码发送过于频繁，请(1分钟|[1-5]?\d秒)后再试", html(r))
    assert audit_actions(seq) == ["accounts.sms.refused"]
    assert counts() == before | {"audit": before["audit"] + 1}
    assert len(gateways.outbox("13912340002")) == 1


def test_signup_registers_signs_in_and_goes_to_real_name(client, outbox, django_capture_on_commit_callbacks):
    send_code(client, django_capture_on_commit_callbacks, "13912340003")
    seq = last_seq()
    r = client.post(
        "/accounts/signup/",
        {
            "action": "register",
            "mobile": "13912340003",
            "code": code_from_outbox("13912340003"),
            "display_name": "王小明",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert r.status_code == 302 and r.url == "/accounts/me/verify/"
    user = User.objects.get(mobile_masked="139****0003")
    assert (user.kind, user.assurance_level, user.display_name) == ("person", 1, "王小明")
    assert audit_actions(seq) == ["accounts.person.register"]
    assert DeviceSession.objects.filter(user=user, ended_at__isnull=True).count() == 1
    r = client.get("/accounts/me/verify/")
    assert r.status_code == 200 and "注册成功" in html(r) and "L1 手机注册" in html(r)


SIGNUP_OK = {"action": "register", "display_name": "王小明", "password": PASSWORD, "password2": PASSWORD}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"mobile": ""}, "mobile", "请输入手机号码"),
        ({"mobile": "1391234"}, "mobile", "请输入11位中国大陆手机号码"),
        ({"code": ""}, "code", "请输入短信验证码"),
        ({"code": "12ab56"}, "code", "验证码为6位数字"),
        ({"code": "WRONG"}, "code", "验证码错误或已过期"),
        ({"display_name": ""}, "display_name", "请输入姓名"),
        ({"password": "", "password2": ""}, "password", "请设置密码"),
        ({"password": "8412345678901", "password2": "8412345678901"}, "password", "密码只包含数字"),
        ({"password": "Ab1-short", "password2": "Ab1-short"}, "password", "太短"),
        ({"password2": "Another-pass-2024"}, "password2", "两次输入的密码不一致"),
    ],
)
def test_signup_bad_input_per_field_changes_nothing(
    client, outbox, django_capture_on_commit_callbacks, change, field, message
):
    number = "13912340004"
    send_code(client, django_capture_on_commit_callbacks, number)
    data = SIGNUP_OK | {"mobile": number, "code": code_from_outbox(number)} | change
    if data["code"] == "WRONG":
        data["code"] = f"{(int(code_from_outbox(number)) + 1) % 10**6:06d}"
    before = counts()
    r = client.post("/accounts/signup/", data)
    assert r.status_code == 400
    page = html(r)
    assert message in page
    assert f'id="id_{field}_error"' in page  # the error sits next to its field
    assert PASSWORD not in page  # passwords are never written back
    assert counts() == before
    assert "_auth_user_id" not in client.session


def test_signup_with_a_registered_mobile(client, outbox, django_capture_on_commit_callbacks):
    person(5)
    send_code(client, django_capture_on_commit_callbacks, mobile(5))
    before = counts()
    r = client.post(
        "/accounts/signup/", SIGNUP_OK | {"mobile": mobile(5), "code": code_from_outbox(mobile(5))}
    )
    assert r.status_code == 400
    assert "该手机号已注册" in html(r) and 'id="id_mobile_error"' in html(r)
    assert counts() == before


def test_signup_when_signed_in_goes_to_my_account():
    c = login(person(6))
    assert c.get("/accounts/signup/").url == "/accounts/me/"


# --- Real-name verification --------------------------------------------------------------------


def test_verify_page_shows_the_current_level():
    r = login(person(10)).get("/accounts/me/verify/")
    assert r.status_code == 200
    assert "L1 手机注册" in html(r) and 'name="id_number"' in html(r)


def test_verify_success_raises_to_l2_and_masks():
    user = person(11, name="李四")
    c = login(user)
    seq = last_seq()
    r = c.post("/accounts/me/verify/", {"name": "李四", "id_number": rid(11)})
    assert r.status_code == 302 and r.url == "/accounts/me/"
    user.refresh_from_db()
    assert user.assurance_level == 2 and user.id_number_masked == rid(11)[:4] + "*" * 10 + rid(11)[-4:]
    assert audit_actions(seq) == ["accounts.realname.verify"]
    page = html(c.get("/accounts/me/verify/"))
    assert "您已完成实名认证" in page and user.id_number_masked in page
    assert_no_clear_personal_data(page, (11, user))


def _bad_check_digit(n: int) -> str:
    good = rid(n)
    return good[:17] + ("0" if good[17] != "0" else "1")


@pytest.mark.parametrize(
    ("data", "field", "message", "refusal"),
    [
        ({"name": "", "id_number": "RID"}, "name", "请输入姓名", False),
        ({"name": "李四", "id_number": ""}, "id_number", "请输入身份证号码", False),
        ({"name": "李四", "id_number": "42010219"}, "id_number", "身份证号码为18位", False),
        ({"name": "李四", "id_number": "BADCHECK"}, "id_number", "身份证号码无效", False),
        ({"name": "李五", "id_number": "RID"}, "id_number", "姓名与身份证号码不匹配", True),
    ],
)
def test_verify_bad_input_changes_nothing(data, field, message, refusal):
    user = person(12, name="李四")
    c = login(user)
    data = {k: v.replace("BADCHECK", _bad_check_digit(12)).replace("RID", rid(12)) for k, v in data.items()}
    before, seq = counts(), last_seq()
    r = c.post("/accounts/me/verify/", data)
    assert r.status_code == 400
    assert message in html(r) and f'id="id_{field}_error"' in html(r)
    assert_no_clear_personal_data(html(r), (12, user))  # the typed number is not echoed
    expected = ["accounts.realname.refused"] if refusal else []
    assert audit_actions(seq) == expected
    assert counts() == before | {"audit": before["audit"] + len(expected)}
    user.refresh_from_db()
    assert user.assurance_level == 1 and user.id_number_index is None


def test_verify_an_id_bound_to_another_account_is_a_conflict():
    person(13, name="赵六", level=2)
    other = person(14, name="赵六")
    before = counts()
    r = login(other).post("/accounts/me/verify/", {"name": "赵六", "id_number": rid(13)})
    assert r.status_code == 409 and "该身份证号码已绑定其他账号" in html(r)
    assert counts() == before


# --- My account ---------------------------------------------------------------------------------


def test_my_account_masks_everything_and_masks_ips(client):
    user = person(20, name="周七", level=2)
    r = client.post(
        "/accounts/login/",
        {"mode": "password", "identifier": mobile(20), "password": PASSWORD},
        REMOTE_ADDR="10.20.30.44",
    )
    assert r.status_code == 302
    r = client.get("/accounts/me/")
    page = html(r)
    assert r.status_code == 200
    assert user.id_number_masked in page and "139****0020" in page and "L2 实名核验" in page
    assert "10.20.30.*" in page and "10.20.30.44" not in page
    assert "当前设备" in page
    assert_no_clear_personal_data(page, (20, user))


def test_my_account_lists_enterprises_agents_and_principals(django_assert_max_num_queries):
    rep = person(21, name="法人甲", level=2)
    agent = person(22, name="经办乙", level=2)
    helper = person(23, name="帮办丙", level=2)
    _code, _m = enterprise(rep, 21)
    services_grant(rep, agent)
    from tongban.accounts import services

    services.do_record_consent(
        actor=rep,
        principal=rep,
        agent_name="帮办丙",
        agent_id_number=rid(23),
        relation="family",
        all_items=True,
        expires_at=in_days(30),
        consent_method="online",
    )
    c = login(rep)
    with django_assert_max_num_queries(25):
        page = html(c.get("/accounts/me/"))
    assert "武汉通办科技有限公司" in page and "法定代表人" in page and "授权经办人" in page
    assert "经办乙" in page and "帮办丙" in page and "本人在线授权" in page
    for n, u in ((21, rep), (22, agent), (23, helper)):
        assert_no_clear_personal_data(page, (n, u))
    helper_page = html(login(helper).get("/accounts/me/"))
    assert '代办：<span lang="zh-Hans">法人甲</span>（家属）' in helper_page and "停止代办" in helper_page


def test_my_account_for_staff_shows_roles():
    clerk = staff("clerk1", "window_clerk")
    page = html(login(clerk).get("/accounts/me/"))
    assert "窗口人员" in page and "/workbench/identity/" in page and "我的企业" not in page


# --- Notification e-mail (通知方式) ------------------------------------------------------------------

ADDRESS = "wangwu@163.com"
MASKED = "w***u@163.com"
EMAIL_OUTBOX = "tongban.accounts.gateways.OutboxEmailGateway"


@pytest.fixture
def email_outbox(settings):
    settings.EMAIL_GATEWAY = EMAIL_OUTBOX


def post_email(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/accounts/me/email/", data)


def email_code() -> str:
    return gateways.email_outbox(ADDRESS)[-1].split("验证码是")[1][:6]


def assert_no_clear_address(page: str) -> None:
    assert ADDRESS not in page and ADDRESS.split("@")[0] not in page


def test_email_page_has_the_form_and_csrf():
    page = html(login(person(30)).get("/accounts/me/email/"))
    assert 'name="csrfmiddlewaretoken"' in page and 'type="email" name="email"' in page
    assert 'value="send_code"' in page and "未绑定" in page and 'value="confirm"' not in page


def test_email_confirmed_through_the_pages(email_outbox, django_capture_on_commit_callbacks):
    user = person(31)
    c, since = login(user), last_seq()
    r = post_email(c, django_capture_on_commit_callbacks, action="send_code", email=ADDRESS)
    assert r.status_code == 302 and r.url == "/accounts/me/email/"
    page = html(c.get("/accounts/me/email/"))
    assert f"验证码已发送至 {MASKED}，10分钟内有效" in page and 'value="confirm"' in page
    assert_no_clear_address(page)
    r = post_email(c, django_capture_on_commit_callbacks, action="confirm", code=email_code())
    assert r.status_code == 302 and r.url == "/accounts/me/#contact"
    page = html(c.get("/accounts/me/"))
    assert MASKED in page and "已验证" in page and "解除绑定邮箱" in page and "电子邮箱已绑定" in page
    assert_no_clear_address(page)
    assert_no_clear_personal_data(page, (31, user))
    assert audit_actions(since) == ["accounts.email.code_sent", "accounts.email.confirm"]


def test_email_wrong_code_on_the_page_changes_nothing(email_outbox, django_capture_on_commit_callbacks):
    c = login(person(32))
    post_email(c, django_capture_on_commit_callbacks, action="send_code", email=ADDRESS)
    wrong = f"{(int(email_code()) + 1) % 10**6:06d}"
    before, since = counts(), last_seq()
    r = post_email(c, django_capture_on_commit_callbacks, action="confirm", code=wrong)
    page = html(r)
    assert r.status_code == 400 and "验证码错误或已过期" in page and f"验证码已发送至 {MASKED}" in page
    assert counts() == before | {"audit": before["audit"] + 1}
    assert audit_actions(since) == ["accounts.email.refused"]
    assert User.objects.get(pk=c.session["_auth_user_id"]).email_masked == ""


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"action": "send_code", "email": "wangwu@"}, "请输入有效的电子邮箱地址"),
        ({"action": "send_code", "email": ""}, "请输入电子邮箱地址"),
        ({"action": "confirm", "code": "12ab"}, "验证码为6位数字"),
        ({"action": "confirm", "code": ""}, "请输入邮件中的验证码"),
        ({"action": "other"}, None),
    ],
)
def test_email_bad_input_changes_nothing_and_is_not_echoed(email_outbox, data, field_error):
    c = login(person(33))
    before = counts()
    r = c.post("/accounts/me/email/", data)
    assert r.status_code == 400
    if field_error:
        assert field_error in html(r)
    assert 'value="wangwu@"' not in html(r)
    assert counts() == before


def test_email_send_twice_in_a_minute_is_refused(email_outbox, django_capture_on_commit_callbacks):
    c = login(person(34))
    post_email(c, django_capture_on_commit_callbacks, action="send_code", email=ADDRESS)
    before = counts()
    r = post_email(c, django_capture_on_commit_callbacks, action="send_code", email="other@163.com")
    assert r.status_code == 429 and "验证码发送过于频繁，请1分钟后再试" in html(r)
    assert counts() == before and gateways.email_outbox("other@163.com") == []


def test_email_forms_need_csrf(email_outbox, django_capture_on_commit_callbacks):
    user = person(35)
    services.do_send_email_code(actor=user, email=ADDRESS)
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    before = counts()
    assert c.post("/accounts/me/email/", {"action": "send_code", "email": "x@163.com"}).status_code == 403
    assert c.post("/accounts/me/email/", {"action": "confirm", "code": "123456"}).status_code == 403
    assert c.post("/accounts/me/email/remove/").status_code == 403
    assert counts() == before


def test_remove_email_on_the_page(email_outbox, django_capture_on_commit_callbacks):
    user = person(36)
    c = login(user)
    post_email(c, django_capture_on_commit_callbacks, action="send_code", email=ADDRESS)
    post_email(c, django_capture_on_commit_callbacks, action="confirm", code=email_code())
    assert MASKED in html(c.get("/accounts/me/"))  # (and the messages so far are shown)
    since = last_seq()
    r = c.post("/accounts/me/email/remove/")
    assert r.status_code == 302 and r.url == "/accounts/me/#contact"
    page = html(c.get("/accounts/me/"))
    assert "已解除绑定电子邮箱" in page and MASKED not in page and "绑定电子邮箱" in page
    assert audit_actions(since) == ["accounts.email.remove"]
    assert c.post("/accounts/me/email/remove/").status_code == 302  # again: nothing to do
    assert audit_actions(since) == ["accounts.email.remove"]


def test_email_address_masked_in_the_log_and_console(
    settings, caplog, capsys, django_capture_on_commit_callbacks
):
    settings.EMAIL_GATEWAY = "tongban.accounts.gateways.ConsoleEmailGateway"
    c = login(person(37))
    with caplog.at_level(logging.DEBUG):
        r = post_email(c, django_capture_on_commit_callbacks, action="send_code", email=ADDRESS)
        html(c.get("/accounts/me/email/"))
    assert r.status_code == 302
    out = capsys.readouterr().out
    assert f"[EMAIL -> {MASKED}]" in out and f"email sent to {MASKED}" in caplog.text
    assert ADDRESS not in out and ADDRESS not in caplog.text


# --- Enterprises and agents (经办人) ----------------------------------------------------------------


def services_grant(rep, agent, **kw):
    from tongban.accounts import services

    lp = Mandate.objects.get(user=rep, role="legal_rep").legal_person_id
    return services.do_grant_mandate(
        actor=rep,
        legal_person_id=lp,
        agent_name=agent.display_name,
        agent_id_number=rid(kw.pop("n", 22)),
        all_items=kw.pop("all_items", True),
        item_codes=kw.pop("item_codes", []),
        expires_at=kw.pop("expires_at", in_days(90)),
    )


def test_claim_enterprise_as_legal_rep():
    rep = person(30, name="法人甲", level=2)
    from tongban.accounts import services

    code = enterprise_record(rep, 30)
    seq = last_seq()
    r = login(rep).post("/accounts/me/enterprises/claim/", {"credit_code": code.lower()})
    assert r.status_code == 302 and r.url == "/accounts/me/#enterprises"
    m = Mandate.objects.get(user=rep)
    assert (m.role, m.legal_person.credit_code) == ("legal_rep", code)
    assert audit_actions(seq) == ["accounts.mandate.legal_rep"]
    assert services  # imported for symmetry with other tests


def enterprise_record(rep, n) -> str:
    import random

    from tongban.accounts import services
    from tongban.core.identifiers import make_credit_code

    code = make_credit_code(random.Random(1000 + n), region="420100", kind="91")
    services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=code,
        name="武汉通办科技有限公司",
        kind="enterprise",
        legal_rep_name=rep.display_name,
        legal_rep_id_number=rid(n),
    )
    return code


@pytest.mark.parametrize(
    ("who", "value", "status", "message", "refusal"),
    [
        ("rep", "", 400, "请输入统一社会信用代码", False),
        ("rep", "9142", 400, "统一社会信用代码为18位", False),
        ("rep", "BADCHECK", 400, "统一社会信用代码无效", False),
        ("other", "CODE", 400, "法定代表人不是您", True),
        ("l1", "CODE", 403, "请先完成实名认证", False),
    ],
)
def test_claim_bad_input_changes_nothing(who, value, status, message, refusal):
    rep = person(31, name="法人甲", level=2)
    users = {"rep": rep, "other": person(32, level=2), "l1": person(33)}
    code = enterprise_record(rep, 31)
    value = value.replace("BADCHECK", code[:17] + ("0" if code[17] != "0" else "1")).replace("CODE", code)
    before, seq = counts(), last_seq()
    r = login(users[who]).post("/accounts/me/enterprises/claim/", {"credit_code": value})
    assert r.status_code == status and message in html(r)
    expected = ["accounts.legal_person.claim_refused"] if refusal else []
    assert audit_actions(seq) == expected
    assert counts() == before | {"audit": before["audit"] + len(expected)}


@pytest.fixture
def firm():
    rep = person(40, name="法人甲", level=2)
    agent = person(41, name="经办乙", level=2)
    _code, mandate = enterprise(rep, 40)
    return rep, agent, mandate.legal_person_id


def test_grant_agent_page_only_for_the_legal_rep(firm):
    rep, agent, lp = firm
    assert login(rep).get(f"/accounts/me/enterprises/{lp}/agents/new/").status_code == 200
    r = login(agent).get(f"/accounts/me/enterprises/{lp}/agents/new/")
    assert r.status_code == 403 and "只有法定代表人可以授权经办人" in html(r)


@pytest.mark.parametrize(
    ("scope", "codes", "all_items", "expected"),
    [
        ("all", "", True, []),
        (
            "listed",
            "11420100MB0001, 11420100MB0002\n11420100MB0001",
            False,
            ["11420100MB0001", "11420100MB0002"],
        ),
    ],
)
def test_grant_agent(firm, scope, codes, all_items, expected):
    rep, agent, lp = firm
    seq = last_seq()
    r = login(rep).post(
        f"/accounts/me/enterprises/{lp}/agents/new/",
        {
            "agent_name": "经办乙",
            "agent_id_number": rid(41),
            "scope": scope,
            "item_codes": codes,
            "expires_at": in_days(30).date().isoformat(),
        },
    )
    assert r.status_code == 302
    m = Mandate.objects.get(user=agent)
    assert (m.role, m.all_items, m.item_codes, m.granted_by_id) == ("agent", all_items, expected, rep.pk)
    assert m.expires_at.date() == in_days(30).date()
    assert audit_actions(seq) == ["accounts.mandate.grant"]


GRANT_OK = {"agent_name": "经办乙", "scope": "all", "item_codes": ""}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"agent_name": ""}, "agent_name", "请输入受托人姓名"),
        ({"agent_id_number": ""}, "agent_id_number", "请输入受托人身份证号码"),
        ({"agent_id_number": "BADCHECK"}, "agent_id_number", "身份证号码无效"),
        ({"agent_name": "别人"}, "agent_id_number", "未找到该姓名和身份证号码对应的实名用户"),
        ({"agent_id_number": "L1"}, "agent_id_number", "未找到该姓名和身份证号码对应的实名用户"),
        ({"agent_id_number": "SELF", "agent_name": "法人甲"}, "agent_id_number", "不能授权自己"),
        ({"scope": "listed"}, "item_codes", "请选择授权的事项"),
        ({"scope": "listed", "item_codes": "11-42"}, "item_codes", "事项编码格式不正确"),
        ({"scope": "some"}, "scope", "请选择授权范围"),
        ({"expires_at": ""}, "expires_at", "请填写授权有效期"),
        ({"expires_at": "2020-13-01"}, "expires_at", "请按 年-月-日 填写日期"),
        ({"expires_at": "PAST"}, "expires_at", "有效期必须晚于当前时间"),
        ({"expires_at": "FAR"}, "expires_at", "授权有效期最长3年"),
    ],
)
def test_grant_agent_bad_input_changes_nothing(firm, change, field, message):
    rep, agent, lp = firm
    l1 = person(42, name="经办乙")  # same name, but not real-name verified
    assert l1.assurance_level == 1
    subs = {
        "BADCHECK": _bad_check_digit(41),
        "L1": rid(42),
        "SELF": rid(40),
        "PAST": in_days(-1).date().isoformat(),
        "FAR": in_days(366 * 3 + 5).date().isoformat(),
    }
    data = GRANT_OK | {"agent_id_number": rid(41), "expires_at": in_days(30).date().isoformat()} | change
    data = {k: subs.get(v, v) for k, v in data.items()}
    before = counts()
    r = login(rep).post(f"/accounts/me/enterprises/{lp}/agents/new/", data)
    assert r.status_code == 400
    assert message in html(r) and f'id="id_{field}_error"' in html(r)
    assert_no_clear_personal_data(html(r), (40, rep), (41, agent), (42, l1))
    assert counts() == before


def test_revoke_agent_by_rep_and_refused_for_others(firm):
    rep, agent, _lp = firm
    m = services_grant(rep, agent, n=41)
    stranger = person(43, level=2)
    before = counts()
    r = login(stranger).post(f"/accounts/me/mandates/{m.pk}/revoke/")
    assert r.status_code == 403 and counts() == before
    assert login(rep).post("/accounts/me/mandates/999999/revoke/").status_code == 404
    seq = last_seq()
    r = login(rep).post(f"/accounts/me/mandates/{m.pk}/revoke/")
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.revoked_by_id == rep.pk and audit_actions(seq) == ["accounts.mandate.revoke"]
    page = html(login(rep).get("/accounts/me/"))
    assert "已撤销" in page


def test_legal_rep_mandate_cannot_be_revoked_from_the_page(firm):
    rep, _agent, _lp = firm
    rep_mandate = Mandate.objects.get(user=rep, role="legal_rep")
    before = counts()
    assert login(rep).post(f"/accounts/me/mandates/{rep_mandate.pk}/revoke/").status_code == 403
    assert counts() == before


# --- Helpers (帮办代办) -----------------------------------------------------------------------------


@pytest.fixture
def family():
    return person(50, name="老人甲", level=2), person(51, name="女儿乙", level=2)


def test_grant_consent_online(family):
    principal, helper = family
    seq = last_seq()
    r = login(principal).post(
        "/accounts/me/helpers/new/",
        {
            "agent_name": "女儿乙",
            "agent_id_number": rid(51),
            "relation": "family",
            "scope": "listed",
            "item_codes": "11420100MB0001",
            "expires_at": in_days(60).date().isoformat(),
        },
    )
    assert r.status_code == 302 and r.url == "/accounts/me/#agents"
    c = AgentConsent.objects.get()
    assert (c.principal_id, c.agent_id, c.consent_method, c.item_codes) == (
        principal.pk,
        helper.pk,
        "online",
        ["11420100MB0001"],
    )
    assert audit_actions(seq) == ["accounts.consent.grant"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"relation": ""}, "relation", "请选择与被代办人的关系"),
        ({"relation": "boss"}, "relation", "请选择与被代办人的关系"),
        ({"agent_name": "陌生人"}, "agent_id_number", "未找到该姓名和身份证号码对应的实名用户"),
        ({"expires_at": ""}, "expires_at", "请填写授权有效期"),
        ({"scope": "listed", "item_codes": ""}, "item_codes", "请选择授权的事项"),
    ],
)
def test_grant_consent_bad_input_changes_nothing(family, change, field, message):
    principal, _helper = family
    data = {
        "agent_name": "女儿乙",
        "agent_id_number": rid(51),
        "relation": "family",
        "scope": "all",
        "item_codes": "",
        "expires_at": in_days(60).date().isoformat(),
    } | change
    before = counts()
    r = login(principal).post("/accounts/me/helpers/new/", data)
    assert r.status_code == 400 and message in html(r) and f'id="id_{field}_error"' in html(r)
    assert counts() == before


def _consent(principal, helper_n, name):
    from tongban.accounts import services

    return services.do_record_consent(
        actor=principal,
        principal=principal,
        agent_name=name,
        agent_id_number=rid(helper_n),
        relation="family",
        all_items=True,
        expires_at=in_days(30),
        consent_method="online",
    )


@pytest.mark.parametrize("who", ["principal", "helper"])
def test_revoke_consent_by_either_party(family, who):
    principal, helper = family
    consent = _consent(principal, 51, "女儿乙")
    actor = principal if who == "principal" else helper
    r = login(actor).post(f"/accounts/me/consents/{consent.pk}/revoke/")
    assert r.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_by_id == actor.pk


def test_revoke_consent_of_others_is_not_found(family):
    principal, _helper = family
    consent = _consent(principal, 51, "女儿乙")
    stranger = person(52, level=2)
    before = counts()
    r = login(stranger).post(f"/accounts/me/consents/{consent.pk}/revoke/")
    assert r.status_code == 404 and counts() == before


# --- Devices and sessions ---------------------------------------------------------------------------


def _sign_in(n) -> Client:
    c = Client()
    assert (
        c.post(
            "/accounts/login/", {"mode": "password", "identifier": mobile(n), "password": PASSWORD}
        ).status_code
        == 302
    )
    return c


def test_end_another_session_signs_that_browser_out():
    person(60)
    phone, laptop = _sign_in(60), _sign_in(60)
    phone_device = DeviceSession.objects.get(session_key=phone.session.session_key)
    r = laptop.post(f"/accounts/me/sessions/{phone_device.pk}/end/")
    assert r.status_code == 302 and r.url == "/accounts/me/#devices"
    phone_device.refresh_from_db()
    assert phone_device.ended_at is not None
    assert not Session.objects.filter(session_key=phone_device.session_key).exists()
    assert phone.get("/accounts/me/").status_code == 302  # signed out
    assert laptop.get("/accounts/me/").status_code == 200


def test_end_the_current_session_signs_out():
    person(61)
    c = _sign_in(61)
    device = DeviceSession.objects.get(session_key=c.session.session_key)
    r = c.post(f"/accounts/me/sessions/{device.pk}/end/")
    assert r.status_code == 302 and r.url == "/accounts/login/"
    assert c.get("/accounts/me/").status_code == 302


def test_end_someone_elses_session_is_not_found():
    person(62)
    other = _sign_in(62)
    device = DeviceSession.objects.get(session_key=other.session.session_key)
    stranger = person(63)
    before = counts()
    assert login(stranger).post(f"/accounts/me/sessions/{device.pk}/end/").status_code == 404
    assert counts() == before


# --- Acting identity ---------------------------------------------------------------------------------


def test_switch_acting_to_an_enterprise_and_back(firm):
    rep, agent, _lp = firm
    m = services_grant(rep, agent, n=41)
    c = login(agent)
    seq = last_seq()
    r = c.post("/accounts/acting/", {"kind": "enterprise", "id": str(m.pk)})
    assert r.status_code == 302 and r.url == "/accounts/me/"
    agent.refresh_from_db()
    assert agent.acting == {"kind": "enterprise", "mandate": m.pk}
    assert audit_actions(seq) == ["accounts.acting.switch"]
    header = html(c.get("/"))
    assert 'class="topbar__acting"' in header and "武汉通办科技有限公司" in header
    assert 'aria-pressed="true"><span><span lang="zh-Hans">武汉通办科技有限公司</span>（经办人）' in html(
        c.get("/accounts/me/")
    )
    c.post("/accounts/acting/", {"kind": "self"})
    agent.refresh_from_db()
    assert agent.acting == {"kind": "self"}


@pytest.mark.parametrize(
    ("data", "status", "refusal"),
    [
        ({"kind": "enterprise", "id": "MANDATE"}, 403, True),  # someone else's mandate
        ({"kind": "principal", "id": "999999"}, 403, True),
        ({"kind": "boss"}, 400, False),
        ({"kind": "enterprise", "id": "1; drop"}, 400, False),
    ],
)
def test_switch_acting_refused_changes_nothing(firm, data, status, refusal):
    rep, agent, _lp = firm
    m = services_grant(rep, agent, n=41)
    stranger = person(44, level=2)
    data = {k: v.replace("MANDATE", str(m.pk)) for k, v in data.items()}
    before, seq = counts(), last_seq()
    r = login(stranger).post("/accounts/acting/", data)
    assert r.status_code == status
    expected = ["accounts.acting.refused"] if refusal else []
    assert audit_actions(seq) == expected
    assert counts() == before | {"audit": before["audit"] + len(expected)}
    stranger.refresh_from_db()
    assert stranger.acting == {}


def test_acting_switch_refused_after_expiry(firm):
    rep, agent, _lp = firm
    m = services_grant(rep, agent, n=41)
    Mandate.objects.filter(pk=m.pk).update(expires_at=in_days(-1))  # time has passed
    r = login(agent).post("/accounts/acting/", {"kind": "enterprise", "id": str(m.pk)})
    assert r.status_code == 403 and "已过期" in html(r)


# --- Clerk desk ---------------------------------------------------------------------------------------


@pytest.fixture
def clerk():
    return staff("clerk", "window_clerk")


def test_desk_find_existing_person(clerk):
    user = person(70, name="窗口甲", level=2)
    c = login(clerk)
    assert c.get("/workbench/identity/").status_code == 200
    r = c.post("/workbench/identity/find/", {"id_number": rid(70)})
    assert r.status_code == 302 and r.url == f"/workbench/identity/people/{user.pk}/"
    page = html(c.get(r.url))
    assert "窗口甲" in page and user.id_number_masked in page and "139****0070" in page
    assert_no_clear_personal_data(page, (70, user))


def test_desk_lookups_are_recorded_for_the_person(clerk):
    from tongban.core.models import AuditEvent

    user = person(74, name="窗口丁", level=2)
    seq = last_seq()
    c = login(clerk)
    c.post("/workbench/identity/find/", {"id_number": rid(74)})
    c.post("/workbench/identity/find/", {"id_number": rid(75)})
    events = list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))
    assert [(e.action, e.actor, e.object_id, e.data) for e in events] == [
        ("accounts.person.lookup", f"user:{clerk.pk}", str(user.pk), {"found": True}),
        ("accounts.person.lookup", f"user:{clerk.pk}", "", {"found": False}),
    ]
    assert all(rid(74) not in str(e.data) and rid(75) not in str(e.data) for e in events)


def test_desk_find_unknown_person_offers_walk_in(clerk):
    r = login(clerk).post("/workbench/identity/find/", {"id_number": rid(71)})
    assert r.status_code == 200 and "未找到该身份证号码对应的账号" in html(r) and rid(71) not in html(r)


@pytest.mark.parametrize(
    ("value", "message"), [("", "请输入身份证号码"), ("4201", "身份证号码为18位"), ("BAD", "身份证号码无效")]
)
def test_desk_find_bad_input(clerk, value, message):
    value = _bad_check_digit(72) if value == "BAD" else value
    r = login(clerk).post("/workbench/identity/find/", {"id_number": value})
    assert r.status_code == 400 and message in html(r)
    assert not value or value not in html(r)


def test_in_person_verification_l3(clerk):
    user = person(73, name="窗口乙")
    seq = last_seq()
    r = login(clerk).post(
        f"/workbench/identity/people/{user.pk}/verify/", {"name": "窗口乙", "id_number": rid(73)}
    )
    assert r.status_code == 302
    user.refresh_from_db()
    assert (user.assurance_level, user.verified_by_id) == (3, clerk.pk)
    assert audit_actions(seq) == ["accounts.realname.verify"]


@pytest.mark.parametrize(
    ("data", "message", "refusal"),
    [
        ({"name": "", "id_number": "RID"}, "请输入姓名", False),
        ({"name": "窗口乙", "id_number": "BAD"}, "身份证号码无效", False),
        ({"name": "窗口丙", "id_number": "RID"}, "姓名与身份证号码不匹配", True),
    ],
)
def test_in_person_verification_bad_input(clerk, data, message, refusal):
    user = person(74, name="窗口乙")
    data = {k: {"RID": rid(74), "BAD": _bad_check_digit(74)}.get(v, v) for k, v in data.items()}
    before, seq = counts(), last_seq()
    r = login(clerk).post(f"/workbench/identity/people/{user.pk}/verify/", data)
    assert r.status_code == 400 and message in html(r)
    expected = ["accounts.realname.refused"] if refusal else []
    assert audit_actions(seq) == expected
    assert counts() == before | {"audit": before["audit"] + len(expected)}


def test_person_page_for_a_staff_account_is_not_found(clerk):
    assert login(clerk).get(f"/workbench/identity/people/{clerk.pk}/").status_code == 404


def test_walk_in_registration(clerk):
    population(75, "来访甲")
    seq = last_seq()
    r = login(clerk).post(
        "/workbench/identity/walk-in/", {"name": "来访甲", "id_number": rid(75), "mobile": mobile(75)}
    )
    assert r.status_code == 302
    user = User.objects.get(display_name="来访甲")
    assert (user.assurance_level, user.verified_by_id, user.has_usable_password()) == (3, clerk.pk, False)
    assert r.url == f"/workbench/identity/people/{user.pk}/"
    assert audit_actions(seq) == ["accounts.person.register_walk_in"]


def test_walk_in_of_an_existing_account_verifies_it(clerk):
    user = person(76, name="来访乙", level=2)
    before = counts()
    r = login(clerk).post(
        "/workbench/identity/walk-in/", {"name": "来访乙", "id_number": rid(76), "mobile": ""}
    )
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.assurance_level == 3 and counts()["users"] == before["users"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "id_number": "RID"}, "name", "请输入姓名"),
        ({"name": "来访甲", "id_number": ""}, "id_number", "请输入身份证号码"),
        ({"name": "来访丁", "id_number": "RID"}, "id_number", "姓名与身份证号码不匹配"),
        ({"name": "来访甲", "id_number": "RID", "mobile": "123"}, "mobile", "请输入11位中国大陆手机号码"),
    ],
)
def test_walk_in_bad_input(clerk, data, field, message):
    population(77, "来访甲")
    data = {k: rid(77) if v == "RID" else v for k, v in data.items()}
    before = counts()
    r = login(clerk).post("/workbench/identity/walk-in/", data)
    assert r.status_code == 400 and message in html(r) and f'id="id_{field}_error"' in html(r)
    assert rid(77) not in html(r)
    refused = 1 if "不匹配" in message else 0
    assert counts() == before | {"audit": before["audit"] + refused}


def test_walk_in_with_a_mobile_of_another_account(clerk):
    person(78, name="已注册")
    population(79, "来访戊")
    before = counts()
    r = login(clerk).post(
        "/workbench/identity/walk-in/", {"name": "来访戊", "id_number": rid(79), "mobile": mobile(78)}
    )
    assert r.status_code == 400 and "该手机号码已被其他账号使用" in html(r)
    assert counts() == before


def test_hall_consent(regions_loaded, family):
    from tongban.catalog.testing import make_basic_item, make_department, make_item

    hall = make_department(region="420100", name="武汉市政务服务中心")
    item = make_item(hall, make_basic_item(name="居住证办理"))
    clerk = staff("hall-clerk", "window_clerk", department=hall)
    principal, helper = family
    data = {
        "agent_name": "女儿乙",
        "agent_id_number": rid(51),
        "relation": "family",
        "scope": "all",
        "expires_at": in_days(90).date().isoformat(),
        "consent_method": "written",
        "consent_note": "授权书 2024-001",
    }
    url = f"/workbench/identity/people/{principal.pk}/consent/"
    r = login(clerk).post(url, data)  # a hall consent lists the hall's items, never all
    assert r.status_code == 400 and 'id="id_item_codes_error"' in html(r)
    assert not AgentConsent.objects.exists()
    seq = last_seq()
    r = login(clerk).post(url, data | {"scope": "listed", "item_codes": item.code})
    assert r.status_code == 302
    c = AgentConsent.objects.get()
    assert (c.recorded_by_id, c.consent_method, c.consent_note, c.agent_id, c.item_codes) == (
        clerk.pk,
        "written",
        "授权书 2024-001",
        helper.pk,
        [item.code],
    )
    assert audit_actions(seq) == ["accounts.consent.grant"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"consent_method": ""}, "consent_method", "请选择同意方式"),
        (
            {"consent_method": "online"},
            "consent_method",
            "请选择同意方式",
        ),  # only the person can consent online
        ({"relation": ""}, "relation", "请选择关系"),
        ({"agent_id_number": "4201"}, "agent_id_number", "身份证号码为18位"),
    ],
)
def test_hall_consent_bad_input(clerk, family, change, field, message):
    principal, _helper = family
    data = {
        "agent_name": "女儿乙",
        "agent_id_number": rid(51),
        "relation": "family",
        "scope": "all",
        "expires_at": in_days(90).date().isoformat(),
        "consent_method": "in_person",
    } | change
    before = counts()
    r = login(clerk).post(f"/workbench/identity/people/{principal.pk}/consent/", data)
    assert r.status_code == 400 and message in html(r) and f'id="id_{field}_error"' in html(r)
    assert counts() == before


# --- Staff roles ---------------------------------------------------------------------------------------


@pytest.fixture
def depts(regions_loaded):
    from tongban.catalog.testing import make_department

    return make_department(region="420100", name="武汉市政务服务局"), make_department(
        region="420200", name="黄石市政务服务局"
    )


def test_department_admin_lists_and_changes_roles(depts):
    home, _away = depts
    admin = staff("dadmin", "department_admin", department=home)
    officer = staff("officer", "approving_officer", department=home)
    c = login(admin)
    page = html(c.get("/workbench/identity/staff/"))
    assert "officer" in page and "武汉市政务服务局" in page and 'value="platform_admin"' not in page
    seq = last_seq()
    r = c.post(
        f"/workbench/identity/staff/{officer.pk}/roles/", {"roles": ["approving_officer", "window_clerk"]}
    )
    assert r.status_code == 302 and r.url == f"/workbench/identity/staff/?department={home.pk}"
    assert sorted(officer.groups.values_list("name", flat=True)) == ["approving_officer", "window_clerk"]
    assert audit_actions(seq) == ["accounts.staff.roles"]


@pytest.mark.parametrize(
    ("target", "roles", "status"),
    [("away", ["window_clerk"], 403), ("home", ["platform_admin"], 403), ("home", ["overlord"], 400)],
)
def test_department_admin_refused_changes_nothing(depts, target, roles, status):
    home, away = depts
    admin = staff("dadmin", "department_admin", department=home)
    who = staff("someone", "approving_officer", department=home if target == "home" else away)
    before = counts()
    r = login(admin).post(f"/workbench/identity/staff/{who.pk}/roles/", {"roles": roles})
    assert r.status_code == status
    refused = 1 if status == 403 else 0  # a refusal is on record (accounts.staff.roles_refused)
    assert counts() == before | {"audit": before["audit"] + refused}
    assert list(who.groups.values_list("name", flat=True)) == ["approving_officer"]


def test_platform_admin_picks_any_department(depts):
    _home, away = depts
    padmin = staff("padmin", "platform_admin")
    other = staff("other", "window_clerk", department=away)
    c = login(padmin)
    page = html(c.get(f"/workbench/identity/staff/?department={away.pk}"))
    assert "other" in page and 'value="platform_admin"' in page
    assert c.post(f"/workbench/identity/staff/{other.pk}/roles/", {"roles": ["inspector"]}).status_code == 302
    assert list(other.groups.values_list("name", flat=True)) == ["inspector"]


# --- CSRF on every form ----------------------------------------------------------------------------


def _csrf_cases():
    return [
        ("anonymous", "/accounts/signup/", {"action": "send_code", "mobile": "13912349999"}),
        ("anonymous", "/accounts/login/", {"mode": "password", "identifier": "x", "password": "y"}),
        ("anonymous", "/accounts/login/code/", {"mobile": "13912349999"}),
        ("person", "/accounts/logout/", {}),
        ("person", "/accounts/me/verify/", {"name": "甲", "id_number": "RID"}),
        ("rep", "/accounts/me/enterprises/claim/", {"credit_code": "x"}),
        ("rep", "/accounts/me/enterprises/LP/agents/new/", {"agent_name": "经办乙"}),
        ("rep", "/accounts/me/mandates/MANDATE/revoke/", {}),
        ("person", "/accounts/me/helpers/new/", {"agent_name": "经办乙"}),
        ("person", "/accounts/me/consents/CONSENT/revoke/", {}),
        ("person", "/accounts/me/sessions/DEVICE/end/", {}),
        ("agent", "/accounts/acting/", {"kind": "enterprise", "id": "MANDATE"}),
        ("clerk", "/workbench/identity/find/", {"id_number": "RID"}),
        ("clerk", "/workbench/identity/people/PERSON/verify/", {"name": "甲", "id_number": "RID"}),
        ("clerk", "/workbench/identity/walk-in/", {"name": "甲", "id_number": "RID"}),
        ("clerk", "/workbench/identity/people/PERSON/consent/", {"agent_name": "乙"}),
        ("admin", "/workbench/identity/staff/CLERK/roles/", {"roles": ["inspector"]}),
    ]


@pytest.mark.parametrize(("who", "url", "data"), _csrf_cases(), ids=[c[1] for c in _csrf_cases()])
def test_every_form_requires_a_csrf_token(who, url, data):
    rep = person(80, name="法人甲", level=2)
    agent = person(81, name="经办乙", level=2)
    _code, _m = enterprise(rep, 80)
    mandate = services_grant(rep, agent, n=81)
    consent = _consent(rep, 81, "经办乙")
    from tongban.accounts import services

    device = services.do_start_device_session(
        user=rep, session_key="k" * 32, method="password", ip=None, user_agent=""
    )
    clerk = staff("clerk", "window_clerk")
    admin = staff("padmin", "platform_admin")
    users = {"person": rep, "rep": rep, "agent": agent, "clerk": clerk, "admin": admin}
    subs = {
        "LP": mandate.legal_person_id,
        "MANDATE": mandate.pk,
        "CONSENT": consent.pk,
        "DEVICE": device.pk,
        "PERSON": rep.pk,
        "CLERK": clerk.pk,
        "RID": rid(80),
    }
    for key, value in subs.items():
        url = url.replace(key, str(value))
        data = {k: (str(value) if v == key else v) for k, v in data.items()}
    c = Client(enforce_csrf_checks=True)
    if who != "anonymous":
        c.force_login(users[who])
    before = counts()
    r = c.post(url, data)
    assert r.status_code == 403
    assert "CSRF" in html(r) or "csrf" in html(r).lower()
    assert counts() == before


# --- Logs never carry a clear ID number --------------------------------------------------------------


def test_logs_never_carry_clear_id_numbers(caplog, clerk):
    caplog.set_level(logging.DEBUG)
    user = person(90, name="日志甲")
    c = login(user)
    c.post("/accounts/me/verify/", {"name": "日志乙", "id_number": rid(90)})  # mismatch
    c.post("/accounts/me/verify/", {"name": "日志甲", "id_number": rid(90)})
    k = login(clerk)
    k.post("/workbench/identity/find/", {"id_number": rid(90)})
    k.post("/workbench/identity/walk-in/", {"name": "不对", "id_number": rid(91)})
    k.post("/workbench/identity/find/", {"id_number": _bad_check_digit(92)})
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    for n in (90, 91):
        assert rid(n) not in text
    assert _bad_check_digit(92) not in text
    assert mobile(90) not in text
