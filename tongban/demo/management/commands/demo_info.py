"""`manage.py demo_info --host H --port P`: the demo accounts and where to look."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand

from tongban.demo import queries
from tongban.demo.data.accounts import (
    BODY_TOTP_HINT,
    BUNDLE_STAFF,
    DEMO_PASSWORD,
    OIDC_CLIENT_NAME,
    OIDC_CLIENT_REDIRECTS,
    PEOPLE,
    STAFF,
    TOTP_HINT,
    VILLAGER,
    body_totp_secret,
)


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width: CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


class Command(BaseCommand):
    help = (
        "Print the demo accounts (citizens, enterprise, agents, staff) and the main URLs of a running demo."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **opts):
        out = self.stdout.write
        out("")
        out("tongban demo 一网通办演示")
        if not queries.demo_is_seeded():
            out("  (the demo is not seeded yet: run `manage.py seed demo` first)")
        out("")
        out(f"Citizen accounts 群众账号 (sign in with the mobile number; password {DEMO_PASSWORD},")
        out("  or an SMS code, printed on this console by the demo SMS gateway):")
        for p in PEOPLE:
            out(f"  {_pad(p.display_name, 8)}{p.mobile:<13} {DEMO_PASSWORD:<19} {p.role_label}")
        out(f"  ({VILLAGER}: the elderly villager, registered at the hall without mobile or password;")
        out("   周小红 acts for her after switching identity, 赵敏 for the enterprise)")
        out("")
        out(f"Staff accounts 工作人员 (username / password / TOTP secret / role); password {DEMO_PASSWORD},")
        out("  then a TOTP code (second factor) from the secret:")
        out("    " + TOTP_HINT.format(secret="SECRET"))  # noqa: S106 - a placeholder
        width = max(len(acc.username) for acc in STAFF)
        for acc in STAFF:
            out(f"  {acc.username:<{width}} {DEMO_PASSWORD:<19} {acc.totp_secret}  {acc.role_label}")
        out("")
        out("Staff of every implementing body 实施主体工作人员 (as its approval chains need them under")
        out("  separation of duties: <body>-officer-1/-2, <body>-head-1, <body>-clerk-1 at a 便民服务中心).")
        out("  The story bodies (password, TOTP secret, body, roles):")
        story = queries.story_body_staff()
        width = max((len(u) for u, _, _ in story), default=10)
        for username, body, roles in story:
            out(
                f"  {username:<{width}} {DEMO_PASSWORD:<19} {body_totp_secret(username)}  {body} {','.join(roles)}"
            )
        out("  Every other body: <body> is its credit code in lower case (the first 18 characters of")
        out("  its items' 实施编码),")
        out("  e.g. 12420624xxxxxxxxxx-officer-1; its TOTP code:")
        out("    " + BODY_TOTP_HINT.format(username="USERNAME"))
        out("")
        client_id = queries.demo_client_id()
        if client_id:
            out(f"OIDC client {OIDC_CLIENT_NAME} (trusted, confidential), served at /demo/department/:")
            out(f"  client_id {client_id}; client_secret from the setting DEMO_RP_CLIENT_SECRET")
            out("  (the published demo default is in .env.example); redirect URIs:")
            for uri in OIDC_CLIENT_REDIRECTS:
                out(f"    {uri}")
            out(
                f"  open http://{host}:{port}/demo/department/ and sign in as a citizen above (SSO with the portal)"
            )
            out("")
        self._exchange(out, host, port)
        self._bundles(out, host, port)
        out(
            f"Annual evaluation 年度评估: http://{host}:{port}/insight/evaluation/ (schemes, as admin: /insight/evaluation/schemes/)"
        )
        out("")
        out("URLs:")
        for label, url in queries.demo_urls(host, port, guide_code=queries.licence_guide_code()):
            out(f"  {_pad(label, 30)}{url}")
        out("")

    def _exchange(self, out, host, port):
        """The data-sharing story's system (issue 12): its credentials and a curl to try."""
        from tongban.demo import exchange_story as story

        if not story.story_seeded():
            return
        base = f"http://{host}:{port}"
        out(f"Data sharing 数据共享: {story.SYSTEM_NAME} ({story.JIANGHAN}, client_credentials),")
        out(f"  granted {story.CODE} (法人库) by {story.JIANGXIA}, rate {story.RATE}:")
        out(f"  client_id {story.CLIENT_ID}  client_secret {story.CLIENT_SECRET}")
        code = story.company_credit_code() or "<credit code>"
        out("  get a token, then query 法人库 for 王芳's company (she sees it in 我的 → 数据使用记录):")
        out(
            f"    TOKEN=$(curl -s -u {story.CLIENT_ID}:{story.CLIENT_SECRET} -d grant_type=client_credentials \\"
        )
        out(
            f"      -d scope=api {base}/o/token/ | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
        )
        out("    curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\")
        out(
            f'      -d \'{{"purpose": "{story.PURPOSE}", "subject": "{code}", '
            f'"fields": ["name", "status"]}}\' {base}/exchange/v1/services/{story.CODE}/query'
        )
        out(
            f"  a second request, adding {story.OUTSIDE_FIELD}, waits: sign in as {story.PROVIDER_ADMIN}, open"
        )
        out(f"    {base}/exchange/workbench/requests/ ; the call log: {base}/exchange/workbench/calls/")
        out("")

    def _bundles(self, out, host, port):
        """The one-thing bundles (issue 13): 王芳's in progress, 刘洋's completed and collected."""
        from tongban.demo import bundles_completed, bundles_submitted

        base = f"http://{host}:{port}"
        rows = []
        for key, what in (
            (
                "citizen_l2",
                "in progress: 设立登记 waits for 预审 (sign in as officer), five members wait for it",
            ),
            ("citizen_l3", "completed: five departments acted, collected in one pickup at the 综合窗口"),
        ):
            person, user = bundles_submitted.demo_citizen(key)
            number = bundles_completed.bundle_number(user)
            if number:
                rows.append((person, number, what))
        if not rows:
            return
        out(f"One-thing bundles 一事联办 (企业开办 at 江夏): {base}/bundles/")
        for person, number, what in rows:
            out(f"  {_pad(person.display_name, 8)}{person.mobile:<13} {number}  {what}")
            out(f"    {base}/bundles/applications/{number}/")
        names = ", ".join(acc.username for acc in BUNDLE_STAFF)
        out(f"  the member departments' officers: officer, deptadmin (设立登记), {names};")
        out(f"  the 综合窗口's pickup desk (as clerk): {base}/bundles/applications/window/")
        out("")
