"""Project-wide test set-up."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many accounts; the production hasher's cost is tested by Django itself."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "tongban.accounts.hashers.ClientSecretHasher",  # OIDC client secrets, as in production
    ]


@pytest.fixture(autouse=True)
def _own_audit_anchor_file(settings, tmp_path):
    """Each test's audit chain (in its own database) gets its own anchor file, never var/'s."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"


@pytest.fixture(autouse=True)
def _fresh_calendar_snapshots():
    """Each test's database starts over (its transaction is rolled back, which bumps no version):
    no calendar snapshot may survive from the test before."""
    from tongban.core import workdays

    workdays.changed()
    yield


@pytest.fixture(scope="module")
def browser():
    """One real Chromium per test module (see tongban/browsertest.py)."""
    from tongban.browsertest import launch

    with launch() as b:
        yield b
