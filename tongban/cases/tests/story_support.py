"""What the story tests share: the demo data (`seed demo`) and its accounts, and in a real
Chromium, pages at our viewports and signing in as a citizen or as staff (password, then TOTP)."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from tongban import dbsnapshot
from tongban.browsertest import VIEWPORTS, watch
from tongban.cases import clock
from tongban.core.crypto import blind_index
from tongban.demo.data.accounts import DEMO_PASSWORD, STAFF

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"

# --- The demo data ------------------------------------------------------------------------------


# One seeded demo per test run and "today" (its cases are dated by the clock): a database snapshot,
# a copy of its media files and what the seed printed, restored into an empty database
# (tongban/dbsnapshot.py). Kept in this process and, for the other processes of the run
# (pytest-xdist's workers), in the run's shared folder (`TONGBAN_TEST_SHARED`,
# tongban/conftest.py), where the first process to need it seeds it while the others wait on its
# lock.
@dataclass
class Seeded:
    snapshot: dbsnapshot.Snapshot
    media: Path
    report: str


_SEEDED: dict[tuple, Seeded] = {}


def seed_demo(media_root) -> str:
    """`seed demo` with the tests' fast password hasher first (the other configured hashers stay
    behind it: the OIDC client secret may use one), its materials under `media_root`; what the
    seed printed.

    The first seed in a test run is snapshotted; a later call into an empty database outside a
    transaction, in this process or another of the run, gets the same rows and files back
    instead of seeding again."""
    from django.db import connection

    key = (connection.vendor, clock.today())
    ours = [m for m in apps.get_models() if m.__module__.startswith("tongban.")]  # not content types
    if not dbsnapshot.available() or any(m.objects.exists() for m in ours):
        return _seed(media_root)  # inside a transaction, or onto rows of the test's own
    if key in _SEEDED:
        return _restore(_SEEDED[key], media_root)
    shared = os.environ.get("TONGBAN_TEST_SHARED")
    if not shared:
        _SEEDED[key] = _keep(_seed(media_root), media_root)
        return _SEEDED[key].report
    stem = Path(shared) / "demo-{}-{}".format(*key)
    with open(f"{stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if Path(f"{stem}.done").exists():  # another process of the run seeded it
            report = Path(f"{stem}.report").read_text(encoding="utf-8")
            _SEEDED[key] = Seeded(dbsnapshot.load(f"{stem}.snapshot", key[0]), Path(f"{stem}-media"), report)
            return _restore(_SEEDED[key], media_root)
        seeded = _SEEDED[key] = _keep(_seed(media_root), media_root)
        dbsnapshot.save(seeded.snapshot, f"{stem}.snapshot")
        shutil.copytree(seeded.media, f"{stem}-media", dirs_exist_ok=True)
        Path(f"{stem}.report").write_text(seeded.report, encoding="utf-8")
        Path(f"{stem}.done").touch()
        return seeded.report


def _seed(media_root) -> str:
    hashers = [FAST_HASHER, *settings.PASSWORD_HASHERS]
    out = StringIO()
    with override_settings(PASSWORD_HASHERS=hashers, MEDIA_ROOT=str(media_root)):
        call_command("seed", "demo", stdout=out)
    return out.getvalue()


def _keep(report: str, media_root) -> Seeded:
    media = Path(tempfile.mkdtemp(prefix="tongban-demo-media-"))
    shutil.copytree(media_root, media, dirs_exist_ok=True)
    return Seeded(dbsnapshot.take(), media, report)


def _restore(seeded: Seeded, media_root) -> str:
    dbsnapshot.restore(seeded.snapshot)
    shutil.copytree(seeded.media, media_root, dirs_exist_ok=True)
    return seeded.report


@contextmanager
def demo_for_module(django_db_blocker, media_root):
    """The seeded demo, committed, for a module's tests (`seed_demo`: restored when the run has
    seeded it already), and what its seed printed; each test's own writes roll back as usual,
    and the database is flushed when the module is done, for the modules after it."""
    with django_db_blocker.unblock():
        report = seed_demo(media_root)
    try:
        yield report
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def demo_person(mobile: str):
    """A demo citizen by mobile number (their usernames are random)."""
    return get_user_model().objects.get(mobile_index=blind_index(mobile, purpose="mobile"))


def demo_staff(username: str):
    """A demo staff account (tongban/demo/data/accounts.py) by username."""
    return get_user_model().objects.get(username=username, is_staff=True)


# --- In the browser -----------------------------------------------------------------------------


def open_page(browser, viewport: str, cookies=()):
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    if cookies:
        context.add_cookies(list(cookies))
    page = watch(context.new_page())
    return context, page


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def sign_in(page, base_url: str, identifier: str, password: str, next_path: str = "") -> None:
    """The password form of /accounts/login/ (a mobile number, an ID number or a username)."""
    page.goto(base_url + "/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.locator("#identifier").fill(identifier)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    page.wait_for_load_state()


def sign_in_staff(page, base_url: str, username: str, next_path: str = "/workbench/cases/") -> None:
    """A demo staff member: username and the demo password, then the code of their published
    TOTP secret on the second-factor page (the staff of an implementing body, such as
    `limiao-officer-1`, have theirs from `body_totp_secret`)."""
    import pyotp

    from tongban.demo.data.accounts import body_totp_secret

    secret = next((acc.totp_secret for acc in STAFF if acc.username == username), None)
    secret = secret or body_totp_secret(username)
    sign_in(page, base_url, username, DEMO_PASSWORD, next_path)
    page.wait_for_url("**/accounts/login/totp/**")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("#code").press("Enter")
    page.wait_for_url(f"**{next_path}")


def provide_materials(page, item, content: bytes, *, skip=()) -> None:
    """Every required material of `item` as the apply form asks for it: a PDF where it has a file
    input, the box ticked for a commitment signed online (`c_<id>`); what the platform supplies
    (免提交, the generated 申请表) has neither and is left alone. `skip`: material ids not to give."""
    from tongban.catalog.enums import MaterialRequirement

    for m in item.materials.filter(requirement=MaterialRequirement.REQUIRED).order_by("order", "id"):
        if m.pk in skip:
            continue
        if page.locator(f"#m_{m.pk}").count():
            page.locator(f"#m_{m.pk}").set_input_files(
                {"name": f"{m.name}.pdf", "mimeType": "application/pdf", "buffer": content}
            )
        elif page.locator(f"#c_{m.pk}").count():
            page.locator(f"#c_{m.pk}").check()


def sign_step(page, comment: str) -> None:
    """On the workbench case page: take the active approval step with 同意 and a comment."""
    page.locator("#act-step summary").click()
    page.locator("#act-step").get_by_label("同意", exact=True).check()
    page.locator("#act-step").get_by_label("意见说明").fill(comment)
    # Wait for the answer's page, not the current one (load state alone returns at once, and a
    # screenshot taken mid-navigation fails).
    with page.expect_navigation():
        page.locator("#act-step button[type=submit]").click()
    page.wait_for_load_state()


def fill_sole_trader_form(page, answers: dict, *, phone: str) -> None:
    """The 个体工商户设立登记 form's own fields (demo/data/forms.py) from `answers` (name, 字号,
    经营范围), 个人经营 with 5万元 and 2 people, and the contact phone."""
    page.locator("#f-contact_phone").fill(phone)
    page.locator("#f-enterprise_name").fill(answers["enterprise_name"])
    page.locator("#f-trade_name").fill(answers["trade_name"])
    page.locator("#f-composition").select_option("个人经营")
    page.locator("#f-business_scope").fill(answers["business_scope"])
    page.locator("#f-capital").fill("5")
    page.locator("#f-employees").fill("2")
