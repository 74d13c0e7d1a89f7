"""Demo staff accounts (演示账号). The password is public: the demo is not for production."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "tongban-demo-2026"  # noqa: S105 - a published demo password, never for production


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    roles: tuple[str, ...]
    role_label: str
    department: str = ""  # department name; "" = none (platform level)
    superuser: bool = False


ACCOUNTS = (
    DemoAccount(
        "admin",
        "平台管理员（演示）",
        ("platform_admin",),
        "平台管理员 platform_admin（超级用户）",
        superuser=True,
    ),
    DemoAccount(
        "editor",
        "事项编制员（演示）",
        ("catalog_editor",),
        "事项编制人员 catalog_editor（武汉市行政审批局）",
        department="武汉市行政审批局",
    ),
    DemoAccount("reviewer", "事项审核员（演示）", ("catalog_reviewer",), "事项审核人员 catalog_reviewer"),
)
