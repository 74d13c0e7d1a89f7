"""Project-wide test set-up."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many accounts; the production hasher's cost is tested by Django itself."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "tongban.accounts.hashers.ClientSecretHasher",  # OIDC client secrets, as in production
    ]
