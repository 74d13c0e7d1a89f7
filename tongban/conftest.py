"""Project-wide test set-up."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many accounts; the production hasher's cost is tested by Django itself."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "tongban.accounts.hashers.ClientSecretHasher",  # OIDC client secrets, as in production
    ]


@pytest.fixture(scope="module")
def browser():
    """One real Chromium per test module (see tongban/browsertest.py)."""
    from tongban.browsertest import launch

    with launch() as b:
        yield b
