"""Fixtures for cases: Hubei's regions (once per module), the 2026 calendar, a department with
officers, a published item with two materials, and a citizen."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tongban.accounts import services as account_services
from tongban.catalog.testing import SYSTEM, make_basic_item, make_department, make_item
from tongban.core import services as core_services
from tongban.core.models import AuditEvent

from .. import clock, services
from ..models import Case, CaseEvent, CaseMaterial, CaseStep, ClockPause, StagedFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def day(monkeypatch):
    """Set "today" for the case services: day("2026-09-29")."""

    def set_day(value: str) -> dt.date:
        d = dt.date.fromisoformat(value)
        monkeypatch.setattr(clock, "today", lambda: d)
        return d

    set_day("2026-09-29")
    return set_day


def staff(username: str, *roles: str, department=None):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=department.pk if department else None,
    )


def citizen(n: int = 1, name: str = "张三"):
    return account_services.do_register_person(
        actor=SYSTEM, mobile=f"1390000{n:04d}", password="Str0ng-pass-2026", display_name=name
    )


def upload(material, content: bytes = PDF, content_type: str = "application/pdf") -> services.Upload:
    return services.Upload(
        material_id=material.pk, name=material.name, content=content, content_type=content_type
    )


def as_user(user) -> Client:
    """A test client signed in as `user` (staff sign-in with TOTP is tested in accounts)."""
    client = Client()
    client.force_login(user)
    return client


def staged_only(before: dict[str, int], files: int) -> bool:
    """Nothing changed but `files` files staged with the draft (one audit event when any)."""
    after = counts()
    return StagedFile.objects.count() == files and after == {**before, "audit": before["audit"] + bool(files)}


def counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "materials": CaseMaterial.objects.count(),
        "steps": CaseStep.objects.count(),
        "pauses": ClockPause.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


FORM = {
    "applicant_name": "张三",
    "contact_name": "张三",
    "contact_phone": "13900000001",
    "request": "申请办理",
}


@pytest.fixture
def world(db, regions_loaded, settings, tmp_path, day):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    dept = make_department(region="420100", name="武汉市市场监督管理局")
    hall = make_department(region="420100", name="武汉市政务服务中心")
    basic = make_basic_item(name="食品经营许可")
    item = make_item(dept, basic, promised_limit=5, statutory_limit=20, popularity=10)
    materials = list(item.materials.order_by("order", "id"))
    return {
        "dept": dept,
        "item": item,
        "materials": materials,
        "officer": staff("officer", "approving_officer", department=dept),
        "officer2": staff("officer2", "approving_officer", department=dept),
        "head": staff("head", "department_admin", department=dept),
        "clerk": staff("clerk", "window_clerk", department=hall),
        "outsider": staff("outsider", "approving_officer", department=make_department(region="420200")),
        "citizen": citizen(1),
    }


def submit(world, **kw):
    return services.do_submit(
        actor=kw.pop("actor", world["citizen"]),
        item_code=world["item"].code,
        data=kw.pop("data", FORM),
        uploads=kw.pop("uploads", [upload(m) for m in world["materials"]]),
        **kw,
    )


@pytest.fixture
def english(settings, tmp_path_factory):
    """The English catalogue compiled from tongban/locale's .po for this test (a stale or missing
    .mo, which `make setup` compiles and git ignores, does not decide the result)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext (msgfmt) is not installed: make system-deps")
    root = tmp_path_factory.mktemp("locale")
    (root / "en" / "LC_MESSAGES").mkdir(parents=True)
    po = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
    subprocess.run(  # noqa: S603 - gettext's msgfmt on our own catalogue
        [msgfmt, "--check", "-o", str(root / "en" / "LC_MESSAGES" / "django.mo"), str(po)], check=True
    )
    settings.LOCALE_PATHS = [root]
    return po


WINDOW_MATERIALS = [
    {"name": "申请书", "originals": 1, "copies": 0},
    {"name": "经营场所平面图", "originals": 1, "copies": 0, "requirement": "deferrable"},
    {"name": "近期照片", "originals": 0, "copies": 1, "requirement": "optional"},
]


def window_item(world):
    """An item of the world's department with an essential, a 容缺后补 (deferrable) and an
    optional material, in that order."""
    item = make_item(world["dept"], make_basic_item(name="药品零售许可"), materials=WINDOW_MATERIALS)
    return item, list(item.materials.order_by("order", "id"))
