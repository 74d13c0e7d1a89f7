"""Every endpoint of the site with its target in the world and its rules (see table.py)."""

from __future__ import annotations

import re

from .rows_bundles_fanout import BUNDLES_FANOUT
from .rows_bundles_themes import BUNDLES_THEMES
from .rows_exchange import EXCHANGE
from .rows_hotline_kb import HOTLINE_KB
from .rows_hotline_tickets import HOTLINE_TICKETS
from .rows_insight_core import INSIGHT_CORE
from .rows_insight_evaluation import INSIGHT_EVALUATION
from .rows_insight_pages import INSIGHT_PAGES
from .rows_openness_disclosure import OPENNESS_DISCLOSURE
from .rows_openness_policies import OPENNESS_POLICIES
from .rows_openness_public import OPENNESS_PUBLIC
from .rows_ratings import RATINGS
from .rows_supervision_core import SUPERVISION_CORE
from .rows_supervision_draw import SUPERVISION_DRAW
from .rows_supervision_iot import SUPERVISION_IOT
from .table import (
    ADMIN_ACTORS,
    ADMIN_LOGIN,
    JIANGHAN_STAFF,
    JIANGXIA_STAFF,
    LOGIN,
    PROVINCE,
    SYSTEMS,
    Refusal,
    Row,
    department_staff,
    each,
    owners,
    rules,
)

ME = "/accounts/me/"
ADMIN_HOME = (302, "/admin/")
PUBLIC = rules(200)
CLERKS = ("window_clerk", "other_department_officer", "other_region_officer", "superuser")

# --- Identity (/accounts/, /workbench/identity/) ---------------------------------------------------

IDENTITY = [
    Row("login", "get", "/accounts/login/", "/accounts/login/", PUBLIC),
    Row("login_code", "post", "/accounts/login/code/", "/accounts/login/code/", rules(400), {"mobile": ""}),
    Row("totp", "get", "/accounts/login/totp/", "/accounts/login/totp/", rules((302, "/accounts/login/"))),
    Row(
        "totp_enrol",
        "get",
        "/accounts/login/totp/enrol/",
        "/accounts/login/totp/enrol/",
        rules((302, "/accounts/login/")),
    ),
    Row("logout", "post", "/accounts/logout/", "/accounts/logout/", rules((302, "/"))),
    Row("signup", "get", "/accounts/signup/", "/accounts/signup/", rules((302, ME), anonymous=200)),
    Row(
        "signup_post",
        "post",
        "/accounts/signup/",
        "/accounts/signup/",
        rules((302, ME), anonymous=400),
        {"action": "register"},
        writes=True,
    ),
    Row("me", "get", ME, "/accounts/me/", rules(200, anonymous=LOGIN)),
    Row(
        "verify",
        "get",
        "/accounts/me/verify/",
        "/accounts/me/verify/",
        rules(200, anonymous=LOGIN, staff=403),
    ),
    Row(
        "verify_post",
        "post",
        "/accounts/me/verify/",
        "/accounts/me/verify/",
        rules(400, anonymous=LOGIN, staff=403),
        {"name": ""},
        writes=True,
    ),
    Row("email", "get", "/accounts/me/email/", "/accounts/me/email/", rules(200, anonymous=LOGIN, staff=403)),
    Row(
        "email_post",
        "post",
        "/accounts/me/email/",
        "/accounts/me/email/",
        rules(400, anonymous=LOGIN, staff=403),
        {"action": "send_code", "email": ""},
        writes=True,
    ),
    Row(
        "remove_email",
        "post",
        "/accounts/me/email/remove/",
        "/accounts/me/email/remove/",
        rules((302, ME + "#contact"), anonymous=LOGIN, staff=403),
        writes=True,
    ),
    Row(
        "claim",
        "get",
        "/accounts/me/enterprises/claim/",
        "/accounts/me/enterprises/claim/",
        rules(200, anonymous=LOGIN, staff=403),
    ),
    Row(
        "claim_post",
        "post",
        "/accounts/me/enterprises/claim/",
        "/accounts/me/enterprises/claim/",
        rules(400, anonymous=LOGIN, staff=403),
        {"credit_code": ""},
        writes=True,
    ),
    Row(
        "grant_mandate",
        "get",
        "/accounts/me/enterprises/{lp}/agents/new/",
        "/accounts/me/enterprises/<int:legal_person_id>/agents/new/",
        rules(403, anonymous=LOGIN, legal_rep=200),
    ),
    Row(
        "grant_mandate_post",
        "post",
        "/accounts/me/enterprises/{lp}/agents/new/",
        "/accounts/me/enterprises/<int:legal_person_id>/agents/new/",
        rules(403, anonymous=LOGIN, legal_rep=400),
        {"agent_name": ""},
        writes=True,
    ),
    Row(
        "revoke_mandate",
        "post",
        "/accounts/me/mandates/{m_agent}/revoke/",
        "/accounts/me/mandates/<int:pk>/revoke/",
        rules(403, anonymous=LOGIN, agent=(302, ME + "#enterprises"), legal_rep=(302, ME + "#enterprises")),
        writes=True,
    ),
    Row(
        "grant_consent",
        "get",
        "/accounts/me/helpers/new/",
        "/accounts/me/helpers/new/",
        rules(200, anonymous=LOGIN, staff=403),
    ),
    Row(
        "grant_consent_post",
        "post",
        "/accounts/me/helpers/new/",
        "/accounts/me/helpers/new/",
        rules(400, anonymous=LOGIN, staff=403),
        {"agent_name": ""},
        writes=True,
    ),
    Row(
        "revoke_consent",
        "post",
        "/accounts/me/consents/{consent}/revoke/",
        "/accounts/me/consents/<int:pk>/revoke/",
        rules(
            404,
            anonymous=LOGIN,
            staff=403,
            helper=(302, ME + "#agents"),
            principal=(302, ME + "#agents"),
        ),
        writes=True,
    ),
    Row(
        "end_session",
        "post",
        "/accounts/me/sessions/{device}/end/",
        "/accounts/me/sessions/<int:pk>/end/",
        rules(404, anonymous=(302, "/accounts/login/?next=/accounts/me/"), citizen_l2=(302, ME + "#devices")),
        writes=True,
    ),
    Row(
        "acting_self",
        "post",
        "/accounts/acting/",
        "/accounts/acting/",
        rules((302, ME), anonymous=LOGIN, staff=403),
        {"kind": "self"},
        writes=True,
    ),
    Row(
        "acting_enterprise",
        "post",
        "/accounts/acting/",
        "/accounts/acting/",
        rules(403, anonymous=LOGIN, agent=(302, ME)),
        {"kind": "enterprise", "id": "{m_agent}"},
        writes=True,
    ),
    Row(
        "acting_principal",
        "post",
        "/accounts/acting/",
        "/accounts/acting/",
        rules(403, anonymous=LOGIN, helper=(302, ME)),
        {"kind": "principal", "id": "{consent}"},
        writes=True,
    ),
    Row(
        "identity_desk",
        "get",
        "/workbench/identity/",
        "/workbench/identity/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 200)),
    ),
    Row(
        "identity_find",
        "post",
        "/workbench/identity/find/",
        "/workbench/identity/find/",
        rules(
            403,
            anonymous=LOGIN,
            **each(CLERKS, (302, "/workbench/identity/people/{principal}/")),
        ),
        {"id_number": "{principal_id_number}"},
    ),
    Row(
        "walk_in",
        "get",
        "/workbench/identity/walk-in/",
        "/workbench/identity/walk-in/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 200)),
    ),
    Row(
        "walk_in_post",
        "post",
        "/workbench/identity/walk-in/",
        "/workbench/identity/walk-in/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 400)),
        {"name": ""},
        writes=True,
    ),
    Row(
        "person",
        "get",
        "/workbench/identity/people/{principal}/",
        "/workbench/identity/people/<int:pk>/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 200)),
    ),
    Row(
        "verify_in_person",
        "post",
        "/workbench/identity/people/{principal}/verify/",
        "/workbench/identity/people/<int:pk>/verify/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 400)),
        {"name": ""},
        writes=True,
    ),
    Row(
        "hall_consent",
        "get",
        "/workbench/identity/people/{principal}/consent/",
        "/workbench/identity/people/<int:pk>/consent/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 200)),
    ),
    Row(
        "hall_consent_post",
        "post",
        "/workbench/identity/people/{principal}/consent/",
        "/workbench/identity/people/<int:pk>/consent/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 400)),
        {"agent_name": ""},
        writes=True,
    ),
    Row(
        "staff_roles",
        "get",
        "/workbench/identity/staff/",
        "/workbench/identity/staff/",
        rules(
            403,
            anonymous=LOGIN,
            department_admin=200,
            other_region_admin=200,
            platform_admin=200,
            superuser=200,
        ),
    ),
    Row(
        "create_staff",
        "get",
        "/workbench/identity/staff/new/",
        "/workbench/identity/staff/new/",
        rules(
            403,
            anonymous=LOGIN,
            department_admin=200,
            other_region_admin=200,
            platform_admin=200,
            superuser=200,
        ),
    ),
    Row(
        "create_staff_post",
        "post",
        "/workbench/identity/staff/new/",
        "/workbench/identity/staff/new/",
        # no department chosen: 400 naming the field for an administrator, nothing written
        rules(
            403,
            anonymous=LOGIN,
            department_admin=400,
            other_region_admin=400,
            platform_admin=400,
            superuser=400,
        ),
        {"department": "", "username": "new.staff", "display_name": "新同事", "roles": ["approving_officer"]},
        writes=True,
    ),
    Row(
        "set_roles",
        "post",
        "/workbench/identity/staff/{officer}/roles/",
        "/workbench/identity/staff/<int:pk>/roles/",
        rules(
            403,
            anonymous=LOGIN,
            department_admin=(302, "/workbench/identity/staff/?department={jiangxia}"),
            platform_admin=(302, "/workbench/identity/staff/?department={jiangxia}"),
            superuser=(302, "/workbench/identity/staff/?department={jiangxia}"),
        ),
        {"roles": ["approving_officer"]},
        writes=True,
    ),
    Row(
        "set_roles_inspector",
        "post",
        "/workbench/identity/staff/{officer}/roles/",
        "/workbench/identity/staff/<int:pk>/roles/",
        # a province-wide role: platform administrators only (issue 10 §4)
        rules(
            403,
            anonymous=LOGIN,
            platform_admin=(302, "/workbench/identity/staff/?department={jiangxia}"),
            superuser=(302, "/workbench/identity/staff/?department={jiangxia}"),
        ),
        {"roles": ["approving_officer", "inspector"]},
        writes=True,
    ),
]


# --- Cases: the applicant's pages ----------------------------------------------------------------


def case_page(case: str) -> dict:
    """The applicant's case page: the applicant's side sees it, the owning department's staff (and
    the province's inspectors) are sent to the workbench page, anyone else: 404."""
    to_workbench = (302, f"/workbench/cases/{{{case}}}/")
    return rules(
        404,
        anonymous=LOGIN,
        **each(owners(case), 200),
        **each((*department_staff(case), *PROVINCE), to_workbench),
    )


def applicant_action(case: str, allowed) -> dict:
    """A write of the applicant's side: refused as 404 for anyone who may not see the case, 403
    for staff who may (they act as staff, never as the applicant)."""
    return rules(
        404,
        anonymous=LOGIN,
        **each(owners(case), allowed),
        **each((*department_staff(case), *PROVINCE), 403),
    )


CASE_TARGETS = (
    *("case_own", "case_helper", "case_revoked_helper", "case_ent_a", "case_ent_b"),
    *("case_expired", "case_revoked", "case_window", "case_jianghan"),
)

CASES_WEB = [
    Row("my_cases", "get", "/cases/", "/cases/", rules(200, anonymous=LOGIN, staff=403)),
    # 办件进度查询: public, no sign-in; a malformed lookup is refused before any read.
    Row("progress", "get", "/cases/progress/", "/cases/progress/", PUBLIC),
    Row(
        "progress_post",
        "post",
        "/cases/progress/",
        "/cases/progress/",
        rules(400),
        {"number": "1", "code": "x"},
    ),
    Row(
        "mark_read",
        "post",
        "/cases/notifications/read/",
        "/cases/notifications/read/",
        rules((302, "/cases/"), anonymous=LOGIN, staff=403),
        writes=True,
    ),
    Row(
        "apply",
        "get",
        "/cases/apply/{item_a}/",
        "/cases/apply/<str:code>/",
        rules(200, anonymous=LOGIN, staff=403),
    ),
    Row(
        "apply_post",
        "post",
        "/cases/apply/{item_a}/",
        "/cases/apply/<str:code>/",
        rules(400, anonymous=LOGIN, staff=403),
        {"action": "submit"},
        writes=True,
    ),
    *[
        Row(f"case_page[{case}]", "get", f"/cases/{{{case}}}/", "/cases/<str:number>/", case_page(case))
        for case in CASE_TARGETS
    ],
    Row(
        "submitted",
        "get",
        "/cases/{case_own}/submitted/",
        "/cases/<str:number>/submitted/",
        rules(
            404,
            anonymous=LOGIN,
            **each(owners("case_own"), 200),
            **each((*JIANGXIA_STAFF, *PROVINCE), 200),
        ),
    ),
    Row(
        "supply",
        "post",
        "/cases/{case_own}/supply/",
        "/cases/<str:number>/supply/",
        applicant_action("case_own", 400),
        writes=True,
    ),
    *[
        Row(
            f"withdraw[{case}]",
            "post",
            f"/cases/{{{case}}}/withdraw/",
            "/cases/<str:number>/withdraw/",
            applicant_action(case, (302, f"/cases/{{{case}}}/")),
            {"reason": "不办了"},
            writes=True,
        )
        for case in ("case_ent_b", "case_revoked_helper", "case_window")
    ],
    *[
        Row(
            f"delivery[{case}]",
            "post",
            f"/cases/{{{case}}}/delivery/",
            "/cases/<str:number>/delivery/",
            applicant_action(case, (302, f"/cases/{{{case}}}/")),
            {"method": "window"},
            writes=True,
        )
        for case in ("case_ent_b", "case_expired", "case_window")
    ],
    Row(
        "file",
        "get",
        "/cases/{case_accepted}/files/{material}/",
        "/cases/<str:number>/files/<int:pk>/",
        rules(404, anonymous=LOGIN, **each((*owners("case_accepted"), *JIANGXIA_STAFF, *PROVINCE), 200)),
    ),
]

# --- Cases: the workbench ----------------------------------------------------------------------------

STAFF_PAGE = rules(200, anonymous=LOGIN, people=403)
CLERK_PAGE = rules(
    403,
    anonymous=LOGIN,
    window_clerk=200,
    other_department_officer=200,
    other_region_officer=200,
    superuser=200,
)


def wb_case(case: str, allowed, *, inspector=None) -> dict:
    """A workbench case page or action: the owning department's staff (and superusers); inspectors
    see the province's cases but act on none."""
    cells = each((*department_staff(case), *PROVINCE), allowed)
    if inspector is not None:
        cells["inspector"] = inspector
    return rules(404, anonymous=LOGIN, people=403, **cells)


CASES_WORKBENCH = [
    Row("workbench", "get", "/workbench/cases/", "/workbench/cases/", STAFF_PAGE),
    Row(
        "batch",
        "post",
        "/workbench/cases/batch/",
        "/workbench/cases/batch/",
        rules((302, "/workbench/cases/?queue=precheck"), anonymous=LOGIN, people=403),
        {"action": "accept", "numbers": ["{case_jianghan}"]},
        writes=True,
    ),
    Row("window", "get", "/workbench/cases/window/", "/workbench/cases/window/", CLERK_PAGE),
    Row(
        "window_find",
        "post",
        "/workbench/cases/window/find/",
        "/workbench/cases/window/find/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 400)),
        {"id_number": ""},
    ),
    Row(
        "window_clear",
        "post",
        "/workbench/cases/window/clear/",
        "/workbench/cases/window/clear/",
        rules(
            403,
            anonymous=LOGIN,
            **each(CLERKS, (302, "/workbench/cases/window/")),
        ),
    ),
    Row(
        "window_intake",
        "post",
        "/workbench/cases/window/intake/",
        "/workbench/cases/window/intake/",
        rules(403, anonymous=LOGIN, **each(CLERKS, 400)),
        {"item_code": "{item_c}"},
        writes=True,
    ),
    Row("stats", "get", "/workbench/cases/stats/", "/workbench/cases/stats/", STAFF_PAGE),
    *[
        Row(
            f"wb_case[{case}]",
            "get",
            f"/workbench/cases/{{{case}}}/",
            "/workbench/cases/<str:number>/",
            wb_case(case, 200),
        )
        for case in ("case_own", "case_jianghan")
    ],
    Row(
        "wb_file",
        "get",
        "/workbench/cases/{case_accepted}/files/{material}/",
        "/workbench/cases/<str:number>/files/<int:pk>/",
        rules(404, anonymous=LOGIN, **each((*owners("case_accepted"), *JIANGXIA_STAFF, *PROVINCE), 200)),
    ),
    *[
        Row(
            f"wb_accept[{case}]",
            "post",
            f"/workbench/cases/{{{case}}}/accept/",
            "/workbench/cases/<str:number>/<str:action>/",
            wb_case(case, (302, f"/workbench/cases/{{{case}}}/"), inspector=403),
            writes=True,
        )
        for case in ("case_own", "case_jianghan")
    ],
]

# --- Notices and licences ------------------------------------------------------------------------------

NOTICES = [
    Row("notice_verify", "get", "/notices/verify/{notice_code}/", "/notices/verify/<str:code>/", PUBLIC),
    Row(
        "notice_pdf",
        "get",
        "/notices/{case_accepted}/{notice}.pdf",
        "/notices/<str:number>/<str:notice_number>.pdf",
        rules(404, anonymous=LOGIN, **each((*owners("case_accepted"), *JIANGXIA_STAFF, *PROVINCE), 200)),
    ),
]

# The enterprise's business licence: its representative acting for it. The agent's mandate covers
# item A only, whose materials ask for no business licence (issue 10 §4: the item scope applies
# to licences).
HOLDERS = ("legal_rep",)


def held(allowed) -> dict:
    return rules(404, anonymous=LOGIN, staff=403, **each(HOLDERS, allowed))


LICENCES_WEB = [
    Row("my_licences", "get", "/licences/", "/licences/", rules(200, anonymous=LOGIN, staff=403)),
    Row(
        "licence_verify_page",
        "get",
        "/licences/verify/{licence}/{licence_code}/",
        "/licences/verify/<str:identifier>/<str:code>/",
        PUBLIC,
    ),
    Row("licence_shown", "get", "/licences/shown/{present_token}/", "/licences/shown/<str:token>/", PUBLIC),
    Row("licence", "get", "/licences/{licence}/", "/licences/<str:identifier>/", held(200)),
    Row(
        "licence_pdf",
        "get",
        "/licences/{licence}/licence.pdf",
        "/licences/<str:identifier>/licence.pdf",
        held(200),
    ),
    Row("present", "get", "/licences/{licence}/present/", "/licences/<str:identifier>/present/", held(200)),
    Row(
        "present_code",
        "get",
        "/licences/{licence}/present/code/",
        "/licences/<str:identifier>/present/code/",
        held(200),
    ),
]

# --- Catalogue workbench -----------------------------------------------------------------------------------

CATALOG_STAFF = rules(200, anonymous=LOGIN, people=LOGIN)  # signed-in people are sent to sign in as staff
ITEM = "/workbench/catalog/items/{item_a_pk}/"
# 江夏's published item A: its department's administrator and platform administrators edit it
# (a published version is edited through a new version: the edit page sends them to the item).
EDITORS = ("department_admin", "platform_admin", "superuser")
EDIT = rules(403, anonymous=LOGIN, people=LOGIN, **each(EDITORS, (302, ITEM)))

CATALOG = [
    Row("catalog", "get", "/workbench/catalog/", "/workbench/catalog/", CATALOG_STAFF),
    Row("catalog_item", "get", ITEM, "/workbench/catalog/items/<int:pk>/", CATALOG_STAFF),
    Row("catalog_edit", "get", ITEM + "edit/", "/workbench/catalog/items/<int:pk>/edit/", EDIT),
    Row(
        "catalog_edit_post",
        "post",
        ITEM + "edit/",
        "/workbench/catalog/items/<int:pk>/edit/",
        EDIT,
        {"name": ""},
        writes=True,
    ),
    Row(
        "catalog_new_version",
        "post",
        ITEM + "new-version/",
        "/workbench/catalog/items/<int:pk>/<slug:action>/",
        rules(
            Refusal(302, ITEM),  # the refusal is a message on the item's page
            anonymous=LOGIN,
            people=LOGIN,
            **each(EDITORS, (302, re.compile(r"/workbench/catalog/items/\d+/"))),
        ),
        writes=True,
    ),
    Row(
        "four_sames", "get", "/workbench/catalog/four-sames/", "/workbench/catalog/four-sames/", CATALOG_STAFF
    ),
    Row("import", "get", "/workbench/catalog/import/", "/workbench/catalog/import/", CATALOG_STAFF),
    Row(
        "import_post",
        "post",
        "/workbench/catalog/import/",
        "/workbench/catalog/import/",
        rules(400, anonymous=LOGIN, people=LOGIN),
        writes=True,
    ),
    Row(
        "export",
        "get",
        "/workbench/catalog/export.xlsx",
        "/workbench/catalog/export.xlsx",
        # staff without a department of their own must name one
        rules(200, anonymous=LOGIN, people=LOGIN, inspector=400, platform_admin=400, superuser=400),
    ),
]

# --- The portal, languages, OpenID Provider, the demo relying party ------------------------------------------

PORTAL = [
    Row("home", "get", "/", "/", PUBLIC),
    Row("search", "get", "/search/?q=许可", "/search/", PUBLIC),
    Row("guide", "get", "/items/{item_a}/", "/items/<str:code>/", PUBLIC),
    Row("guide_print", "get", "/items/{item_a}/print/", "/items/<str:code>/print/", PUBLIC),
    Row("department", "get", "/departments/{jiangxia}/", "/departments/<int:dept_id>/", PUBLIC),
    Row("topic", "get", "/topics/{topic}/", "/topics/<slug:slug>/", PUBLIC),
    Row("visits", "get", "/lists/visits/", "/lists/visits/", PUBLIC),
    Row("handling_list", "get", "/lists/online/", "/lists/<slug:kind>/", PUBLIC),
    Row("indicators", "get", "/indicators/", "/indicators/", PUBLIC),
    Row("region", "get", "/region/", "/region/", PUBLIC),
    Row("region_post", "post", "/region/", "/region/", rules((302, "/")), {"code": "420115"}),
    Row("region_children", "get", "/region/children/420100/", "/region/children/<str:code>/", PUBLIC),
    Row("display", "get", "/display/", "/display/", rules(405)),
    Row("display_post", "post", "/display/", "/display/", rules((302, "/")), {"large": "1"}),
    Row("setlang", "post", "/i18n/setlang/", "/i18n/setlang/", rules((302, "/")), {"language": "en"}),
]

OIDC = [
    Row("discovery", "get", "/.well-known/openid-configuration", "/.well-known/openid-configuration", PUBLIC),
    Row("jwks", "get", "/.well-known/jwks.json", "/.well-known/jwks.json", PUBLIC),
    Row("authorize", "get", "/o/authorize/", "/o/authorize/", rules(400, anonymous=LOGIN)),
    # without client credentials: refused whoever is signed in
    Row("token", "post", "/o/token/", "/o/token/", rules(401), {"grant_type": "client_credentials"}),
    Row("revoke_token", "post", "/o/revoke_token/", "/o/revoke_token/", rules(401), {"token": "x"}),
    Row("introspect", "post", "/o/introspect/", "/o/introspect/", rules(403), {"token": "x"}),
    Row("userinfo", "get", "/o/userinfo/", "/o/userinfo/", rules(401)),
    Row("oidc_logout", "get", "/o/logout/", "/o/logout/", rules(200, anonymous=(302, "/"))),
]

DEMO_RP = [
    # an external relying party: its own session decides, not the platform's
    Row("rp_home", "get", "/demo/department/", "/demo/department/", rules((302, "/demo/department/login/"))),
    Row(
        "rp_login", "get", "/demo/department/login/", "/demo/department/login/", rules((302, "/o/authorize/"))
    ),
    Row("rp_callback", "get", "/demo/department/callback/", "/demo/department/callback/", rules(400)),
    Row(
        "rp_logout",
        "post",
        "/demo/department/logout/",
        "/demo/department/logout/",
        rules((302, "/demo/department/signed-out/")),
    ),
    Row(
        "rp_signout",
        "post",
        "/demo/department/signout/",
        "/demo/department/signout/",
        rules((302, "/demo/department/signed-out/?local=1")),
    ),
    Row("rp_signed_out", "get", "/demo/department/signed-out/", "/demo/department/signed-out/", PUBLIC),
]

# --- The API ---------------------------------------------------------------------------------------------------

API = "/api/v1"
API_PUBLIC = rules(200)
SYSTEM_OF = {"jiangxia": "system_jiangxia", "jianghan": "system_jianghan"}
JIANGHAN_KIND = {
    "window_clerk": "other_region_officer",
    "approving_officer": "other_region_officer",
    "department_admin": "other_region_admin",
}


def api_case_read(case: str) -> dict:
    """GET /cases/{number}: the applicant's side, the owning department's staff and system, the
    province's inspectors; anyone else 404."""
    dept = "jiangxia" if department_staff(case) == JIANGXIA_STAFF else "jianghan"
    return rules(
        404,
        anonymous=401,
        **each(owners(case), 200),
        **each((*department_staff(case), *PROVINCE, SYSTEM_OF[dept]), 200),
    )


def api_applicant_write(case: str, allowed) -> dict:
    """A write of the applicant's side through the API (sessions only): anyone else's answer is
    404, staff included (they act as staff, never as the applicant)."""
    return rules(404, anonymous=401, systems=401, **each(owners(case), allowed))


def api_staff_write(case: str, allowed: dict[str, int], *, systems_too: bool = False) -> dict:
    """A back-office write: 403 for people and for staff outside the owning department (or without
    the role, or inspectors); `allowed` maps the owning department's roles (as actor kinds of
    江夏; 江汉's are mapped) to their answer. Department systems only where `systems_too`."""
    if department_staff(case) == JIANGHAN_STAFF:  # 江汉's officer is also its window clerk
        allowed = {JIANGHAN_KIND.get(k, k): v for k, v in allowed.items()}
    dept = "jiangxia" if department_staff(case) == JIANGXIA_STAFF else "jianghan"
    base = rules(403, anonymous=401, systems=401, **allowed)
    if systems_too:
        base |= {"systems": 403, SYSTEM_OF[dept]: allowed["superuser"]}
    return base


ANY_OFFICER = ("window_clerk", "approving_officer", "department_admin", "superuser")
# action -> (valid body, who of the owning department gets what on a case waiting for 预审, systems?)
STAFF_ACTIONS = {
    "accept": ({}, dict.fromkeys(ANY_OFFICER, 200), True),
    "refuse": ({"reason": "材料不齐"}, dict.fromkeys(ANY_OFFICER, 200), False),
    "return": ({"reason": "请补充说明"}, dict.fromkeys(ANY_OFFICER, 200), False),
    "request-supplement": ({"items": ["申请书"]}, dict.fromkeys(ANY_OFFICER, 200), False),
    "pause": (
        {"kind": "special", "reason": "需要专家评审", "procedure": "expert"},
        {"approving_officer": 409, "superuser": 409},
        False,
    ),
    "resume": ({}, {"approving_officer": 409, "superuser": 409}, False),
    "extend": (
        {"days": 1, "approver_id": "{approver}", "reason": "情况复杂"},
        {"approving_officer": 409, "superuser": 409},
        False,
    ),
    "deliver": ({}, dict.fromkeys(ANY_OFFICER, 409), False),
    "conclude": ({}, dict.fromkeys(ANY_OFFICER, 409), True),
}
STEP_ACTIONS = {
    "assign": ({"assignee_id": None}, {"department_admin": 409, "superuser": 409}, False),
    # any of the department's staff learns the state first (the step's role is checked after)
    "complete": ({"outcome": "pass", "comment": ""}, dict.fromkeys(ANY_OFFICER, 409), True),
}
STAFF_CASES = ("case_own", "case_jianghan")

API_ROWS = [
    Row("api_docs", "get", f"{API}/docs", "GET /api/v1/docs", API_PUBLIC),
    Row("api_openapi", "get", f"{API}/openapi.json", "GET /api/v1/openapi.json", API_PUBLIC),
    Row("api_region", "get", f"{API}/regions/420115", "GET /api/v1/regions/{code}", API_PUBLIC),
    Row(
        "api_region_children",
        "get",
        f"{API}/regions/420100/children",
        "GET /api/v1/regions/{code}/children",
        API_PUBLIC,
    ),
    Row("api_items", "get", f"{API}/catalog/items", "GET /api/v1/catalog/items", API_PUBLIC),
    Row("api_item", "get", f"{API}/catalog/items/{{item_a}}", "GET /api/v1/catalog/items/{code}", API_PUBLIC),
    Row("api_indicators", "get", f"{API}/catalog/indicators", "GET /api/v1/catalog/indicators", API_PUBLIC),
    Row(
        "api_indicators_region",
        "get",
        f"{API}/catalog/indicators/by-region/420100",
        "GET /api/v1/catalog/indicators/by-region/{region}",
        API_PUBLIC,
    ),
    Row(
        "api_indicators_department",
        "get",
        f"{API}/catalog/indicators/by-department",
        "GET /api/v1/catalog/indicators/by-department",
        API_PUBLIC,
    ),
    Row("api_visits", "get", f"{API}/catalog/lists/visits", "GET /api/v1/catalog/lists/visits", API_PUBLIC),
    Row("api_four_sames", "get", f"{API}/catalog/four-sames", "GET /api/v1/catalog/four-sames", API_PUBLIC),
    Row(
        "api_submit",
        "post",
        f"{API}/cases/",
        "POST /api/v1/cases/",
        # people act for whom their acting context names, if that grant is valid now; staff never
        # apply (they act as staff)
        rules(
            201,
            anonymous=401,
            systems=401,
            staff=403,
            **each(("expired_agent", "revoked_agent", "revoked_helper"), 403),
        ),
        {"item_code": "{item_a}", "data": "{form}", "materials": "{materials_a}"},
        json=True,
        writes=True,
    ),
    Row(
        "api_my_cases",
        "get",
        f"{API}/cases/",
        "GET /api/v1/cases/",
        rules(200, anonymous=401, systems=401),  # staff: their own applications (none)
    ),
    Row(
        "api_queues",
        "get",
        f"{API}/cases/queues",
        "GET /api/v1/cases/queues",
        rules(200, anonymous=401, systems=401, people=403),
    ),
    Row(
        "api_queue",
        "get",
        f"{API}/cases/queues/precheck",
        "GET /api/v1/cases/queues/{kind}",
        rules(200, anonymous=401, systems=401, people=403),
    ),
    Row(
        "api_search",
        "get",
        f"{API}/cases/search?q={{case_own}}",
        "GET /api/v1/cases/search",
        rules(200, anonymous=401, systems=401, people=403),
    ),
    *[
        Row(
            f"api_case[{case}]",
            "get",
            f"{API}/cases/{{{case}}}",
            "GET /api/v1/cases/{number}",
            api_case_read(case),
        )
        for case in (
            "case_own",
            "case_ent_a",
            "case_ent_b",
            "case_expired",
            "case_revoked_helper",
            "case_jianghan",
        )
    ],
    Row(
        "api_supply",
        "post",
        f"{API}/cases/{{case_own}}/supply",
        "POST /api/v1/cases/{number}/supply",
        api_applicant_write("case_own", 409),  # the case asks for nothing
        {"materials": "{materials_a}"},
        json=True,
        writes=True,
    ),
    *[
        Row(
            f"api_withdraw[{case}]",
            "post",
            f"{API}/cases/{{{case}}}/withdraw",
            "POST /api/v1/cases/{number}/withdraw",
            api_applicant_write(case, 200),
            {"reason": "不办了"},
            json=True,
            writes=True,
        )
        for case in ("case_ent_b", "case_revoked", "case_window")
    ],
    *[
        Row(
            f"api_delivery[{case}]",
            "post",
            f"{API}/cases/{{{case}}}/delivery",
            "POST /api/v1/cases/{number}/delivery",
            api_applicant_write(case, 200),
            {"method": "window"},
            json=True,
            writes=True,
        )
        for case in ("case_ent_b", "case_expired", "case_window")
    ],
    *[
        Row(
            f"api_{action}[{case}]",
            "post",
            f"{API}/cases/{{{case}}}/{action}",
            f"POST /api/v1/cases/{{number}}/{action}",
            api_staff_write(case, allowed, systems_too=systems),
            {**body, "approver_id": f"{{approver_{case}}}"} if "approver_id" in body else body,
            json=True,
            writes=True,
        )
        for action, (body, allowed, systems) in STAFF_ACTIONS.items()
        for case in STAFF_CASES
    ],
    *[
        Row(
            f"api_step_{op}[{case}]",
            "post",
            f"{API}/cases/{{{case}}}/steps/0/{op}",
            f"POST /api/v1/cases/{{number}}/steps/{{index}}/{op}",
            api_staff_write(case, allowed, systems_too=systems),
            body,
            json=True,
            writes=True,
        )
        for op, (body, allowed, systems) in STEP_ACTIONS.items()
        for case in STAFF_CASES
    ],
    *[
        Row(
            f"api_extension_decide[{case}]",
            "post",
            f"{API}/cases/{{{case}}}/extensions/999999/decide",
            "POST /api/v1/cases/{number}/extensions/{request_id}/decide",
            # no such request: the owning department's staff learn only that (404); only staff
            # sessions decide (systems are not approvers)
            api_staff_write(case, dict.fromkeys(ANY_OFFICER, 404)),
            {"approve": True, "note": ""},
            json=True,
            writes=True,
        )
        for case in STAFF_CASES
    ],
    Row(
        "api_licence_query",
        "post",
        f"{API}/licences/query",
        "POST /api/v1/licences/query",
        # the holder itself (the enterprise's representative); agencies need a grant (none here)
        rules(403, anonymous=401, legal_rep=200),
        {"holder_code": "{company}", "type_code": "{business_type}", "purpose": "办件核验"},
        json=True,
        writes=True,
    ),
    Row(
        "api_licence_issue",
        "post",
        f"{API}/licences",
        "POST /api/v1/licences",
        # 江夏's company: 江夏's system and issuing officers only (issue 10 §4: jurisdiction)
        # (another 江夏 department that does not issue this type: 400 naming type_code; a superuser
        # has no department to issue as)
        rules(
            403,
            anonymous=401,
            system_jiangxia=201,
            approving_officer=201,
            department_admin=201,
            other_department_officer=400,
        ),
        {
            "type_code": "{business_type}",
            "holder_name": "武汉鑫达恒通商贸有限公司",
            "holder_code": "{company}",
            "face": "{business_face}",
        },
        json=True,
        writes=True,
    ),
    Row(
        "api_licence_verify",
        "get",
        f"{API}/licences/{{licence}}/verify",
        "GET /api/v1/licences/{identifier}/verify",
        # Without the check code a verification gives a person nothing (issue 10 §4); departments
        # (their systems and staff) verify by identifier, named in the holder's usage log.
        rules(
            404,
            anonymous=401,
            **each((*JIANGXIA_STAFF, *JIANGHAN_STAFF, "other_department_officer", *SYSTEMS), 200),
        ),
    ),
]

# --- The Django admin ------------------------------------------------------------------------------------------

# Filled in by `admin_rows` from admin.site's registry.
ADMIN_STATIC = [
    Row("admin_index", "get", "/admin/", "/admin/", rules(ADMIN_LOGIN, staff=200)),
    Row("admin_login", "get", "/admin/login/", "/admin/login/", rules((302, "/accounts/login/"))),
    Row("admin_logout", "post", "/admin/logout/", "/admin/logout/", rules(ADMIN_HOME, staff=200)),
    Row("admin_jsi18n", "get", "/admin/jsi18n/", "/admin/jsi18n/", rules(ADMIN_LOGIN, staff=200)),
    Row(
        "admin_autocomplete",
        "get",
        "/admin/autocomplete/",
        "/admin/autocomplete/",
        rules(ADMIN_LOGIN, staff=403),
    ),
    Row(
        "admin_app",
        "get",
        "/admin/accounts/",
        "/admin/^(?P<app_label>auth|django_tasks_database|oauth2_provider|core|accounts|licences|openness)/",
        rules(ADMIN_LOGIN, staff=404, superuser=200),
    ),
    Row(
        "admin_password",
        "get",
        "/admin/password_change/",
        "/admin/password_change/",
        rules(ADMIN_LOGIN, staff=200),
    ),
    Row(
        "admin_password_done",
        "get",
        "/admin/password_change/done/",
        "/admin/password_change/done/",
        rules(ADMIN_LOGIN, staff=200),
    ),
    Row(
        "admin_view_on_site",
        "get",
        "/admin/r/{admin_ct_user}/{principal}/",
        "/admin/r/<path:content_type_id>/<path:object_id>/",
        rules(ADMIN_LOGIN, staff=404),
    ),
    Row(
        "admin_catch_all", "get", "/admin/nothing-here/", "/admin/(?P<url>.*)", rules(ADMIN_LOGIN, staff=404)
    ),
]

# What a superuser may do on each model's pages beyond viewing: (add, delete). The audit chain,
# the usage log, tokens and task results are read-only; grants of licences are revoked, not deleted.
ADMIN_WRITES = {
    "core/auditevent": (False, False),
    "openness/policy": (False, False),
    "django_tasks_database/dbtaskresult": (False, False),
    "licences/licencegrant": (True, False),
    "licences/licenceusage": (False, False),
    "oauth2_provider/accesstoken": (False, False),
    "oauth2_provider/grant": (False, True),
    "oauth2_provider/idtoken": (False, True),
    "oauth2_provider/refreshtoken": (False, False),
}


def admin_page(model: str, page: str):
    """The expectation for one admin page of `model`, given whether the world holds an object of
    it (pk 0: none; the admin then sends you to its index)."""
    may_add, may_delete = ADMIN_WRITES.get(model, (True, True))
    key = admin_pk_key(model)

    def superuser(ids):
        exists = bool(ids[key])
        return {
            "": 200,
            "add": 200 if may_add else 403,
            "object": (302, f"/admin/{model}/{ids[key]}/change/"),
            "change": 200 if exists else ADMIN_HOME,
            "delete": (200 if exists else ADMIN_HOME) if may_delete else 403,
            "history": 200 if exists else ADMIN_HOME,
        }[page]

    def staff(ids):  # staff without model permissions
        if page == "object":
            return (302, f"/admin/{model}/{ids[key]}/change/")
        if page == "history" and not ids[key]:
            return ADMIN_HOME
        return 403

    return rules(ADMIN_LOGIN, staff=staff, superuser=superuser)


ADMIN_PAGES = {  # route suffix -> (page, url suffix); {pk}: an object of that model in the world
    "": ("", ""),
    "add/": ("add", "add/"),
    "<path:object_id>/": ("object", "{pk}/"),
    "<path:object_id>/change/": ("change", "{pk}/change/"),
    "<path:object_id>/delete/": ("delete", "{pk}/delete/"),
    "<path:object_id>/history/": ("history", "{pk}/history/"),
}


def admin_models() -> list[str]:
    """`app_label/model_name` of every model registered with the admin."""
    from django.contrib import admin

    return sorted(f"{m._meta.app_label}/{m._meta.model_name}" for m in admin.site._registry)


def admin_pk_key(model_path: str) -> str:
    return "admin_pk_" + model_path.replace("/", "_")


def admin_rows() -> list[Row]:
    """Each admin page of each registered model: only superusers get in (staff roles carry no model
    permissions)."""
    rows = []
    for model in admin_models():
        for route, (page, url) in ADMIN_PAGES.items():
            u = f"/admin/{model}/" + url.format(pk="{" + admin_pk_key(model) + "}")
            rows.append(
                Row(
                    f"admin:{model}/{route}",
                    "get",
                    u,
                    f"/admin/{model}/{route}",
                    admin_page(model, page),
                    actors=ADMIN_ACTORS,
                )
            )
    rows.append(
        Row(
            "admin:accounts/user/password",
            "get",
            "/admin/accounts/user/{admin_pk_accounts_user}/password/",
            "/admin/accounts/user/<id>/password/",
            rules(ADMIN_LOGIN, staff=403, superuser=200),
            actors=ADMIN_ACTORS,
        )
    )
    return rows


# --- Exchange: the workbench's call log (story) -----------------------------------------------------


def all_rows() -> list[Row]:
    return [
        *IDENTITY,
        *CASES_WEB,
        *CASES_WORKBENCH,
        *NOTICES,
        *LICENCES_WEB,
        *CATALOG,
        *PORTAL,
        *OIDC,
        *DEMO_RP,
        *API_ROWS,
        *EXCHANGE,
        *OPENNESS_PUBLIC,
        *OPENNESS_POLICIES,
        *OPENNESS_DISCLOSURE,
        *INSIGHT_PAGES,
        *INSIGHT_CORE,
        *INSIGHT_EVALUATION,
        *BUNDLES_THEMES,
        *BUNDLES_FANOUT,
        *HOTLINE_TICKETS,
        *HOTLINE_KB,
        *RATINGS,
        *SUPERVISION_CORE,
        *SUPERVISION_DRAW,
        *SUPERVISION_IOT,
        *ADMIN_STATIC,
        *admin_rows(),
    ]
