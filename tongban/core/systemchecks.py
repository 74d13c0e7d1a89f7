"""Django system checks of the platform's keys (密钥检查).

A key is unsafe when it is missing, generated for this installation (var/keys.env: fine for the
demo and the tests, never for production), published (a default an earlier release shipped), or
malformed. `manage.py check --deploy` fails on any unsafe key, naming each one (`tongban.E001`);
with `TONGBAN_ENV=production` every command fails the same way (the check runs untagged), and
`tongban/wsgi.py` refuses to serve (`refuse_unsafe_keys`).
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import keyfile

# What a well-formed value of each key looks like.
_FORMATS = {
    "SECRET_KEY": (re.compile(r"^.{50,}$", re.S), "at least 50 characters"),
    "PERSONAL_DATA_KEY": (re.compile(r"^[0-9a-fA-F]{32}$"), "32 hex digits (SM4, 16 bytes)"),
    "KEY_ENCRYPTION_KEY": (re.compile(r"^[0-9a-fA-F]{32}$"), "32 hex digits (SM4, 16 bytes)"),
    "BLIND_INDEX_KEY": (re.compile(r"^[0-9a-fA-F]{64}$"), "64 hex digits (HMAC-SM3, 32 bytes)"),
    "AUDIT_ANCHOR_KEY": (re.compile(r"^[0-9a-fA-F]{64,}$"), "at least 64 hex digits (HMAC-SM3)"),
}


def _value(name: str) -> str:
    try:
        return getattr(settings, name, "") or ""
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        return ""


def key_problems() -> list[tuple[str, str]]:
    """(key name, what is wrong) for every unsafe key; empty when all are fit for production."""
    sources = getattr(settings, "KEY_SOURCES", {})
    problems = []
    for name in keyfile.SECRET_NAMES:
        value = _value(name)
        pattern, shape = _FORMATS[name]
        if not value or sources.get(name) == "missing":
            problems.append((name, "is missing: set it in the environment"))
        elif sources.get(name) == "generated":
            problems.append((name, f"is a development key generated in {settings.KEYS_FILE}"))
        elif keyfile.is_published(value):
            problems.append((name, "is a published default: anyone can read it"))
        elif not pattern.match(value):
            problems.append((name, f"is malformed: expected {shape}"))
    return problems


def _errors() -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{name} {problem}.",
            hint="Set every key in the environment (see .env.example); `manage.py keys generate` prints a fresh set.",
            id="tongban.E001",
        )
        for name, problem in key_problems()
    ]


@checks.register(checks.Tags.security, deploy=True)
def keys_fit_for_deployment(app_configs, **kwargs):
    return _errors()


@checks.register(checks.Tags.security)
def keys_fit_for_production(app_configs, **kwargs):
    """In production (TONGBAN_ENV=production) every command refuses unsafe keys."""
    if getattr(settings, "TONGBAN_ENV", "") != keyfile.PRODUCTION:
        return []
    return _errors()


def refuse_unsafe_keys() -> None:
    """Called by tongban/wsgi.py: in production, refuse to serve with unsafe keys; elsewhere
    (the demo, development) say once that the server runs on development keys."""
    problems = key_problems()
    if getattr(settings, "TONGBAN_ENV", "") != keyfile.PRODUCTION:
        if problems:
            logging.getLogger("tongban.keys").warning(
                "Serving with development keys (%s): not for production (TONGBAN_ENV=production).",
                ", ".join(name for name, _ in problems),
            )
        return
    if problems:
        raise ImproperlyConfigured(
            "tongban refuses to serve in production with unsafe keys: "
            + "; ".join(f"{name} {problem}" for name, problem in problems)
        )
