"""Administrators create staff for the bodies within their reach (issue 11): a department
administrator for their own department and the bodies under it, a platform administrator with a
department for its region's subtree, one without (and a superuser) for every body. Outside the
reach: 404, nothing written, the attempt audited. The new account gets a one-time initial
password and enrols its own TOTP at first sign-in."""

from __future__ import annotations

import random

import pytest
from django.test import Client

from tongban.accounts import queries, services
from tongban.accounts.models import User
from tongban.catalog.testing import make_department
from tongban.core import services as core_services
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.identifiers import make_credit_code

from .services_support import PASSWORD, audit_actions, last_seq, staff


@pytest.fixture
def bodies(db, regions_loaded):
    jiangxia = make_department(region="420115", name="江夏区行政审批局")
    centre = core_services.do_upsert_department(
        actor="test",
        name="江夏区纸坊街道便民服务中心",
        credit_code=make_credit_code(random.Random(7), region="420115", kind="12"),
        region_code="420115",
        kind="bureau",
        parent=jiangxia,
    )
    wuchang = make_department(region="420106", name="武昌区行政审批局")
    xiangyang = make_department(region="420600", name="襄阳市行政审批局")
    return {"jiangxia": jiangxia, "centre": centre, "wuchang": wuchang, "xiangyang": xiangyang}


def _create(actor, department, username="new.officer", roles=("approving_officer",)):
    return services.do_create_staff(
        actor=actor, department_id=department.pk, username=username, display_name="新同事", roles=list(roles)
    )


def test_a_department_administrator_creates_staff_for_their_department(bodies):
    admin = staff("dadmin", "department_admin", department_id=bodies["jiangxia"].pk)
    seq = last_seq()
    user, initial = _create(admin, bodies["jiangxia"])
    user = User.objects.get(pk=user.pk)
    assert (user.kind, user.is_staff, user.department_id) == ("staff", True, bodies["jiangxia"].pk)
    assert queries.role_names(user) == ["approving_officer"]
    assert len(initial) >= 16 and user.check_password(initial)
    assert not user.totp_secret_enc and user.totp_confirmed_at is None  # enrols at first sign-in
    assert audit_actions(seq) == ["accounts.staff.create"]
    # and for the body under their department (Department.parent)
    _create(admin, bodies["centre"], username="centre.clerk", roles=("window_clerk",))
    assert User.objects.get(username="centre.clerk").department_id == bodies["centre"].pk


def test_outside_the_reach_nothing_is_written(bodies):
    admin = staff("dadmin", "department_admin", department_id=bodies["jiangxia"].pk)
    users, seq = User.objects.count(), last_seq()
    with pytest.raises(NotFound):
        _create(admin, bodies["wuchang"])
    assert User.objects.count() == users
    assert audit_actions(seq) == ["accounts.staff.create_refused"]


def test_a_department_administrator_grants_no_platform_wide_role(bodies):
    admin = staff("dadmin", "department_admin", department_id=bodies["jiangxia"].pk)
    users = User.objects.count()
    with pytest.raises(InvalidInput) as exc:
        _create(admin, bodies["jiangxia"], roles=("inspector",))
    assert exc.value.message.startswith("roles：")
    assert User.objects.count() == users


def test_a_regional_platform_administrator_reaches_the_region_subtree(bodies):
    regional = staff("regional", "platform_admin", department_id=bodies["wuchang"].pk)  # 武汉市武昌区
    _create(regional, bodies["wuchang"], username="wuchang.officer")
    with pytest.raises(NotFound):
        _create(regional, bodies["xiangyang"], username="xy.officer")
    assert not User.objects.filter(username="xy.officer").exists()
    whole = staff("platform", "platform_admin")
    _create(whole, bodies["xiangyang"], username="xy.officer")
    assert User.objects.get(username="xy.officer").department_id == bodies["xiangyang"].pk
    assert set(queries.departments_in_reach(whole)) >= set(bodies.values())


def test_bad_input_names_the_field_and_writes_nothing(bodies):
    admin = staff("dadmin", "department_admin", department_id=bodies["jiangxia"].pk)
    staff("taken", "approving_officer", department_id=bodies["jiangxia"].pk)
    users = User.objects.count()
    for username, roles, field in (
        ("Bad Name", ["approving_officer"], "username"),
        ("taken", ["approving_officer"], "username"),
        ("fine.name", [], "roles"),
        ("fine.name", ["nonsense"], "roles"),
    ):
        with pytest.raises(InvalidInput) as exc:
            services.do_create_staff(
                actor=admin,
                department_id=bodies["jiangxia"].pk,
                username=username,
                display_name="新同事",
                roles=roles,
            )
        assert exc.value.message.startswith(field + "："), (username, roles)
    assert User.objects.count() == users


def test_the_page_searches_the_reach_and_shows_the_initial_password_once(bodies):
    admin = staff("dadmin", "department_admin", department_id=bodies["jiangxia"].pk)
    client = Client()
    client.force_login(admin)
    page = client.get("/workbench/identity/staff/new/?q=行政审批局").content.decode()
    assert "江夏区行政审批局" in page and "武昌区行政审批局" not in page
    response = client.post(
        "/workbench/identity/staff/new/",
        {
            "department": bodies["jiangxia"].pk,
            "username": "li.si",
            "display_name": "李四",
            "roles": ["approving_officer"],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "工作人员账号已创建" in html and "li.si" in html
    user = User.objects.get(username="li.si")
    initial = html.split('data-testid="initial-password">')[1].split("<")[0]
    assert user.check_password(initial)
    refused = client.post(
        "/workbench/identity/staff/new/",
        {
            "department": bodies["wuchang"].pk,
            "username": "zhang.san",
            "display_name": "张三",
            "roles": ["approving_officer"],
        },
    )
    assert refused.status_code == 404
    assert not User.objects.filter(username="zhang.san").exists()
    # the new person signs in with the initial password and is sent to enrol a TOTP authenticator
    assert PASSWORD  # (the other accounts' password; the new one has its own)


def test_bulk_creation_for_seeding_audits_each_and_skips_existing(bodies):
    from tongban.accounts.services import totp_secret

    staff("existing", "approving_officer", department_id=bodies["jiangxia"].pk)
    rows = [
        {
            "username": name,
            "display_name": name,
            "roles": roles,
            "department_id": bodies["jiangxia"].pk,
            "totp_secret": "JBSWY3DPEHPK3PXP" + "B" * 16,
        }
        for name, roles in (("existing", ["department_admin"]), ("bulk.a", ["approving_officer"]),
                            ("bulk.b", ["department_admin", "window_clerk"]))
    ]  # fmt: skip
    seq = last_seq()
    assert services.do_bulk_create_staff(actor="test", accounts=rows, password=PASSWORD) == [
        "bulk.a",
        "bulk.b",
    ]
    assert audit_actions(seq) == ["accounts.staff.create", "accounts.staff.create"]
    b = User.objects.get(username="bulk.b")
    assert (b.kind, b.is_staff, b.department_id) == ("staff", True, bodies["jiangxia"].pk)
    assert queries.role_names(b) == ["department_admin", "window_clerk"] and b.check_password(PASSWORD)
    assert totp_secret(b) == "JBSWY3DPEHPK3PXP" + "B" * 16 and b.totp_confirmed_at is not None
    assert queries.role_names(User.objects.get(username="existing")) == ["approving_officer"]  # untouched
    seq = last_seq()
    assert services.do_bulk_create_staff(actor="test", accounts=rows, password=PASSWORD) == []
    assert audit_actions(seq) == []


def test_the_role_page_searches_the_bodies(bodies):
    platform = staff("platform", "platform_admin")
    client = Client()
    client.force_login(platform)
    page = client.get("/workbench/identity/staff/?q=襄阳").content.decode()
    assert "襄阳市行政审批局" in page and "武昌区行政审批局" not in page
    page = client.get(f"/workbench/identity/staff/?q={bodies['wuchang'].credit_code}").content.decode()
    assert "武昌区行政审批局" in page and "襄阳市行政审批局" not in page
