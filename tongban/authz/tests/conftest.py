"""The matrix's world, built once per module inside a transaction that is rolled back at the
end; each cell runs in its own savepoint (pytest-django's `db`), so what a cell writes is gone
before the next one."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction
from django.test.utils import override_settings

from tongban.conftest import clear_rate_limits
from tongban.demo.tests.test_rp import CLIENT_ID, CLIENT_SECRET

from .world import build, pin_today, platform_over_http


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from tongban.catalog.testing import ensure_regions

    media = tmp_path_factory.mktemp("authz-media")
    patch = pytest.MonkeyPatch()
    settings = override_settings(
        MEDIA_ROOT=str(media),
        SMS_GATEWAY="tongban.accounts.gateways.OutboxSmsGateway",
        DEMO_RP_ISSUER="",
        DEMO_RP_CLIENT_ID=CLIENT_ID,
        DEMO_RP_CLIENT_SECRET=CLIENT_SECRET,
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "tongban.accounts.hashers.ClientSecretHasher",
        ],
    )
    settings.enable()
    # Refusals are what most cells expect: Django logs each 4xx with its traceback, which costs
    # more than the request. Server errors are still logged (and every cell asserts none).
    request_log = logging.getLogger("django.request")
    request_log_level = request_log.level
    request_log.setLevel(logging.ERROR)
    pin_today(patch)
    platform_over_http(patch)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            ensure_regions()
            yield build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            patch.undo()
            settings.disable()
            request_log.setLevel(request_log_level)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(world, settings):
    """As the project's (tongban/conftest.py: every cell starts with no rate-limit counts), but
    the cache keys the world keeps (`World.cache_kept`: the evaluation report's PDF, which
    WeasyPrint takes seconds to render) outlive each cell: every cell reads the same run, and the
    matrix tests who may read it, not the rendering (tongban/insight/tests do)."""
    clear_rate_limits(settings, keep=world.cache_kept)
    yield
