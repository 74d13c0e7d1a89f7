"""The one world the authorization matrix runs in, built through the services and the apps' test
helpers (never raw rows, except to let a grant's time run out).

Two departments in two regions (江夏 420115, 江汉 420103) and a third in 江夏; an item of each
(two in 江夏: the agent's mandate covers item A only); an enterprise (its credit code the licence
tests' COMPANY) whose legal representative changed in the register (法人库) after the former one
granted three agents: a current one scoped to item A, one whose mandate expired and one whose
mandate was revoked, each after submitting a case; a principal with a helper (帮办) who
submitted a case for her, and a second helper who did the same before his consent was revoked;
a case a window clerk keyed in for the principal; citizens at L1 and L2 who hold nothing; staff
of each kind; a department system (client_credentials, `api` scope) of each region; a business
licence of the enterprise and the acceptance notice of an accepted case.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import requests
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client, TestCase
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.models import Mandate
from tongban.accounts.testing import system_token
from tongban.accounts.tests.identity_support import _consent_for, in_days, person, rid
from tongban.cases import clock, notices
from tongban.cases import services as case_services
from tongban.cases.models import CaseMaterial
from tongban.cases.tests.conftest import FORM, PDF, upload
from tongban.catalog import services as catalog_services
from tongban.catalog.testing import SYSTEM, make_basic_item, make_item
from tongban.core import services as core_services
from tongban.demo.rp import oidc as rp_oidc
from tongban.demo.tests.test_rp import PlatformTransport, register_demo_client
from tongban.exchange import grants as exchange_grants
from tongban.exchange import testing as exchange_testing
from tongban.insight import evaluation, report
from tongban.licences import services as licence_services
from tongban.licences import sharing, validity
from tongban.licences.tests.conftest import BUSINESS_FACE, CODES, COMPANY, department
from tongban.licences.tests.conftest import staff as make_staff
from tongban.openness import concerns, disclosure, disclosure_clock

TODAY = dt.date(2026, 9, 29)
CSRF_SECRET = "m" * 32  # a CSRF secret as the csrftoken cookie holds it; forms and headers send it


@dataclass
class World:
    users: dict = field(default_factory=dict)  # actor kind -> User (people and staff)
    tokens: dict = field(default_factory=dict)  # actor kind -> bearer access token (systems)
    sessions: dict = field(default_factory=dict)  # actor kind -> session key
    ids: dict = field(default_factory=dict)  # placeholder -> value for the URL templates
    cache_kept: list = field(default_factory=list)  # cache keys that outlive each cell (conftest.py)
    _client: Client | None = None

    def fresh_ids(self) -> dict:
        """The ids, with a presentation token made now (it lives for seconds only)."""
        token, _expires = sharing.make_present_token(self.ids["licence"])
        return self.ids | {"present_token": token}

    def client(self, actor: str) -> tuple[Client, dict]:
        """A CSRF-enforcing client for `actor`, and the headers its requests carry. One client
        serves every cell (a new one loads the middleware again, which costs more than the
        request); each cell starts with only the cookies of its actor."""
        if self._client is None:
            self._client = Client(enforce_csrf_checks=True)
        c = self._client
        c.cookies = SimpleCookie()
        c.cookies["csrftoken"] = CSRF_SECRET
        headers = {"HTTP_X_CSRFTOKEN": CSRF_SECRET}
        if actor in self.sessions:
            c.cookies["sessionid"] = self.sessions[actor]
        if actor in self.tokens:
            headers["HTTP_AUTHORIZATION"] = "Bearer " + self.tokens[actor]
        return c, headers


def _system_token(dept) -> str:
    token = system_token(dept)
    # An access token lives 10 minutes; the matrix can take longer on a busy machine.
    get_access_token_model().objects.filter(token_checksum=hashlib.sha256(token.encode()).hexdigest()).update(
        expires=timezone.now() + dt.timedelta(hours=2)
    )
    return token


def _submit(actor, item, *, acting: tuple[str, int] | None = None):
    if acting is not None:
        account_services.do_switch_acting(actor=actor, kind=acting[0], target_id=acting[1])
    materials = list(item.materials.order_by("order", "id"))
    # Uploaded files are written when the submission commits; the world is built in a transaction
    # that is rolled back, so run the submission's on-commit work (the files) at once.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return case_services.do_submit(
            actor=actor, item_code=item.code, data=FORM, uploads=[upload(m) for m in materials]
        )


def build() -> World:
    """Everything the matrix reads; call inside a transaction that is rolled back afterwards."""
    w = World()
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)

    # --- Departments, items, licence types ---------------------------------------------------
    jiangxia = department("武汉市江夏区行政审批局", "420115")
    jianghan = department("武汉市江汉区行政审批局", "420103")
    civil = department("武汉市江夏区民政局", "420115")  # another department in the same region
    licence_services.do_seed_standard_types(
        actor=SYSTEM,
        codes=CODES,
        issuers={"营业执照": [jiangxia.pk, jianghan.pk], "食品经营许可证": [jiangxia.pk, jianghan.pk]},
    )
    item_a = make_item(jiangxia, make_basic_item(name="食品经营许可"), promised_limit=5)
    item_b = make_item(jiangxia, make_basic_item(name="酒类商品零售许可"), promised_limit=5)
    item_c = make_item(jianghan, make_basic_item(name="公共场所卫生许可"), promised_limit=5)

    # --- Staff ----------------------------------------------------------------------------------
    staff = {
        "window_clerk": make_staff("m-clerk", "window_clerk", dept=jiangxia),
        "approving_officer": make_staff("m-officer", "approving_officer", dept=jiangxia),
        "department_admin": make_staff("m-head", "department_admin", dept=jiangxia),
        "other_department_officer": make_staff("m-civil", "approving_officer", "window_clerk", dept=civil),
        "other_region_officer": make_staff("m-jianghan", "approving_officer", "window_clerk", dept=jianghan),
        "other_region_admin": make_staff("m-jianghan-head", "department_admin", dept=jianghan),
        "inspector": make_staff("m-inspector", "inspector"),
        "platform_admin": make_staff("m-platform", "platform_admin"),
        "superuser": make_staff("m-root", "platform_admin", superuser=True),
    }

    # --- People ----------------------------------------------------------------------------------
    people = {
        "citizen_l1": person(41, name="市民甲"),
        "citizen_l2": person(42, name="市民乙", level=2),
        "principal": person(43, name="老人丙", level=2),
        "helper": person(44, name="帮办丁", level=2),
        "revoked_helper": person(45, name="帮办戊", level=2),
        "former_rep": person(46, name="原法人己", level=2),
        "legal_rep": person(47, name="法人庚", level=2),
        "agent": person(48, name="经办辛", level=2),
        "expired_agent": person(49, name="经办壬", level=2),
        "revoked_agent": person(50, name="经办癸", level=2),
    }

    # The enterprise: the former representative claims it and grants three agents.
    def register(rep_name: str, rep_n: int) -> None:
        account_services.do_upsert_legal_person_record(
            actor=SYSTEM,
            credit_code=COMPANY,
            name="武汉鑫达恒通商贸有限公司",
            kind="enterprise",
            legal_rep_name=rep_name,
            legal_rep_id_number=rid(rep_n),
        )

    register("原法人己", 46)
    old_rep = account_services.do_claim_legal_person(actor=people["former_rep"], credit_code=COMPANY)
    lp = old_rep.legal_person_id

    def mandate(kind: str, n: int, name: str, items: list[str] | None):
        return account_services.do_grant_mandate(
            actor=people["former_rep"],
            legal_person_id=lp,
            agent_name=name,
            agent_id_number=rid(n),
            all_items=items is None,
            item_codes=items,
            expires_at=in_days(30),
        )

    m_agent = mandate("agent", 48, "经办辛", [item_a.code])
    m_expired = mandate("expired_agent", 49, "经办壬", None)
    m_revoked = mandate("revoked_agent", 50, "经办癸", None)
    case_ent_a = _submit(people["agent"], item_a, acting=("enterprise", m_agent.pk))
    case_expired = _submit(people["expired_agent"], item_b, acting=("enterprise", m_expired.pk))
    case_revoked = _submit(people["revoked_agent"], item_b, acting=("enterprise", m_revoked.pk))
    account_services.do_revoke_mandate(actor=people["former_rep"], mandate_id=m_revoked.pk)
    # Time runs out for the expired agent (no service moves a grant's expiry into the past).
    Mandate.objects.filter(pk=m_expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))

    # The register names a new representative, who claims the enterprise.
    register("法人庚", 47)
    rep = account_services.do_claim_legal_person(actor=people["legal_rep"], credit_code=COMPANY)
    case_ent_b = _submit(people["legal_rep"], item_b, acting=("enterprise", rep.pk))

    # The principal, her helpers and her own cases.
    consent = _consent_for(people["principal"], helper_n=44, name="帮办丁")
    revoked_consent = _consent_for(people["principal"], helper_n=45, name="帮办戊")
    case_helper = _submit(people["helper"], item_a, acting=("principal", consent.pk))
    case_revoked_helper = _submit(people["revoked_helper"], item_a, acting=("principal", revoked_consent.pk))
    account_services.do_revoke_consent(actor=people["principal"], consent_id=revoked_consent.pk)
    case_own = _submit(people["principal"], item_a)  # waits for 预审
    case_accepted = _submit(people["principal"], item_a)
    case_services.do_accept(actor=staff["approving_officer"], number=case_accepted.number)
    case_jianghan = _submit(people["principal"], item_c)
    case_window = case_services.do_window_intake(
        actor=staff["window_clerk"],
        applicant_id=people["principal"].pk,
        item_code=item_a.code,
        data=FORM,
        uploads=[upload(m) for m in item_a.materials.order_by("order", "id")],
    )
    notice = notices.notices_of(case_accepted)[0]
    material = CaseMaterial.objects.filter(case=case_accepted).order_by("pk").first()

    # --- Licences ----------------------------------------------------------------------------------
    licence = licence_services.do_issue_licence(
        actor=staff["approving_officer"],
        type_code=CODES["营业执照"],
        issuer=jiangxia.pk,
        holder_name="武汉鑫达恒通商贸有限公司",
        holder_code=COMPANY,
        face=BUSINESS_FACE,
    )
    licence_services.verify_and_log(staff["approving_officer"], licence.identifier)  # a usage log row
    topic = catalog_services.do_upsert_topic(
        actor=staff["superuser"], slug="kaiban", name="开办企业", audience="enterprise"
    )
    register_demo_client("http://testserver")  # the demo relying party's client

    # --- Sessions and tokens -----------------------------------------------------------------------
    device = account_services.do_start_device_session(
        user=people["citizen_l2"], session_key="s" * 32, method="password", ip="127.0.0.1", user_agent="test"
    )
    w.users = people | staff
    for kind, user in w.users.items():
        c = Client()
        c.force_login(user)
        w.sessions[kind] = c.cookies["sessionid"].value
    w.tokens = {"system_jiangxia": _system_token(jiangxia), "system_jianghan": _system_token(jianghan)}

    # --- Data sharing: an open resource of 江夏's, mounted as a data service ------------------------
    resource = exchange_testing.make_resource(
        jiangxia,
        code="JX-AUTHZ-001",
        name="江夏区市场主体登记信息",
        open_type="open",
        mount_target="legal_person.entity",
    )
    # 江汉's system holds a grant on it, and 江汉's administrator has a request pending.
    jianghan_system = account_queries.system_clients_of_department(jianghan.pk)[0]["client_id"]
    grant = exchange_testing.make_grant(resource, jianghan, jianghan_system, fields=["name"])
    pending = exchange_grants.do_submit_request(
        actor=staff["other_region_admin"],
        data=exchange_grants.RequestInput(
            code=resource.code,
            client_id=jianghan_system,
            fields=["name", "status"],
            purpose="食品经营许可审查核验申请人主体资格",
            purpose_codes=["licensing"],
            legal_basis="《食品经营许可和备案管理办法》",
            serves=[item_c.code],
            valid_until=TODAY + dt.timedelta(days=180),
            expected_daily_calls=200,
        ),
    )

    w.ids = {
        "case_own": case_own.number,
        "case_accepted": case_accepted.number,
        "case_helper": case_helper.number,
        "case_revoked_helper": case_revoked_helper.number,
        "case_ent_a": case_ent_a.number,
        "case_ent_b": case_ent_b.number,
        "case_expired": case_expired.number,
        "case_revoked": case_revoked.number,
        "case_window": case_window.number,
        "case_jianghan": case_jianghan.number,
        "material": material.pk,
        "notice": notice.number,
        "notice_code": notice.verify_code,
        "licence": licence.identifier,
        "licence_code": sharing.verify_code(licence.identifier),
        "topic": topic.slug,
        "item_a": item_a.code,
        "item_a_pk": item_a.pk,
        "item_c": item_c.code,
        "basic_a": item_a.basic_code,
        "jiangxia": jiangxia.pk,
        "jianghan": jianghan.pk,
        "lp": lp,
        "m_agent": m_agent.pk,
        "consent": consent.pk,
        "device": device.pk,
        "principal": people["principal"].pk,
        "officer": staff["approving_officer"].pk,
        "jianghan_officer": staff["other_region_officer"].pk,
        "principal_id_number": rid(43),
        "company": COMPANY,
        "business_type": CODES["营业执照"],
        "today": TODAY.isoformat(),
        "form": FORM,
        "materials_a": [
            {
                "material_id": m.pk,
                "name": m.name + ".pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
            for m in item_a.materials.order_by("order", "id")
        ],
        "approver_case_own": staff["department_admin"].pk,
        "approver_case_jianghan": staff["other_region_admin"].pk,
        "business_face": BUSINESS_FACE,
        "resource": resource.code,
        "share_request": pending.pk,
        "grant": grant.pk,
    }
    w.ids |= openness_public_world(jiangxia, staff["department_admin"])
    w.ids |= _openness_policies(jiangxia, staff, item_a)
    w.ids |= _openness_disclosure(staff, people, jiangxia)
    w.ids |= _supervision_iot(jiangxia)
    w.ids |= _supervision_core(jiangxia, jianghan, staff)
    w.ids |= _supervision_draw(jiangxia, staff)
    w.ids |= _hotline_tickets(staff, people, jiangxia)
    w.ids |= _hotline_kb(staff, jiangxia)
    w.ids |= _ratings(staff, people, jiangxia, item_a)
    w.ids |= _bundles_themes(staff, item_a, item_b)
    w.ids |= _bundles_fanout(people, item_a, item_b)
    # --- The annual evaluation (insight): a published scheme version and the 2026 run -----------
    scheme = evaluation.do_create_scheme(
        actor=SYSTEM,
        header=evaluation.DEFAULT_HEADER | {"effective_year": 2026},
        lines=evaluation.default_lines(),
    )
    evaluation.do_submit_scheme(actor=SYSTEM, version=scheme.version)
    evaluation.do_publish_scheme(actor=SYSTEM, version=scheme.version)
    run = evaluation.do_run_evaluation(2026, scheme.version, actor=SYSTEM)
    w.cache_kept.append(report.cache_key(run))  # its PDF, rendered once for every cell
    w.ids |= {"eval_scheme": scheme.version, "eval_year": 2026, "eval_region": "420100000000"}
    w.ids["admin_ct_user"] = ContentType.objects.get_for_model(type(people["principal"])).pk
    for m in admin.site._registry:  # an object of each model the admin shows (0: none exists)
        pk = m._default_manager.order_by("pk").values_list("pk", flat=True).first()
        w.ids[f"admin_pk_{m._meta.app_label}_{m._meta.model_name}"] = pk or 0
    return w


def pin_today(monkeypatch) -> None:
    """The matrix runs on 2026-09-29 (inside the seeded calendar), for cases and licences."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    monkeypatch.setattr(validity, "today", lambda: TODAY)
    monkeypatch.setattr(disclosure_clock, "today", lambda: TODAY)


def platform_over_http(monkeypatch) -> None:
    """The demo relying party reaches the platform over HTTP; here its calls are answered by the
    platform's own URL handler in this process (the demo tests' transport)."""
    holder = {"transport": PlatformTransport()}

    def session():
        s = requests.Session()
        s.mount("http://testserver", holder["transport"])
        return s

    monkeypatch.setattr(rp_oidc, "http_session", session)


def openness_public_world(dept, officer) -> dict:
    """政务公开 public side: a published policy and a draft of `dept`, and a published penalty
    decision of `dept` entered by `officer` (rows_openness_public.py)."""
    from tongban.core.search import index_text
    from tongban.openness import keyarea
    from tongban.openness.models import Policy

    def policy(number: str, state: str, published_on) -> int:
        title = "武汉市江夏区行政审批局关于推行告知承诺制的通知"
        text = "对食品经营许可等事项推行告知承诺制。"
        return Policy.objects.create(
            number=number,
            title=title,
            issuer=dept,
            written_on=dt.date(2026, 9, 1),
            published_on=published_on,
            text=text,
            state=state,
            search_text=index_text(title, number, text) if published_on else "",
        ).pk

    penalty = keyarea.do_publish_penalty(
        actor=officer,
        department_id=dept.pk,
        today=TODAY,
        data=keyarea.PenaltyInput(
            decision_number="江夏审批罚〔2026〕1号",
            party_kind="natural_person",
            party_name="张三",
            violation="未取得食品经营许可从事食品经营活动",
            basis="《食品安全法》第一百二十二条",
            kinds=("fine",),
            content="罚款五千元",
            fine_yuan="5000",
            decided_on="2026-09-01",
        ),
    )
    return {
        "policy_public": policy("江夏审批发〔2026〕1号", "published", dt.date(2026, 9, 10)),
        "policy_draft": policy("江夏审批发〔2026〕2号", "draft", None),
        "penalty": penalty.pk,
        "jiangxia_code": dept.credit_code,
    }


def _openness_policies(jiangxia, staff, item) -> dict:
    """A policy of 江夏's (政务公开), drafted and submitted by its window clerk, approved by its
    administrator and now in 保密审查 with one open finding (a name), with an interpretation, an
    attachment and a link to item A; and a review flag on item A (catalogue workbench)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tongban.catalog import queries as catalog_queries
    from tongban.openness import services as openness_services

    clerk, head = staff["window_clerk"], staff["department_admin"]
    policy = openness_services.do_create_policy(
        actor=clerk,
        issuer_id=jiangxia.pk,
        values={
            "number": "江夏审批发〔2026〕8号",
            "title": "关于推行食品经营许可告知承诺制的通知",
            "subject": "market",
            "doc_type": "notice",
            "written_on": "2026-09-01",
            "text": "经研究，申请人王建国等提出的建议予以采纳，现就推行告知承诺制通知如下。",
        },
    )
    interp = openness_services.do_add_interpretation(
        actor=clerk, policy_id=policy.pk, kind="text", title="政策解读", text="一、出台背景。"
    )
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(png, format="PNG")
    graphic = openness_services.do_add_interpretation(
        actor=clerk,
        policy_id=policy.pk,
        kind="graphic",
        title="一图读懂",
        image=SimpleUploadedFile("g.png", png.getvalue(), content_type="image/png"),
    )
    att = openness_services.do_add_attachment(
        actor=clerk,
        policy_id=policy.pk,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7 authz", content_type="application/pdf"),
        name="承诺书样式",
    )
    link = openness_services.do_add_link(actor=clerk, policy_id=policy.pk, kind="item", code=item.code)
    openness_services.do_submit_policy(actor=clerk, policy_id=policy.pk)
    openness_services.do_review_policy(actor=head, policy_id=policy.pk, approve=True)
    finding = policy.findings.get()
    catalog_services.do_flag_items_for_review(
        [item.code], reason="政策文件 江夏审批发〔2026〕8号 发布", source="authz-world", actor=SYSTEM
    )
    flag = catalog_queries.review_flags().get(source="authz-world")
    return {
        "policy": policy.pk,
        "interpretation": interp.pk,
        "graphic": graphic.pk,
        "attachment": att.pk,
        "policy_link": link.pk,
        "finding": finding.pk,
        "review_flag": flag.pk,
    }


def _openness_disclosure(staff: dict, people: dict, jiangxia) -> dict:
    """Disclosure on request and 回应关切 (openness): the principal's request to 江夏, accepted by
    its officer, who asked for an extension (pending); another of hers, answered (its notice);
    a published 回应关切 article of 江夏's."""
    values = {"department_id": jiangxia.pk, "form": "electronic", "delivery": "online"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        pending = disclosure.do_submit_request(
            actor=people["principal"],
            data=disclosure.RequestInput(description="江夏区2025年养老服务补贴发放情况", **values),
        )
        answered = disclosure.do_submit_request(
            actor=people["principal"],
            data=disclosure.RequestInput(description="江夏区2025年政府采购目录", **values),
        )
    officer = staff["approving_officer"]
    disclosure.do_accept(actor=officer, pk=pending.pk)
    extension = disclosure.do_ask_extension(
        actor=officer, pk=pending.pk, days=20, reason="需要调取多个科室的档案"
    )
    disclosure.do_answer(
        actor=officer,
        pk=answered.pk,
        data=disclosure.AnswerInput(kind="disclosed", text="所申请信息见附件。", publishable=True),
    )
    article = concerns.do_save_article(
        actor=officer,
        data=concerns.ArticleInput(
            title="关于食品经营许可办理时限的回应",
            summary="群众反映食品经营许可办理慢，现回应如下。",
            body="食品经营许可已实行全程网办，承诺时限压缩至5个工作日。",
            topics="SPJY-XK",
        ),
    )
    concerns.do_publish_article(actor=officer, pk=article.pk)
    return {
        "disc_request": pending.pk,
        "disc_answered": answered.pk,
        "disc_extension": extension.pk,
        "concern": article.pk,
    }


def _supervision_iot(jiangxia) -> dict:
    """A monitored site of an entity supervised by 江夏's department, with a noise sensor
    (物联网监管)."""
    import random

    from tongban.core.identifiers import make_credit_code
    from tongban.supervision import iot, registry

    iot.do_load_reference(actor=SYSTEM)
    entity = registry.do_register_entity(
        actor=SYSTEM,
        credit_code=make_credit_code(random.Random("authz:iot"), region="420115", kind="92"),
        name="江夏区好味道餐馆",
        kind="individual",
        region_code="420115",
        industry="H62",
    )
    site = iot.do_register_site(
        actor=SYSTEM,
        code="jx-kitchen-1",
        name="好味道餐馆后厨",
        kind="kitchen",
        entity_id=entity.pk,
        department_id=jiangxia.pk,
    )
    iot.do_register_device(actor=SYSTEM, site_id=site.pk, code="jx-noise-001", sensor_type="noise")
    return {"iot_site": site.pk}


def _supervision_core(jiangxia, jianghan, staff) -> dict:
    """互联网+监管 core: an entity, a rule of 江夏's (active) with its alert on the entity, and a
    joint task led by 江夏 with 江汉 as partner."""
    import random

    from tongban.core.identifiers import make_credit_code
    from tongban.supervision import registry, risk
    from tongban.supervision import tasks as supervision_tasks

    entity = registry.do_register_entity(
        actor=SYSTEM,
        credit_code=make_credit_code(random.Random("authz:supervision"), region="420100", kind="91"),
        name="武汉江夏某某餐饮有限公司",
        kind="enterprise",
        region_code="420115",
        industry="H62",
    )
    rule = risk.do_save_rule(
        actor=staff["department_admin"], name="企业主体", expression='entity.kind == "enterprise"'
    )
    risk.do_backtest_rule(actor=SYSTEM, rule_id=rule.pk, months=0)
    risk.do_activate_rule(actor=SYSTEM, rule_id=rule.pk)
    risk.do_run_rules(actor=SYSTEM)
    task = supervision_tasks.do_open_task(
        actor=staff["department_admin"],
        department_id=jiangxia.pk,
        title="联合检查",
        reason="投诉集中",
        entity_id=entity.pk,
        partner_department_ids=[jianghan.pk],
    )
    alert = rule.alerts.get()
    return {"sup_entity": entity.pk, "sup_rule": rule.pk, "sup_alert": alert.pk, "sup_task": task.pk}


def _supervision_draw(jiangxia, staff: dict) -> dict:
    """双随机一公开 (supervision): a matter of 江夏's with its window clerk and approving officer as
    its only two inspectors (so both are drawn for every target), six entities, and a plan
    drafted by the clerk, approved by the administrator, committed and revealed by the officer
    and the administrator: drawn. `sup_target` is its first target."""
    import random

    from tongban.core.identifiers import make_credit_code
    from tongban.supervision import draws, queries_draw
    from tongban.supervision import services_draw as sup

    head, clerk, officer = staff["department_admin"], staff["window_clerk"], staff["approving_officer"]
    rng = random.Random("authz:supervision")
    sup.do_seed_entities(
        actor=SYSTEM,
        rows=[
            {
                "credit_code": make_credit_code(rng, region="420115", kind="92"),
                "name": f"江夏测试餐馆{i}",
                "kind": "individual",
                "region_code": "420115",
                "industry": "H62",
                "credit_class": "ABCD"[i % 4],
            }
            for i in range(6)
        ],
    )
    matter = sup.do_create_matter(
        actor=head,
        values={
            "code": "JX-SC-001",
            "name": "餐饮服务食品安全检查",
            "legal_basis": "《中华人民共和国食品安全法》",
            "department": jiangxia.pk,
            "object_type": "all",
            "method": "on_site",
        },
    )
    for n, user in enumerate((clerk, officer)):
        sup.do_register_inspector(
            actor=head, user_id=user.pk, region_code="420115", badge_no=f"JX-{n:04d}", matter_ids=[matter.pk]
        )
    plan = sup.do_create_plan(
        actor=clerk,
        values={
            "title": "江夏区餐饮服务双随机抽查",
            "matter": matter.pk,
            "region_prefix": "420115",
            "period_start": "2026-09-01",
            "period_end": "2026-12-31",
            "ratios_bp": {"A": 10000, "B": 10000, "C": 10000, "D": 10000},
        },
    )
    sup.do_submit_plan(actor=clerk, plan_id=plan.pk)
    sup.do_decide_plan(actor=head, plan_id=plan.pk, approve=True)
    secrets = {officer: "0a" * 32, head: "0b" * 32}
    for user, secret in secrets.items():
        sup.do_commit(actor=user, plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(secret)))
    for user, secret in secrets.items():
        draw = sup.do_reveal(actor=user, plan_id=plan.pk, secret=secret)
    target = queries_draw.tasks_of(clerk).first()
    return {"sup_plan": plan.pk, "sup_draw": draw.pk, "sup_target": target.pk}


def _hotline_tickets(staff: dict, people: dict, jiangxia) -> dict:
    """12345 (hotline tickets): a 留言 of citizen_l2's, dispatched by the platform to 江夏 (not
    signed for yet)."""
    from tongban.hotline import services as hotline_services

    with TestCase.captureOnCommitCallbacks(execute=True):
        ticket = hotline_services.do_intake(
            actor=people["citizen_l2"],
            channel="web",
            kind="complaint",
            text="江夏区纸坊大街夜间施工噪音扰民",
            region_code="420115",
        )
        hotline_services.do_dispatch(actor=staff["platform_admin"], number=ticket.number, unit_id=jiangxia.pk)
    return {"ticket": ticket.number}


def _hotline_kb(staff: dict, jiangxia) -> dict:
    """12345 knowledge base: a live article of 江夏's (written by its clerk, approved by its head)."""
    from tongban.hotline import kb

    article = kb.do_create_article(
        actor=staff["window_clerk"],
        owner_id=jiangxia.pk,
        values={"question": "公积金提取要带什么材料？", "answer": "身份证和租赁合同或购房合同。"},
    )
    kb.do_submit_article(actor=staff["window_clerk"], pk=article.pk)
    kb.do_approve_article(actor=staff["department_admin"], pk=article.pk)
    return {"kb_article": article.pk}


def _ratings(staff, people, jiangxia, item) -> dict:
    """好差评: a case of the principal's concluded by 江夏 (a second approving officer signs the
    审核 step) and rated 非常不满意 (its rectification waits for 核实), a service window of 江夏's
    hall, and an unused SMS link of the case."""
    from django.db import transaction

    from tongban.ratings import links
    from tongban.ratings import services as rating_services

    officer2 = make_staff("authz-officer2", "approving_officer", dept=jiangxia)
    case = _submit(people["principal"], item)
    case_services.do_accept(actor=staff["approving_officer"], number=case.number)
    for index, actor in enumerate([staff["approving_officer"], officer2, staff["department_admin"]]):
        case_services.do_complete_step(
            actor=actor, number=case.number, step_index=index, outcome="pass", comment="同意"
        )
    case_services.do_conclude(actor=staff["approving_officer"], number=case.number)
    rating = rating_services.do_rate(
        actor=people["principal"],
        kind="case",
        ref=case.number,
        level=5,
        reasons=["slow"],
        text="办了很久才办好",
    )
    window = rating_services.do_create_window(
        actor=staff["superuser"], code="JX-01", name="江夏综合窗口1", department_id=jiangxia.pk
    )
    with transaction.atomic():
        token = links.issue(actor=SYSTEM, kind="case", ref=case.number, node="conclude", channel="sms")
    return {
        "rated_case": case.number,
        "rating_rect": rating.rectification.pk,
        "rating_window": window.code,
        "rating_link": token,
    }


def _bundles_themes(staff: dict, item_a, item_b) -> dict:
    """Themes of 江夏 (一件事主题) over items A and B: one published (`theme`), one draft
    (`theme_draft_code`, version `theme_draft`) and one in review (`theme_review`), all created
    and submitted by 江夏's department administrator; the platform administrator approved the
    published one (four eyes)."""
    from tongban.bundles import services as bundle_services

    head, platform = staff["department_admin"], staff["platform_admin"]
    spec = {
        "promised_days": 1,
        "members": [{"key": "a", "item_code": item_a.code}, {"key": "b", "item_code": item_b.code}],
    }

    def theme(code: str):
        return bundle_services.do_create_theme(
            actor=head, code=code, region_code="420115", name="江夏一件事", audience="person", spec=spec
        )

    published = theme("authz-theme")
    bundle_services.do_submit(actor=head, version=published)
    bundle_services.do_approve(actor=platform, version=published)
    draft = theme("authz-draft")
    review = theme("authz-review")
    bundle_services.do_submit(actor=head, version=review)
    return {
        "theme": "authz-theme",
        "theme_published": published.pk,
        "theme_draft": draft.pk,
        "theme_draft_code": "authz-draft",
        "theme_review": review.pk,
        "theme_review_code": "authz-review",
    }


def _bundles_fanout(people: dict, item_a, item_b) -> dict:
    """A bundle application (联办件) of 市民乙 (citizen_l2) under the published theme of 江夏
    (`_bundles_themes`, members a and b): `bundle`; its member cases are dispatched on commit."""
    from tongban.bundles import submission

    own = {key: {"contact_phone": "13900000042", "request": "一件事联办"} for key in ("a", "b")}
    uploads = {}
    for key, item in (("a", item_a), ("b", item_b)):
        for m in item.materials.order_by("order", "id"):
            uploads[f"{key}.m_{m.pk}"] = upload(m)
    with TestCase.captureOnCommitCallbacks(execute=True):
        bundle = submission.do_submit_bundle(
            actor=people["citizen_l2"],
            theme_code="authz-theme",
            answers={},
            shared={},
            own=own,
            uploads=uploads,
        )
    return {"bundle": bundle.number}
