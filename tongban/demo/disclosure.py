"""The demo's disclosure on request (依申请公开) and 回应关切, seeded through the openness
services only (issue 16's Done-when: a request runs through extension and answer).

At 武汉市江夏区行政审批局 (its demo staff: `officer` handles, `deptadmin` approves extensions):

1. 王芳 asks for the 2025 food-licence statistics: `officer` accepts it, asks to extend by 20
   working days, `deptadmin` approves (four eyes), `officer` answers 部分公开 (the operators'
   contact details withheld as 个人隐私), publishable in the register; its notice (告知书)
   carries the body's seal;
2. 陈建国, acting for 武汉鑫达恒通商贸有限公司, asks for a penalty decision: `officer` asks him to
   clarify (补正: the clock is paused);
3. 王芳 asks for the 2025 procurement list: accepted, an extension asked and left pending for a
   visitor to approve as `deptadmin`;
4. 李晓明 asks for the office's 2026 budget: received, waiting;
5. 王芳 asks for the 2025 elderly-care subsidy list: answered 非本机关掌握, naming 武汉市江夏区民政局.

Three published 回应关切 articles (hotline topic codes) and a draft. Every request is dated the
day of seeding (the services take today's date). Idempotent: nothing is written when the body
has a request already.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.core import queries as core_queries
from tongban.core.crypto import blind_index
from tongban.openness import concerns, disclosure

BODY = "武汉市江夏区行政审批局"
HOLDER = "武汉市江夏区民政局"
ARTICLES = (
    (
        "关于食品经营许可办理时限的回应",
        "近期有群众通过12345热线反映食品经营许可办理时间长，现回应如下。",
        "自2026年起，江夏区食品经营许可实行全程网办，承诺办理时限由法定20个工作日压缩至5个工作日；"
        "材料齐全的，当场受理。申请人可在湖北政务服务网查询办理进度。",
        ["SPJY-XK", "食品经营许可"],
        True,
    ),
    (
        "关于企业开办“一网通办”的回应",
        "群众关心企业开办需要跑几次、几天办结，现统一回应。",
        "企业开办实行“一网通办、一窗通取”，营业执照、公章刻制、发票申领和社保登记一次提交、"
        "1个工作日内办结，全程零跑动。",
        ["QYKB", "企业开办"],
        True,
    ),
    (
        "关于政府信息公开申请答复期限的说明",
        "有群众询问政府信息公开申请多久能得到答复，现说明如下。",
        "行政机关自收到申请之日起20个工作日内答复；需要延长的，经本机关负责人同意可延长一次，"
        "最长不超过20个工作日。要求申请人补正的，补正期间不计算在答复期限内。"
        "申请人可在“我的政府信息公开申请”中查看期限的计算过程。",
        ["ZFXXGK", "依申请公开"],
        True,
    ),
    (
        "关于窗口延时服务的回应（草稿）",
        "群众希望午间和周末也能办事。",
        "江夏区政务服务中心拟在工作日午间和周六上午提供延时服务，具体安排另行公布。",
        ["YSFW"],
        False,
    ),
)


def _person(mobile: str):
    return get_user_model().objects.filter(mobile_index=blind_index(mobile, purpose="mobile")).first()


def _staff(username: str, department_id: int):
    user = account_queries.staff_of_department(department_id).filter(username=username).first()
    if user is None:
        raise LookupError(f"demo staff {username} missing")
    return user


def _dept_id(name: str) -> int | None:
    return core_queries.departments().filter(name=name).order_by("pk").values_list("pk", flat=True).first()


def seed_disclosure(*, actor: str, say: Callable[[str], None]) -> bool:
    """Returns whether anything was written."""
    body = _dept_id(BODY)
    wang, chen, li = _person("17000000002"), _person("17000000004"), _person("17000000001")
    if body is None or None in (wang, chen, li) or disclosure.body_has_requests(body):
        return False
    officer, head = _staff("officer", body), _staff("deptadmin", body)

    def ask(user, description: str, purpose: str = ""):
        data = disclosure.RequestInput(
            department_id=body, description=description, purpose=purpose, form="electronic", delivery="online"
        )
        return disclosure.do_submit_request(actor=user, data=data)

    # 1. through extension and answer
    first = ask(wang, "2025年江夏区食品经营许可办理情况统计表（按街道、按月）", "了解本区餐饮行业准入情况")
    disclosure.do_accept(actor=officer, pk=first.pk)
    ext = disclosure.do_ask_extension(
        actor=officer, pk=first.pk, days=20, reason="统计表需从三个科室的办件档案中汇总，并征求第三方意见"
    )
    disclosure.do_decide_extension(
        actor=head, pk=first.pk, extension_id=ext.pk, approve=True, note="同意延期"
    )
    disclosure.do_answer(
        actor=officer,
        pk=first.pk,
        data=disclosure.AnswerInput(
            kind="partial",
            text="所申请的统计表予以公开，以电子文本提供，可在本页下载告知书后按告知书所附方式获取。",
            withheld="统计表所附经营者名单中的经营者姓名、联系电话",
            ground="privacy",
            publishable=True,
        ),
    )
    # 2. paused for 补正, asked for the enterprise
    mandate = account_queries.my_mandates(chen).filter(role="legal_rep").first()
    if mandate is not None:
        account_services.do_switch_acting(actor=chen, kind="enterprise", target_id=mandate.pk)
        second = ask(chen, "本公司的行政处罚决定书", "申请行政复议")
        account_services.do_switch_acting(actor=chen, kind="self")
        disclosure.do_ask_clarification(
            actor=officer, pk=second.pk, question="请补充行政处罚决定书的文号或作出日期，以便检索"
        )
    # 3. an extension pending (for a visitor to approve as deptadmin)
    third = ask(wang, "2025年江夏区行政审批局政府采购目录及采购结果")
    disclosure.do_accept(actor=officer, pk=third.pk)
    disclosure.do_ask_extension(actor=officer, pk=third.pk, days=15, reason="采购结果需向财政部门核实")
    # 4. received, waiting
    ask(li, "江夏区行政审批局2026年部门预算")
    # 5. held by another body
    fifth = ask(wang, "2025年江夏区高龄津贴发放名单")
    disclosure.do_answer(
        actor=officer,
        pk=fifth.pk,
        data=disclosure.AnswerInput(
            kind="not_held",
            text="所申请的信息不属于本机关负责公开。",
            holder_body=HOLDER,
            publishable=True,
        ),
    )
    for title, summary, text, topics, publish in ARTICLES:
        article = concerns.do_save_article(
            actor=officer,
            data=concerns.ArticleInput(title=title, summary=summary, body=text, topics=topics),
        )
        if publish:
            concerns.do_publish_article(actor=head, pk=article.pk)
    say(
        f"disclosure: 5 requests to {BODY} (one through extension and answer), {len(ARTICLES)} 回应关切 articles"
    )
    return True
