"""Test and benchmark factories of the themes part: build state through the services.

items = make_member_items(dept)                    # three published catalogue items, a → b
theme = make_published_theme(simple_spec(items), code="t1", region_code="420100000000")

`make_published_theme` creates the theme as one platform administrator, submits it and has a
second one approve it (four eyes), and returns the `queries.PublishedTheme`.
"""

from __future__ import annotations

import itertools

from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.catalog import testing as catalog_testing

from . import queries, services

SYSTEM = "system:test"
# The licence type make_member_items' first item issues (the market regulator's 营业执照 type).
LICENCE_TYPE = "11100000000013338W001"
_seq = itertools.count(1)


def make_admin(username: str, *, roles=(StaffRole.PLATFORM_ADMIN,), department=None):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",  # noqa: S106 - test accounts only
        display_name=username,
        roles=[str(r) for r in roles],
        department_id=department.pk if department else None,
    )


def make_member_items(dept=None, *, count: int = 3, publish: bool = True, region: str = "420100"):
    """`count` published implementation items of one department: the first issues the
    营业执照 licence type (LICENCE_TYPE) and needs 2 visits, the others need it as a material."""
    dept = dept or catalog_testing.make_department(region=region)
    items = []
    for n in range(count):
        basic = catalog_testing.make_basic_item(name=f"联办测试事项{next(_seq)}")
        extra = (
            {
                "result_license_type_code": LICENCE_TYPE,
                "visits": 1,
                "visit_reason": "领取营业执照时核验原件",
                "fully_online": False,
            }
            if n == 0
            else {}
        )
        items.append(catalog_testing.make_item(dept, basic, publish=publish, promised_limit=n + 1, **extra))
    return items


def simple_spec(items, *, promised_days: int = 1) -> dict:
    """A spec over these items: the first issues the licence every other one requires."""
    members = [{"key": "m0", "item_code": items[0].code}]
    for n, item in enumerate(items[1:], start=1):
        members.append(
            {
                "key": f"m{n}",
                "item_code": item.code,
                "requires": [{"member": "m0", "result": LICENCE_TYPE}],
                "fields": {"applicant_name": "company_name"},
                "materials": {"申请书": "application"},
            }
        )
    return {
        "promised_days": promised_days,
        "shared_fields": [{"key": "company_name", "label": "企业名称", "type": "text", "required": True}],
        "shared_materials": [{"key": "application", "name": "申请书", "licence_type": ""}],
        "members": members,
    }


def make_published_theme(
    spec_doc: dict,
    *,
    code: str | None = None,
    region_code: str = "420100000000",
    name: str = "测试一件事",
    audience: str = "enterprise",
    scenario: str = "测试用的一件事主题",
):
    """A theme published through the services with four eyes: one platform administrator
    creates and submits it, a second approves it. Returns its `queries.PublishedTheme`."""
    code = code or f"theme-{next(_seq)}"
    editor = make_admin("bundles-test-editor")
    reviewer = make_admin("bundles-test-reviewer")
    version = services.do_create_theme(
        actor=editor,
        code=code,
        region_code=region_code,
        name=name,
        audience=audience,
        spec=spec_doc,
        scenario=scenario,
    )
    services.do_submit(actor=editor, version=version)
    services.do_approve(actor=reviewer, version=version)
    return queries.published_theme(code)
