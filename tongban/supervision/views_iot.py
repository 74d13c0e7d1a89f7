"""Pages of IoT supervision on the staff workbench (thin: reads through `queries_iot`).

- `/supervision/iot/sites/`: the sites of the staff member's department (every site for a
  platform administrator), with open alerts and the newest reading, and the worker's counts.
- `/supervision/iot/sites/<pk>/`: a site's live page: its devices with their last value and
  limit, the latest readings and alerts; the live part refreshes itself by htmx polling.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tongban.core.errors import NotFound

from . import iot, queries_iot
from . import permissions_iot as perms

REFRESH_SECONDS = 10


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404(perms.NOT_FOUND)
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def sites(request):
    rows = list(queries_iot.sites_for(request.user)[:200])
    counts = queries_iot.ingest_counts() if perms.is_platform_admin(request.user) else None
    return _private(render(request, "supervision/iot/sites.html", {"sites": rows, "counts": counts}))


@require_GET
@staff_required
def site(request, pk):
    try:
        obj = iot.access_site(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    context = {"site": obj, "refresh": REFRESH_SECONDS, **queries_iot.site_live(obj)}
    return _private(render(request, "supervision/iot/site.html", context))
