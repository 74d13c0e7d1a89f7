"""Demo accounts (演示账号). The password and the TOTP secrets are public: the demo is not for
production."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "tongban-demo-2026"  # noqa: S105 - a published demo password, never for production
TOTP_HINT = ".venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\""


@dataclass(frozen=True)
class DemoAccount:
    """A staff account. Staff sign in with username + password + a TOTP code (second factor)."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    role_label: str
    totp_secret: str  # base32; published, so anyone can compute the demo codes
    department: str = ""  # department name; "" = none (platform level)
    superuser: bool = False


ACCOUNTS = (
    DemoAccount(
        "admin",
        "平台管理员（演示）",
        ("platform_admin",),
        "平台管理员 platform_admin（超级用户）",
        "TONGBANDEMOADMINZZVIAAAAAAAAAAAA",
        superuser=True,
    ),
    DemoAccount(
        "editor",
        "事项编制员（演示）",
        ("catalog_editor",),
        "事项编制人员 catalog_editor（武汉市行政审批局）",
        "TONGBANDEMOEDITORZZVIAAAAAAAAAAA",
        department="武汉市行政审批局",
    ),
    DemoAccount(
        "reviewer",
        "事项审核员（演示）",
        ("catalog_reviewer",),
        "事项审核人员 catalog_reviewer",
        "TONGBANDEMOREVIEWERZZVIAAAAAAAAA",
    ),
    DemoAccount(
        "clerk",
        "窗口人员（演示）",
        ("window_clerk",),
        "窗口人员 window_clerk（武汉市江夏区行政审批局）",
        "TONGBANDEMOCLERKZZVIAAAAAAAAAAAA",
        department="武汉市江夏区行政审批局",
    ),
    DemoAccount(
        "officer",
        "审批人员（演示）",
        ("approving_officer",),
        "审批人员 approving_officer（武汉市江夏区行政审批局）",
        "TONGBANDEMOOFFICERZZVIAAAAAAAAAA",
        department="武汉市江夏区行政审批局",
    ),
    DemoAccount(
        "deptadmin",
        "部门管理员（演示）",
        ("department_admin",),
        "部门管理员 department_admin（武汉市江夏区行政审批局）",
        "TONGBANDEMODEPTADMINZZVIAAAAAAAA",
        department="武汉市江夏区行政审批局",
    ),
    DemoAccount(
        "platform",
        "平台运营管理员（演示）",
        ("platform_admin",),
        "平台管理员 platform_admin（非超级用户）",
        "TONGBANDEMOPLATFORMZZVIAAAAAAAAA",
    ),
    DemoAccount(
        "inspector",
        "监管人员（演示）",
        ("inspector",),
        "监管人员 inspector（湖北省市场监督管理局）",
        "TONGBANDEMOINSPECTORZZVIAAAAAAAA",
        department="湖北省市场监督管理局",
    ),
    DemoAccount(
        "hotline",
        "热线坐席（演示）",
        ("hotline_operator",),
        "热线坐席 hotline_operator（12345）",
        "TONGBANDEMOHOTLINEZZVIAAAAAAAAAA",
    ),
    DemoAccount(
        "steward",
        "数据管理员（演示）",
        ("data_steward",),
        "数据管理员 data_steward",
        "TONGBANDEMOSTEWARDZZVIAAAAAAAAAA",
    ),
)

# The approving staff of the featured items' other departments, as their approval chains
# (demo/cases.py CHAINS) need them: 特殊工时 at 江岸 (审查 by an officer, 批准 by the department
# administrator), 林木采伐 at 恩施市 (即办, one officer) and 食品经营许可 at 江汉 (承办 and 审核 by
# an officer, 批准 by the department administrator). Seeded with the case handling, on every
# `seed demo` when missing, so an older demo gets them too.
CASE_STAFF = (
    DemoAccount(
        "officer-jiangan",
        "江岸区审批人员（演示）",
        ("approving_officer",),
        "审批人员 approving_officer（武汉市江岸区行政审批局，特殊工时）",
        "TONGBANDEMOJIANGANOFFICERZZVIAAA",
        department="武汉市江岸区行政审批局",
    ),
    DemoAccount(
        "deptadmin-jiangan",
        "江岸区部门管理员（演示）",
        ("department_admin",),
        "部门管理员 department_admin（武汉市江岸区行政审批局，特殊工时批准）",
        "TONGBANDEMOJIANGANDEPTADMINZZVIA",
        department="武汉市江岸区行政审批局",
    ),
    DemoAccount(
        "officer-enshi",
        "恩施市林业局审批人员（演示）",
        ("approving_officer",),
        "审批人员 approving_officer（恩施市林业局，林木采伐即办）",
        "TONGBANDEMOENSHIOFFICERZZVIAAAAA",
        department="恩施市林业局",
    ),
    DemoAccount(
        "officer-jianghan",
        "江汉区审批人员（演示）",
        ("approving_officer",),
        "审批人员 approving_officer（武汉市江汉区行政审批局，食品经营许可）",
        "TONGBANDEMOJIANGHANOFFICERZZVIAA",
        department="武汉市江汉区行政审批局",
    ),
    DemoAccount(
        "deptadmin-jianghan",
        "江汉区部门管理员（演示）",
        ("department_admin",),
        "部门管理员 department_admin（武汉市江汉区行政审批局，食品经营许可批准）",
        "TONGBANDEMOJIANGHANDEPTADMINZZVI",
        department="武汉市江汉区行政审批局",
    ),
)

# The officers of the 企业开办 theme's member departments beside 江夏's 行政审批局 (whose `officer`
# and `deptadmin` take the 设立登记: 审查, 核准), for the demo's completed bundle
# (`demo/bundles_completed.py`): 印章刻制备案 at 武汉市公安局, 企业社会保险登记 at 江夏's 人社局,
# 新办纳税人涉税信息确认 and 发票领用 at 武汉市税务局, 住房公积金单位缴存登记 at 武汉住房公积金管理中心.
# Their 即办件 are handled on the spot by one officer (a one-step 即办 chain); 社保登记, promised in
# a working day, is 审查 by the officer and 核准 by the department administrator. Seeded with the
# case handling, on every `seed demo` when missing, so an older demo gets them too.
BUNDLE_STAFF = (
    DemoAccount(
        "officer-gongan",
        "市公安局审批人员（演示）",
        ("approving_officer",),
        "审批人员 approving_officer（武汉市公安局，企业开办：印章刻制备案）",
        "TONGBANDEMOGONGANOFFICERZZVIAAAA",
        department="武汉市公安局",
    ),
    DemoAccount(
        "officer-renshe",
        "江夏区人社局审批人员（演示）",
        ("approving_officer",),
        "审批人员 approving_officer（武汉市江夏区人力资源和社会保障局，企业开办：社保登记审查）",
        "TONGBANDEMORENSHEOFFICERZZVIAAAA",
        department="武汉市江夏区人力资源和社会保障局",
    ),
    DemoAccount(
        "deptadmin-renshe",
        "江夏区人社局部门管理员（演示）",
        ("department_admin",),
        "部门管理员 department_admin（武汉市江夏区人力资源和社会保障局，企业开办：社保登记核准）",
        "TONGBANDEMORENSHEDEPTADMINZZVIAA",
        department="武汉市江夏区人力资源和社会保障局",
    ),
    DemoAccount(
        "officer-shuiwu",
        "市税务局审批人员（演示）",
        ("approving_officer",),
        "审批人员 approving_officer（武汉市税务局，企业开办：涉税信息确认、发票领用）",
        "TONGBANDEMOSHUIWUOFFICERZZVIAAAA",
        department="武汉市税务局",
    ),
    DemoAccount(
        "officer-gjj",
        "市公积金中心审批人员（演示）",
        ("approving_officer",),
        "审批人员 approving_officer（武汉住房公积金管理中心，企业开办：公积金缴存登记）",
        "TONGBANDEMOGJJOFFICERZZVIAAAAAAA",
        department="武汉住房公积金管理中心",
    ),
)
STAFF = ACCOUNTS + CASE_STAFF + BUNDLE_STAFF  # every demo staff account, as demo_info lists them

# The staff of every implementing body (实施主体) beyond the accounts above: `demo/cases.py`
# `ensure_body_staff` gives each department that implements a published item as many people of
# each role as its approval chains need under separation of duties (the default chain 承办 ->
# 审核 -> 批准: two approving officers and a department administrator), and every township
# 便民服务中心 a window clerk. Their usernames are `<body>-<role>-<n>`, <body> the slug below
# for the story bodies and the lower-case unified social credit code for every other body (shown
# on each guide's page as 实施主体编码); password DEMO_PASSWORD; TOTP secret `body_totp_secret`.
BODY_SLUGS = {
    "南漳县李庙镇便民服务中心": "limiao",
    "武汉市江夏区纸坊街道便民服务中心": "zhifang",
    "武汉市江夏区湖泗街道便民服务中心": "husi",
    "恩施市龙凤镇便民服务中心": "longfeng",
    "恩施市芭蕉侗族乡便民服务中心": "bajiao",
    "武汉市江夏区行政审批局": "jiangxia",
    "武汉市江汉区行政审批局": "jianghan",
    "武汉市江岸区行政审批局": "jiangan",
    "恩施市林业局": "enshi",
}
BODY_ROLE_WORDS = {
    "approving_officer": ("officer", "审批人员"),
    "department_admin": ("head", "部门管理员"),
    "window_clerk": ("clerk", "窗口人员"),
}


def body_username(slug: str, role: str, n: int) -> str:
    return f"{slug}-{BODY_ROLE_WORDS[role][0]}-{n}"


def body_totp_secret(username: str) -> str:
    """The published TOTP secret of a body staff account: base32 of SHA-256 of the username."""
    import base64
    import hashlib

    digest = hashlib.sha256(f"tongban-demo-totp:{username}".encode()).digest()
    return base64.b32encode(digest).decode()[:32]


BODY_TOTP_HINT = (
    '.venv/bin/python -c "from tongban.demo.data.accounts import body_totp_secret as s; '
    "import pyotp; print(pyotp.TOTP(s('{username}')).now())\""
)


@dataclass(frozen=True)
class DemoPerson:
    """A citizen account. Citizens sign in with their mobile number (or ID number once
    verified) and the demo password, or with an SMS code printed on the console."""

    key: str
    display_name: str
    mobile: str  # synthetic: 170 numbers are virtual-operator numbers
    level: int  # 1 mobile only, 2 real name verified online, 3 verified at a service hall
    role_label: str


PEOPLE = (
    DemoPerson("citizen_l1", "李晓明", "17000000001", 1, "市民 L1（仅手机注册）"),
    DemoPerson("citizen_l2", "王芳", "17000000002", 2, "市民 L2（在线实名核验）"),
    DemoPerson("citizen_l3", "刘洋", "17000000003", 3, "市民 L3（窗口现场核验，clerk 办理）"),
    DemoPerson("legal_rep", "陈建国", "17000000004", 2, "企业法定代表人（武汉鑫达恒通商贸有限公司）"),
    DemoPerson("agent", "赵敏", "17000000005", 2, "企业经办人（陈建国授权，限定事项，一年有效）"),
    DemoPerson("helper", "周小红", "17000000006", 2, "村帮办员（代办 黄桂英，窗口登记同意）"),
)
# The elderly villager (黄桂英) has no mobile and no password: registered at the hall (L3) by
# the clerk, she is the principal of 周小红's consent and never signs in herself.
VILLAGER = "黄桂英"

# Items the demo agent may handle for the enterprise: the first few implementation items of
# these basic items at 江夏 (by name), resolved at seeding time.
AGENT_ITEMS = ("内资有限责任公司设立登记", "食品经营许可")
# The demo department system registered as an OIDC client (a trusted first-party system). It
# is served by `make run` itself at /demo/department/ (tongban/demo/rp/); its client_id and
# secret come from the settings DEMO_RP_CLIENT_ID and DEMO_RP_CLIENT_SECRET. Redirect URIs are
# matched exactly, so both loopback spellings of the demo address are registered.
OIDC_CLIENT_NAME = "演示部门业务系统"
OIDC_CLIENT_DEPARTMENT = "武汉市江夏区行政审批局"
OIDC_CLIENT_PATH = "/demo/department/"
OIDC_CLIENT_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")
OIDC_CLIENT_HOME = f"{OIDC_CLIENT_ORIGINS[0]}{OIDC_CLIENT_PATH}"
OIDC_CLIENT_REDIRECTS = tuple(f"{o}{OIDC_CLIENT_PATH}callback/" for o in OIDC_CLIENT_ORIGINS)
OIDC_CLIENT_POST_LOGOUT = tuple(f"{o}{OIDC_CLIENT_PATH}signed-out/" for o in OIDC_CLIENT_ORIGINS)
