"""Seeding the demo's 双随机一公开 (random inspection) through `supervision`'s services.

武汉市市场监督管理局 lists one matter (餐饮服务食品安全检查, with its rule), enters six of its
staff in the inspector registry (one declares a conflict with a restaurant), and runs one plan
over Wuhan's restaurants (H62) through the whole workflow: drafted, approved by another person,
two officials commit, the inputs are snapshotted, both reveal, the draw is made. The draw is then
re-verified from its stored inputs, and the first drawn inspectors record results, which are
published at /supervision/public/.

The restaurants themselves come from the entity registry; when it holds fewer than 40 in Wuhan
(the registry's own seeding belongs to another part), synthetic ones are added.

Idempotent: every account, matter, inspector and the plan is looked up first; a second run writes
nothing and returns False.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.core import queries as core_queries
from tongban.core.identifiers import make_credit_code
from tongban.supervision import draws, queries_draw, verify_draw
from tongban.supervision import services_draw as services

from .data import accounts

DEPARTMENT = "武汉市市场监督管理局"
MATTER = "WH-SC-H62-01"
PLAN = "2026年武汉市餐饮服务食品安全双随机抽查"
STAFF = (
    ("sup-deptadmin", "监管部门管理员（演示）", "department_admin"),
    ("sup-drafter", "抽查计划起草人（演示）", "window_clerk"),
    ("sup-reviewer", "抽查计划审批人（演示）", "approving_officer"),
    ("sup-official", "抽取见证人（演示）", "approving_officer"),
)
INSPECTORS = tuple((f"sup-inspector-{n}", f"执法检查员{n}（演示）") for n in range(1, 7))
SECRETS = {"sup-reviewer": "5a" * 32, "sup-official": "a5" * 32}  # published: it is a demo
RESULTS = ("pass", "rectify", "no_issue", "pass", "unreachable", "fail")
NAMES = ("楚味", "江城", "汉口", "黄鹤", "东湖", "知音", "长江", "晴川", "归元", "古琴")


def _staff(username: str, dept_id: int):
    return account_queries.staff_of_department(dept_id).filter(username=username).first()


def _ensure_staff(dept_id: int, actor) -> bool:
    wrote = False
    for username, name, role in (*STAFF, *((u, n, "inspector") for u, n in INSPECTORS)):
        if _staff(username, dept_id) is None:
            account_services.do_upsert_staff(
                actor=actor,
                username=username,
                password=accounts.DEMO_PASSWORD,
                display_name=name,
                roles=[role],
                department_id=dept_id,
                totp_secret=accounts.body_totp_secret(username),
            )
            wrote = True
    return wrote


def _ensure_entities(actor) -> bool:
    if len(queries_draw.entity_ids_in("4201", "H62", limit=40)) >= 40:
        return False
    rng = random.Random("demo:supervision:entities")
    counties = ("420102", "420103", "420106", "420111", "420115")
    rows = [
        {
            "credit_code": make_credit_code(rng, region=counties[n % 5], kind="92"),
            "name": f"武汉市{NAMES[n % 10]}餐馆{n + 1}号店",
            "kind": "individual",
            "region_code": counties[n % 5],
            "industry": "H62",
            "credit_class": "ABBBCCDA"[n % 8],
        }
        for n in range(48)
    ]
    return services.do_seed_entities(actor=actor, rows=rows) > 0


def seed_draws(*, actor, say=print) -> bool:
    dept_id = core_queries.departments().get(name=DEPARTMENT).pk
    wrote = _ensure_staff(dept_id, actor)
    wrote = _ensure_entities(actor) or wrote
    admin = _staff("sup-deptadmin", dept_id)
    matter = queries_draw.matter_by_code(MATTER)
    if matter is None:
        matter = services.do_create_matter(
            actor=admin,
            values={
                "code": MATTER,
                "name": "餐饮服务经营者食品安全主体责任落实情况检查",
                "legal_basis": "《中华人民共和国食品安全法》第一百一十条；《网络餐饮服务食品安全监督管理办法》",
                "department": dept_id,
                "object_type": "all",
                "method": "on_site",
                "share_bp": 500,
                "rule": {
                    "record_items": [
                        "许可证照公示",
                        "从业人员健康证明",
                        "后厨卫生与防鼠设施",
                        "进货查验记录",
                    ],
                    "recusal_days": 365,
                    "inspectors_per_target": 2,
                },
            },
        )
        wrote = True
    for n, (username, _name) in enumerate(INSPECTORS, 1):
        user = _staff(username, dept_id)
        if queries_draw.inspector_of(user) is None:
            inspector = services.do_register_inspector(
                actor=admin,
                user_id=user.pk,
                region_code="420100",
                badge_no=f"WHSJ-42010{n:03d}",
                matter_ids=[matter.pk],
            )
            if n == 1:
                _first_id, code = queries_draw.entity_ids_in("4201", "H62", limit=1)[0]
                services.do_declare_conflict(
                    actor=user,
                    inspector_id=inspector.pk,
                    credit_code=code,
                    relation="relative",
                    note="配偶经营",
                )
            wrote = True
    plan = queries_draw.plan_titled(PLAN, dept_id)
    if plan is None:
        today = timezone.localdate()
        drafter = _staff("sup-drafter", dept_id)
        plan = services.do_create_plan(
            actor=drafter,
            values={
                "title": PLAN,
                "matter": matter.pk,
                "region_prefix": "4201",
                "industries": ["H62"],
                "period_start": (today - dt.timedelta(days=20)).isoformat(),
                "period_end": (today + dt.timedelta(days=70)).isoformat(),
                "ratios_bp": {"A": 1000, "B": 2000, "C": 3000, "D": 5000},
            },
        )
        services.do_submit_plan(actor=drafter, plan_id=plan.pk)
        services.do_decide_plan(actor=admin, plan_id=plan.pk, approve=True, note="同意")
        officials = [_staff(u, dept_id) for u in SECRETS]
        for user in officials:
            secret = bytes.fromhex(SECRETS[user.username])
            services.do_commit(actor=user, plan_id=plan.pk, commitment=draws.commitment(secret))
        for user in officials:
            draw = services.do_reveal(actor=user, plan_id=plan.pk, secret=SECRETS[user.username])
        problems = verify_draw.differences(draw)
        if problems:
            raise RuntimeError(f"the demo draw does not re-verify: {problems[0]}")
        say(f"  双随机 draw {draw.pk}: {draw.target_count} of {draw.entity_count} restaurants, re-verified")
        targets = queries_draw.draw_targets(draw)
        for n, target in enumerate(targets[: len(RESULTS)]):
            user_id = queries_draw.assigned_inspector_users(target.pk)[0]
            user = account_queries.get_staff(user_id)
            items = {item: "符合要求" for item in plan.rule.record_items}
            services.do_record_result(
                actor=user,
                target_id=target.pk,
                result=RESULTS[n],
                inspected_on=timezone.localdate() - dt.timedelta(days=len(RESULTS) - n),
                record=items,
                summary="" if RESULTS[n] in ("pass", "no_issue") else "详见检查记录",
            )
        wrote = True
    return wrote
