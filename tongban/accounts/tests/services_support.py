"""Builders for the service tests (test_services, test_login, test_queries): state is made
through the services, as a person or a clerk would make it."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import Model
from django.utils import timezone

from tongban.accounts import services
from tongban.accounts.models import User
from tongban.core.identifiers import make_credit_code, make_resident_id
from tongban.core.models import AuditEvent

SYSTEM = "system:test"
PASSWORD = "Tongban-svc-2026"
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄桂英", "周杰", "吴婷", "徐强", "孙丽")


@pytest.fixture(name="outbox_sms")
def outbox_sms_fixture(settings):
    """SMS into the cache outbox (read with gateways.outbox); yields `send(mobile, purpose)`,
    which runs the on-commit delivery that the test's transaction would otherwise hold back."""
    from django.core.cache import cache
    from django.test import TestCase

    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    cache.clear()

    def send(mobile_number: str, purpose: str = "login") -> str:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return services.do_send_sms_code(mobile=mobile_number, purpose=purpose)

    yield send
    cache.clear()


def id_number(n: int) -> str:
    return make_resident_id(random.Random(f"svc-{n}"), region="420106")


def mobile(n: int) -> str:
    return f"138{n:08d}"


def name(n: int) -> str:
    return NAMES[n % len(NAMES)]


def registered(n: int) -> None:
    """Put person n into the population register (人口库)."""
    services.do_upsert_population_record(actor=SYSTEM, name=name(n), id_number=id_number(n))


def person(n: int, *, level: int = 1, with_password: bool = True) -> User:
    registered(n)
    user = services.do_register_person(actor=None, mobile=mobile(n), password=PASSWORD, display_name=name(n))
    if level >= 2:
        user = services.do_verify_real_name(actor=user, user=user, name=name(n), id_number=id_number(n))
    return user


def staff(username: str, *roles: str, department_id: int | None = None) -> User:
    return services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password=PASSWORD,
        display_name=username,
        roles=list(roles),
        department_id=department_id,
        totp_secret="JBSWY3DPEHPK3PXP" + "A" * 16,
    )


def enterprise_for(rep: User, n: int, *, seed: int = 1):
    """A legal-person register record naming person n (`rep`) and rep's claimed mandate."""
    code = make_credit_code(random.Random(f"ent-{seed}"), region="420106", kind="91")
    services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=code,
        name=f"武汉测试{seed}商贸有限公司",
        kind="enterprise",
        legal_rep_name=rep.display_name,
        legal_rep_id_number=id_number(n),
    )
    return services.do_claim_legal_person(actor=rep, credit_code=code)


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def audit_actions(since: int = 0) -> list[str]:
    return list(AuditEvent.objects.filter(seq__gt=since).order_by("seq").values_list("action", flat=True))


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def snapshot(*objs: Model) -> list[dict]:
    """Every column of the given rows, re-read from the database."""
    return [type(o).objects.filter(pk=o.pk).values().get() for o in objs]
