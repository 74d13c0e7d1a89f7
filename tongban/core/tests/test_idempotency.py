"""The one idempotency store (`core.idempotency`): every state-changing POST form in every
template carries a one-time token and posts to a view that consumes it, a new form without one
fails here; keys are purged after the retry window.

The behaviour of each door is tested where it is used (cases, accounts, catalog, licences
`tests/test_retries.py`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tongban.core import idempotency
from tongban.core.models import IdempotentRequest

ROOT = Path(settings.BASE_DIR) / "tongban"

# POST forms that need no token, and why. Keyed by the URL name of the form's action (or, for a
# form posting to its own page, the template).
EXEMPT = {
    "set_language": "a preference; the same again changes nothing",
    "portal:display": "a preference",
    "portal:region": "a preference",
    "accounts:logout": "signing out twice is signing out",
    "accounts:login": "sign-in has its own limits (lockout), no write to repeat",
    "accounts:send_code": "SMS codes have their own per-number limits",
    "accounts:signup": "a mobile number registers once (unique), a second sign-up is refused",
    "accounts:verify": "real-name verification of oneself: the same answer again, rate-limited",
    "accounts:claim": "a legal person is claimed once (unique mandate)",
    "accounts:email": "a confirmation code works once",
    "accounts:remove_email": "removing twice is removing",
    "accounts:acting": "a session preference",
    "accounts:end_session": "ending twice is ending",
    "accounts:revoke_mandate": "revoking twice is revoking (the service refuses the second)",
    "accounts:revoke_consent": "revoking twice is revoking (the service refuses the second)",
    "cases:mark_read": "marking read twice is marking read",
    "cases:progress": "办件进度查询: a lookup that writes nothing (rate-limited)",
    "identity:find": "a lookup (audited each time it is made)",
    "workbench_cases:window_find": "a lookup (audited each time it is made)",
    "workbench_cases:window_clear": "clears the session's applicant",
    "demo_rp:logout": "the demo relying party's own sign-out",
    "demo_rp:local_signout": "the demo relying party's own sign-out",
    "accounts/totp.html": "a one-time password is itself single-use",
    "accounts/totp_enrol.html": "a one-time password is itself single-use",
    "oauth2_provider/tongban_authorize.html": "the OAuth consent (its code is single-use)",
    "oauth2_provider/tongban_logout_confirm.html": "signing out",
}
# Forms that post to their own page: the view behind that page.
SELF_POSTING = {
    "catalog/import.html": "catalog:import",
    "catalog/item_edit.html": "catalog:item_edit",
    "cases/apply.html": "cases:apply",
    "exchange/catalogue/entry_form.html": "exchange:wb_entry_edit",  # and wb_entry_new, decorated alike
    "exchange/catalogue/mount.html": "exchange:wb_mount",
    "exchange/grants/request_new.html": "exchange:request_new",
    "openness/public/penalty_workbench.html": "openness:penalty_workbench",
    "openness/policies/form.html": "openness:wb_policy_edit",  # and wb_policy_new, decorated alike
    "openness/policies/interpretations.html": "openness:wb_interpretations",
    "openness/policies/attachments.html": "openness:wb_attachments",
    "openness/policies/links.html": "openness:wb_links",
    "openness/policies/secrecy.html": "openness:wb_secrecy",
    "openness/policies/repeal.html": "openness:wb_policy_repeal",
    "openness/disclosure/wb_concern.html": "openness:wb_concern",  # and wb_concern_new, decorated alike
    "supervision/core/entity.html": "supervision:entity",
    "supervision/core/rules.html": "supervision:rules",
    "supervision/core/rule.html": "supervision:rule",
    "supervision/core/alert.html": "supervision:alert",
    "supervision/core/tasks.html": "supervision:tasks",
    "supervision/core/task.html": "supervision:task",
}


def post_forms():
    """(template name, action URL name or '', has token) for every POST form of every template."""
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        name = str(path).split("/templates/", 1)[1]
        text = path.read_text()
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
            head = form[: form.index(">") + 1]
            if not re.search(r'method="post"', head, flags=re.I):
                continue
            action = re.search(r"action=\"\{% url '([^']+)'", head)
            yield name, action.group(1) if action else "", "{% once_field %}" in form


def views_by_name() -> dict[str, object]:
    found: dict[str, object] = {}

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name:
                found.setdefault(prefix + p.name, p.callback)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_state_changing_post_form_carries_a_one_time_token_its_view_consumes():
    views = views_by_name()
    missing, unguarded, checked = [], [], 0
    for template, action, has_token in post_forms():
        if not has_token:
            if (action or template) not in EXEMPT:
                missing.append(f"{template} → {action or '(its own page)'}")
            continue
        name = action or SELF_POSTING.get(template, "")
        view = views.get(name)
        checked += 1
        if view is None or not getattr(view, "once_per_form", False):
            unguarded.append(f"{template} → {name or '?'}")
    assert missing == [], "POST forms without {% once_field %} (add it, or list them in EXEMPT with why)"
    assert unguarded == [], "forms with a token whose view is not @once_per_form"
    assert checked >= 20  # the scan finds the forms (21 when written)


def test_keys_older_than_the_retry_window_are_purged(db):
    old = IdempotentRequest.objects.create(actor="user:1", key="api:a", fingerprint="f", status=201)
    IdempotentRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    IdempotentRequest.objects.create(actor="user:1", key="api:b", fingerprint="f", status=201)
    assert idempotency.purge() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["api:b"]


@pytest.mark.parametrize("actor", [None, "system:client:abc"])
def test_the_actor_label_of_a_system_is_its_own(actor):
    class System:
        label = actor
        pk = None

    assert idempotency.actor_label(System()) == (actor or "")
