"""The demo's 12345 story (issue 14's Done-when), seeded through the hotline services only.

A caller phones 12345 about a restaurant in 江夏区 selling expired food: the operator `hotline`
keys the complaint in and the province dispatches it to 武汉市市场监督管理局 (city), whose
officer `hl-city` returns it (属地管理: the county's business); the province dispatches it to
江夏区's 市场监督管理局 (county), whose officer `hl-county` signs for it and replies; the
platform closes it, calls back, hears that the problem is not solved and reopens it; the county
handles it again, replies, the platform closes it and the callback finds it solved. A second
call (a consultation) is answered directly from the knowledge base, and one missed call is
recorded, so 接通率 and 直接答复率 show on the metrics page.

The final rating (评价) is `rate_story_ticket`, a later demo step (after 好差评's own): the caller
rates through 好差评's SMS link.

Idempotent: nothing is written when the story's ticket exists (its source reference).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model

from tongban.core import queries as core_queries
from tongban.core.crypto import blind_index
from tongban.hotline import queries as hotline_queries
from tongban.hotline import services as hotline

from . import identity
from .data.accounts import DemoAccount, body_totp_secret

STORY_REF = "DEMO-12345-STORY-1"
CITY_UNIT = "武汉市市场监督管理局"
COUNTY_REGION = "420115"
WANG = "17000000002"  # the demo citizen 王芳

OPERATOR = DemoAccount(
    "hotline",
    "12345坐席（演示）",
    ("hotline_operator",),
    "12345热线坐席、派单员",
    body_totp_secret("hotline"),
)


def _unit_accounts(city_name: str, county_name: str) -> tuple[DemoAccount, DemoAccount]:
    return (
        DemoAccount(
            "hl-city",
            "市场监管局工单员（演示）",
            ("approving_officer",),
            "12345承办：市级",
            body_totp_secret("hl-city"),
            city_name,
        ),
        DemoAccount(
            "hl-county",
            "江夏区市场监管工单员（演示）",
            ("approving_officer",),
            "12345承办：区级",
            body_totp_secret("hl-county"),
            county_name,
        ),
    )


def _departments():
    city = core_queries.departments().filter(name=CITY_UNIT).first()
    county = core_queries.departments(region=COUNTY_REGION).filter(name__endswith="市场监督管理局").first()
    return city, county


def seed_hotline_story(*, actor: str, say: Callable[[str], None]) -> bool:
    """Returns whether anything was written."""
    if hotline_queries.ticket_by_source(STORY_REF) is not None:
        return False
    city, county = _departments()
    if city is None or county is None:
        say("hotline: the demo departments are missing, story skipped")
        return False
    operator = identity.upsert_staff(actor=actor, account=OPERATOR, department_id=None)
    city_acc, county_acc = _unit_accounts(city.name, county.name)
    city_staff = identity.upsert_staff(actor=actor, account=city_acc, department_id=city.pk)
    county_staff = identity.upsert_staff(actor=actor, account=county_acc, department_id=county.pk)

    ticket = hotline.do_intake(
        actor=operator,
        channel="phone",
        kind="complaint",
        category="market",
        text="江夏区纸坊大街一家餐馆出售过期食品，顾客食用后腹泻，要求查处",
        address="武汉市江夏区纸坊大街188号",
        region_code=COUNTY_REGION,
        contact_name="刘先生",
        contact_phone="17000000009",
        source_ref=STORY_REF,
    )
    hotline.do_record_call(actor=operator, answered=True, seconds=240, number=ticket.number)
    n = ticket.number
    hotline.do_dispatch(actor=operator, number=n, unit_id=city.pk, note="食品安全投诉，请市市场监管局办理")
    hotline.do_accept(actor=city_staff, number=n)
    hotline.do_return(actor=city_staff, number=n, reason="餐饮门店日常监管属区级市场监管部门（属地管理）")
    hotline.do_dispatch(actor=operator, number=n, unit_id=county.pk, note="属地管理，请江夏区办理")
    hotline.do_accept(actor=county_staff, number=n)
    hotline.do_add_progress(actor=county_staff, number=n, note="执法人员已到店检查，查扣过期食品12件")
    hotline.do_reply(actor=county_staff, number=n, reply="经查该店存在销售过期食品行为，已立案调查并责令整改")
    hotline.do_close(actor=operator, number=n)
    hotline.do_callback(actor=operator, number=n, solved=False, note="来电人反映该店仍在销售临期未标识食品")
    hotline.do_accept(actor=county_staff, number=n)
    hotline.do_reply(actor=county_staff, number=n, reply="复查发现问题已整改，对该店处以罚款并纳入重点监管")
    hotline.do_close(actor=operator, number=n)
    hotline.do_callback(actor=operator, number=n, solved=True, note="来电人表示问题已解决")

    consult = hotline.do_intake(
        actor=operator,
        channel="phone",
        kind="consult",
        category="service",
        text="请问在江夏区办理食品经营许可需要多长时间？",
        region_code=COUNTY_REGION,
        contact_phone="17000000008",
    )
    hotline.do_record_call(actor=operator, answered=True, seconds=90, number=consult.number)
    hotline.do_answer_directly(
        actor=operator, number=consult.number, answer="江夏区食品经营许可全程网办，承诺5个工作日办结"
    )
    hotline.do_record_call(actor=operator, answered=False)
    # 王芳 leaves a 留言 on the portal (signed in): her 我的诉求 shows it, waiting for dispatch.
    wang = get_user_model().objects.filter(mobile_index=blind_index(WANG, purpose="mobile")).first()
    if wang is not None:
        hotline.do_intake(
            actor=wang,
            channel="web",
            kind="suggestion",
            category="traffic",
            text="建议在江夏区政务服务中心门口增设公交站点，方便群众办事",
            region_code=COUNTY_REGION,
            contact_phone=WANG,
        )
    say(f"hotline: ticket {n} dispatched province → city (returned) → county, reopened once, called back")
    return True


def rate_story_ticket(*, actor: str, say: Callable[[str], None]) -> bool:
    """The story's last step (评价): the phone caller has no account, so 好差评 sends an SMS link
    for the concluded ticket and the caller rates through it (满意). Returns whether it wrote."""
    from django.db import transaction

    from tongban.ratings import links
    from tongban.ratings import queries as rating_queries
    from tongban.ratings.enums import Level

    ticket = hotline_queries.ticket_by_source(STORY_REF)
    if ticket is None or rating_queries.rating_of("ticket", ticket.number) is not None:
        return False
    with transaction.atomic():
        token = links.issue(actor=actor, kind="ticket", ref=ticket.number, node="conclude", channel="sms")
    links.do_rate_with_link(token=token, level=Level.SATISFIED)
    say(f"hotline: ticket {ticket.number} rated 满意 by its caller through the SMS link")
    return True
