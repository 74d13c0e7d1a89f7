"""Issue 10 §6: no shipped keys; generated installation keys outside production; production
refuses missing, generated or published keys (`check --deploy`, the WSGI start-up)."""

from __future__ import annotations

import multiprocessing
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tongban.core import keyfile

KEY_NAMES = ("SECRET_KEY", "PERSONAL_DATA_KEY", "BLIND_INDEX_KEY", "KEY_ENCRYPTION_KEY", "AUDIT_ANCHOR_KEY")
# What earlier releases shipped as defaults: public values a server must refuse.
PUBLISHED = {
    "SECRET_KEY": "tongban-insecure-development-key-change-me-in-production",
    "PERSONAL_DATA_KEY": "0123456789abcdeffedcba9876543210",
    "BLIND_INDEX_KEY": "6c6f6f6b7570732d6f6e6c792d6e6f742d7468652d646174612d6b65792d3031",
}


def fresh_keys() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PERSONAL_DATA_KEY": secrets.token_hex(16),
        "PERSONAL_DATA_KEY_ID": "pd-test",
        "BLIND_INDEX_KEY": secrets.token_hex(32),
        "KEY_ENCRYPTION_KEY": secrets.token_hex(16),
        "KEY_ENCRYPTION_KEY_ID": "kek-test",
        "AUDIT_ANCHOR_KEY": secrets.token_hex(32),
    }


def run(args: list[str], tmp_path, **env_values) -> subprocess.CompletedProcess:
    """Run a Python command in a clean process: no key in its environment but `env_values`, and
    its generated key file (if any) under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_KEY", "_KEY_ID", "_KEYS_OLD"))}
    env.pop("TONGBAN_ENV", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    env.update(
        DJANGO_SETTINGS_MODULE="tongban.settings",
        TONGBAN_KEYS_FILE=str(tmp_path / "keys.env"),
        **env_values,
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_no_key_constant_ships_in_settings_or_the_example():
    for name in ("tongban/settings.py", ".env.example"):
        text = (settings.BASE_DIR / name).read_text()
        assert not re.search(r"[0-9a-fA-F]{32}", text), name
        for value in PUBLISHED.values():
            assert value not in text, name
        for key in KEY_NAMES:
            assert not re.search(rf"^\s*#?\s*{key}=\S", text, re.M), (name, key)


def test_check_deploy_fails_with_the_shipped_default_keys(tmp_path):
    done = run(["manage.py", "check", "--deploy"], tmp_path, **PUBLISHED)
    assert done.returncode != 0
    for name in PUBLISHED:
        assert f"(tongban.E001) {name} is a published default" in done.stderr


def test_check_deploy_fails_with_generated_keys_naming_each(tmp_path):
    done = run(["manage.py", "check", "--deploy"], tmp_path)
    assert done.returncode != 0
    for name in KEY_NAMES:
        assert (
            f"(tongban.E001) {name} is a development key generated in {tmp_path / 'keys.env'}" in done.stderr
        )


def test_a_non_production_server_says_it_runs_on_development_keys(tmp_path):
    done = run(["-c", "import tongban.wsgi"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Serving with development keys (SECRET_KEY, PERSONAL_DATA_KEY," in done.stderr


def test_check_deploy_passes_the_keys_with_every_key_set(tmp_path):
    done = run(["manage.py", "check", "--deploy", "--fail-level", "ERROR"], tmp_path, **fresh_keys())
    assert done.returncode == 0, done.stderr
    assert "tongban.E001" not in done.stderr
    assert not (tmp_path / "keys.env").exists()  # nothing generated when the environment has them


def test_production_refuses_to_serve_with_missing_keys(tmp_path):
    keys = fresh_keys()
    del keys["KEY_ENCRYPTION_KEY"], keys["AUDIT_ANCHOR_KEY"]
    done = run(["-c", "import tongban.wsgi"], tmp_path, TONGBAN_ENV="production", **keys)
    assert done.returncode != 0
    assert "refuses to serve in production" in done.stderr
    assert "KEY_ENCRYPTION_KEY is missing" in done.stderr and "AUDIT_ANCHOR_KEY is missing" in done.stderr
    assert "PERSONAL_DATA_KEY is" not in done.stderr
    assert not (tmp_path / "keys.env").exists()  # production never generates keys
    # Every management command refuses too (the untagged check), naming the key.
    done = run(["manage.py", "check"], tmp_path, TONGBAN_ENV="production", **keys)
    assert done.returncode != 0 and "KEY_ENCRYPTION_KEY is missing" in done.stderr


def test_production_refuses_published_keys_and_serves_with_proper_ones(tmp_path):
    keys = fresh_keys()
    done = run(["-c", "import tongban.wsgi"], tmp_path, TONGBAN_ENV="production", **{**keys, **PUBLISHED})
    assert done.returncode != 0 and "SECRET_KEY is a published default" in done.stderr
    done = run(["-c", "import tongban.wsgi; print('serving')"], tmp_path, TONGBAN_ENV="production", **keys)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "serving"


def test_generated_keys_are_private_and_reused(tmp_path):
    path = tmp_path / "var" / "keys.env"
    first = keyfile.load_or_create(path)
    assert set(first) == set(keyfile.GENERATORS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keyfile.load_or_create(path) == first  # a second start reuses them
    assert not list(path.parent.glob(".keys-*"))  # no temporary file left behind


def _load(path: str, queue) -> None:
    queue.put(keyfile.load_or_create(Path(path)))


def test_processes_starting_at_once_agree_on_the_keys(tmp_path):
    path = tmp_path / "keys.env"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_load, args=(str(path), queue)) for _ in range(6)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(r == results[0] for r in results)
    assert keyfile.parse(path.read_text()) == results[0]


def test_the_demo_and_the_tests_run_on_this_installations_generated_keys():
    for name in KEY_NAMES:
        assert settings.KEY_SOURCES[name] in ("generated", "environment")
        assert not keyfile.is_published(getattr(settings, name))
