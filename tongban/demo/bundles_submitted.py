"""The demo's submitted 企业开办 bundle (一事联办), through `bundles.submission` only.

王芳 (the demo's L2 citizen, 17000000002) applies once for 企业开办 at 江夏 to open 武汉芳华餐饮管理
有限公司: the bundle is in progress, its first member (设立登记, the 营业执照) is a case in the
市场监督管理 department's queue, the five members that need the 营业执照 wait for it. She sees it
at /bundles/applications/ (我的办件 links it) and the officers see the member case on their
workbench.

The combined form is filled from the theme itself (its shared fields and each member's own
fields, a sample value by field type; the required uploads a small PDF each), so the seed
follows the demo theme when it changes.

Idempotent: the submission carries the idempotency key `demo-company-opening`, so a second run
finds the first bundle and writes nothing (False).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model

from tongban.bundles import queries as bundle_queries
from tongban.bundles import queries_fanout, submission
from tongban.cases.enums import Channel
from tongban.core.crypto import blind_index

from .data import accounts

THEME = "company-opening"
KEY = "demo-company-opening"
REGION = "420115000000"  # 武汉市江夏区
PDF = b"%PDF-1.4\n% tongban demo material\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COMPANY = {
    "company_name": "武汉芳华餐饮管理有限公司",
    "domicile": "武汉市江夏区文化大道特1号",
}
# A sample value of each form field type (the member-only fields of the combined form).
SAMPLES = {
    "text": "餐饮管理",
    "textarea": "一事联办：企业开办",
    "date": "2026-12-01",
    "number": "1",
    "email": "demo@example.cn",
    "id_number": "",
}


def demo_citizen(key: str):
    """(the demo person, their account or None) of `accounts.PEOPLE` by key."""
    person = next(p for p in accounts.PEOPLE if p.key == key)
    user = get_user_model().objects.filter(mobile_index=blind_index(person.mobile, purpose="mobile")).first()
    return person, user


def _value(field: dict, person) -> object:
    kind = field.get("type", "text")
    if kind == "mobile":
        return person.mobile
    if kind == "checkbox":
        return True
    if kind == "select":
        choice = (field.get("choices") or [""])[0]
        return choice.get("value", "") if isinstance(choice, dict) else choice
    return SAMPLES.get(kind, SAMPLES["text"])


def combined_form(plan, person, company: dict) -> tuple[dict, dict, dict]:
    """The combined form of `plan` (`submission.plan_application`) as a person fills it on the
    phone: (shared fields, each member's own required fields, the required uploads). The
    company's values by shared key (`company`), the person's mobile for a mobile field, the
    person as the legal representative, a sample by field type for the rest; a small PDF for
    each required upload (shared once, or a member's own)."""
    shared = {}
    for f in plan.shared_fields:
        if f.key in company:
            shared[f.key] = company[f.key]
        elif f.type == "mobile":
            shared[f.key] = person.mobile
        else:
            shared[f.key] = person.display_name if "legal" in f.key else SAMPLES.get(f.type, SAMPLES["text"])
    own = {
        m.key: {f["name"]: _value(f, person) for f in m.own_fields if f.get("required")} for m in plan.members
    }
    names = {s.key: s.name for s in plan.shared_materials if s.how == submission.SHARED and s.required}
    for m in plan.members:
        names.update(
            {
                line.key: line.material.name
                for line in m.materials
                if line.how == submission.UPLOAD and line.required
            }
        )
    uploads = {
        key: submission.Upload(None, f"{name.strip('《》')}.pdf", PDF, "application/pdf")
        for key, name in names.items()
    }
    return shared, own, uploads


def submit_on_phone(user, person, company: dict, key: str):
    """`person` (their account `user`) submits 企业开办 at 江夏 once on a phone (the story's
    applicants) for `company`, the combined form filled from the theme: the bundle and its plan."""
    theme = submission.theme_or_404(THEME, REGION)
    plan = submission.plan_application(user, theme, {})
    shared, own, uploads = combined_form(plan, person, company)
    bundle = submission.do_submit_bundle(
        actor=user,
        theme_code=THEME,
        answers={},
        shared=shared,
        own=own,
        uploads=uploads,
        channel=Channel.MOBILE,
        idempotency_key=key,
        region_code=REGION,
    )
    return bundle, plan


def seed_submitted_bundle(*, actor: str = "system:seed", say: Callable[[str], None] = print) -> bool:
    """Submit the demo's 企业开办 bundle once (see the module docstring); False when it is there
    already, or when the theme or the person is missing (said)."""
    person, user = demo_citizen("citizen_l2")
    if user is None or bundle_queries.published_theme(THEME) is None:
        say("bundles: no demo 企业开办 theme or no demo citizen: no submitted bundle seeded")
        return False
    if any(b.theme_code == THEME for b in queries_fanout.bundles_of(user)):
        return False
    bundle, plan = submit_on_phone(user, person, COMPANY, KEY)
    say(f"bundles: {person.display_name} submitted 企业开办 ({bundle.number}), {len(plan.members)} members")
    return True
