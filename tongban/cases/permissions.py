"""Who may call the cases API (the authentication itself is `tongban.apiauth`, shared by the
apps' APIs): people and staff with their session (CSRF-checked on unsafe methods), department
systems with a client_credentials bearer token carrying the `api` scope.

A department system becomes a `services.SystemActor` of its client's department; the services
let it act on that department's cases only. Which case a caller may see or change is decided in
the services (`access_case`, `require_*`), not here.
"""

from __future__ import annotations

from tongban.apiauth import bearer, session
from tongban.core.errors import Forbidden

from . import services

PEOPLE = [session]
STAFF = [session]
STAFF_OR_SYSTEM = [bearer, session]


def staff_actor(request):
    """The officer or department system calling a back-office endpoint (403 for anyone else)."""
    actor = request.auth
    if isinstance(actor, services.SystemActor) or getattr(actor, "is_staff", False):
        return actor
    raise Forbidden("只有工作人员或部门业务系统可以进行此操作")
