"""`manage.py identity register-client|rotate-secret|rotate-key`: the OpenID Provider's admin tasks.

    manage.py identity register-client --name NAME --redirect-uri URI [--redirect-uri URI ...]
        [--department ID_OR_CREDIT_CODE] [--scopes "openid profile acting"] [--trusted]
        [--grant-type authorization_code|client_credentials] [--post-logout-redirect-uri URI]
        [--description TEXT] [--contact NAME] [--actor USERNAME] [--json]
    manage.py identity rotate-secret CLIENT_ID [--actor USERNAME] [--json]
    manage.py identity rotate-key [--actor USERNAME]

The client secret is printed once: it is stored hashed and cannot be shown again.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tongban.accounts import clients, oidc
from tongban.core.errors import DomainError

DEFAULT_ACTOR = "system:cli"


class Command(BaseCommand):
    help = "OpenID Provider administration: register department systems, rotate secrets and keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reg = sub.add_parser("register-client", help="register a department system (prints its secret once)")
        reg.add_argument("--name", required=True)
        reg.add_argument("--department", default="", help="department id or unified social credit code")
        reg.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris")
        reg.add_argument(
            "--post-logout-redirect-uri", action="append", default=[], dest="post_logout_redirect_uris"
        )
        reg.add_argument("--scopes", default="openid profile", help='space-separated, e.g. "openid profile"')
        reg.add_argument(
            "--grant-type",
            default="authorization_code",
            choices=sorted(clients.GRANT_TYPES),
            dest="grant_type",
        )
        reg.add_argument("--trusted", action="store_true", help="first-party system: skip the consent page")
        reg.add_argument("--description", default="")
        reg.add_argument("--contact", default="")
        reg.add_argument("--actor", default=DEFAULT_ACTOR)
        reg.add_argument("--json", action="store_true", dest="as_json", help="print the result as JSON")
        rot = sub.add_parser("rotate-secret", help="replace a client's secret (prints the new one once)")
        rot.add_argument("client_id")
        rot.add_argument("--actor", default=DEFAULT_ACTOR)
        rot.add_argument("--json", action="store_true", dest="as_json")
        key = sub.add_parser("rotate-key", help="new ID-token signing key; the old one stays published")
        key.add_argument("--actor", default=DEFAULT_ACTOR)

    def handle(self, *args, action, **opts):
        try:
            getattr(self, "do_" + action.replace("-", "_"))(actor=self._actor(opts.pop("actor")), **opts)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _actor(self, name: str):
        if name.startswith("system:"):
            return name
        user = get_user_model()._default_manager.filter(username=name).first()
        if user is None or not user.is_active:
            raise CommandError(f"actor：用户 {name} 不存在或已停用")
        return user

    def _print_client(self, registered: clients.RegisteredClient, as_json: bool) -> None:
        c = registered.client
        data = {
            "client_id": c.client_id,
            "client_secret": registered.secret,
            "name": c.name,
            "grant_type": c.authorization_grant_type,
            "redirect_uris": c.redirect_uris.split(),
            "allowed_scopes": c.allowed_scopes.split(),
            "trusted": c.skip_authorization,
        }
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        for k, v in data.items():
            self.stdout.write(f"{k}: {' '.join(v) if isinstance(v, list) else v}")
        self.stdout.write("请立即保存 client_secret：平台只保存其摘要，之后无法再次显示。")

    def do_register_client(self, *, actor, department, grant_type, as_json: bool, **opts):
        registered = clients.do_register_client(
            actor=actor,
            department_id=department or None,
            grant_types=[grant_type],
            name=opts["name"],
            redirect_uris=opts["redirect_uris"],
            post_logout_redirect_uris=opts["post_logout_redirect_uris"],
            allowed_scopes=opts["scopes"],
            trusted=opts["trusted"],
            description=opts["description"],
            contact=opts["contact"],
        )
        self._print_client(registered, as_json)

    def do_rotate_secret(self, *, actor, client_id, as_json: bool, **_):
        self._print_client(clients.do_rotate_client_secret(actor=actor, client_id=client_id), as_json)

    def do_rotate_key(self, *, actor, **_):
        key = oidc.do_rotate_signing_key(actor=actor)
        self.stdout.write(f"新签名密钥已启用：kid={key.kid}；旧密钥在宽限期内仍发布于 JWKS。")
