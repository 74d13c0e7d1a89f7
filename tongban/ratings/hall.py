"""一次一评 at the hall: service windows (窗口), the clerk serving at each, the window's rating
screen (`/ratings/hall/<code>/`) and the QR code the clerk shows.

A window belongs to a hall (a department) of a region. The clerk takes the window when they sit
down (`do_take_window`); the screen is paired once by staff of the hall (`do_pair_screen`: a
random key in the screen's cookie, only its digest stored), so a browser elsewhere cannot rate
in the window's name. After each service the screen offers the case the clerk took in last
(cases' window intake, `cases.queries.last_window_case`) within `common.HALL_MINUTES`; the
applicant rates the window node (window and clerk bound), once.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.db import IntegrityError, transaction

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.cases import queries as case_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.crypto import constant_time_equal, sm3_hex
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from . import common, links, subjects
from .enums import Channel, Node
from .models import HallWindow, Rating
from .rating import check_rating, create_rating

CODE_RE = re.compile(r"^[A-Za-z0-9-]{1,20}$")


def _device_digest(key: str) -> str:
    return sm3_hex(("ratings-screen:" + key).encode())


def get_window(code: str) -> HallWindow:
    window = HallWindow.objects.filter(code=code).select_related("department").first() if code else None
    if window is None:
        raise NotFound("没有找到该服务窗口")
    return window


def do_create_window(*, actor, code: str, name: str, department_id: int) -> HallWindow:
    """A platform administrator, or a department administrator of the hall, opens a window."""
    code, name = (code or "").strip(), (name or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput.field("code", "窗口编号为1至20位字母、数字或连字符")
    if not name or len(name) > 60:
        raise InvalidInput.field("name", "请填写窗口名称（不超过60个字）")
    try:
        department = core_queries.get_department(department_id)
    except Exception as exc:
        raise InvalidInput.field("department", "部门不存在") from exc
    admin_of_hall = common.is_unit_staff(actor, department.pk) and account_queries.has_role(
        actor, StaffRole.DEPARTMENT_ADMIN
    )
    if not (common.is_platform_admin(actor) or admin_of_hall):
        raise Forbidden("只有平台管理员或本大厅的部门管理员可以设置服务窗口")
    try:
        with transaction.atomic():
            window = HallWindow.objects.create(
                code=code,
                name=name,
                department=department,
                region_code=(department.region_id or "")[:6],
            )
            audit.record(actor=actor, action="ratings.window_create", obj=window, data={"code": code})
    except IntegrityError as exc:
        raise InvalidInput.field("code", "该窗口编号已存在") from exc
    return window


def do_take_window(*, actor, code: str) -> HallWindow:
    """A window clerk of the hall sits down at the window: its screen offers their services."""
    with transaction.atomic():
        window = HallWindow.objects.select_for_update().filter(code=code).first()
        if window is None or not common.is_unit_staff(actor, window.department_id):
            raise common.denied(actor, "window", code, "没有找到该服务窗口")
        if not account_queries.has_role(actor, StaffRole.WINDOW_CLERK):
            raise Forbidden("只有窗口人员可以在窗口服务")
        window.clerk_id, window.clerk_since = actor.pk, common.now()
        window.save(update_fields=["clerk", "clerk_since"])
        audit.record(actor=actor, action="ratings.window_take", obj=window, data={"code": code})
        return window


def do_pair_screen(*, actor, code: str) -> str:
    """Staff of the hall pair the window's screen: returns the key the screen's cookie keeps
    (a new pairing replaces the old one)."""
    with transaction.atomic():
        window = HallWindow.objects.select_for_update().filter(code=code).first()
        if window is None or not common.is_unit_staff(actor, window.department_id):
            raise common.denied(actor, "window", code, "没有找到该服务窗口")
        key = secrets.token_urlsafe(24)
        window.device_digest, window.paired_at = _device_digest(key), common.now()
        window.save(update_fields=["device_digest", "paired_at"])
        audit.record(actor=actor, action="ratings.screen_pair", obj=window, data={"code": code})
        return key


def screen_paired(window: HallWindow, key: str) -> bool:
    return bool(window.device_digest and key) and constant_time_equal(
        window.device_digest, _device_digest(key)
    )


def served_case(window: HallWindow) -> str | None:
    """The case the window's clerk took in last, within the hall period, not yet rated at a window."""
    if window.clerk_id is None:
        return None
    since = common.now() - dt.timedelta(minutes=common.HALL_MINUTES)
    if window.clerk_since and window.clerk_since > since:
        since = window.clerk_since
    number = case_queries.last_window_case(window.clerk_id, since=since)
    if number is None or Rating.objects.filter(kind="case", ref=number, node=Node.WINDOW).exists():
        return None
    return number


def do_rate_at_window(*, code: str, screen_key: str, case_number: str, level, reasons=(), text="") -> Rating:
    """The applicant rates the service just given, on the window's paired screen."""
    window = get_window(code)
    if not screen_paired(window, screen_key):
        raise Forbidden("该屏幕未绑定此窗口，请由窗口工作人员绑定后使用")
    value, chosen, clean_text = check_rating(level, reasons, text)
    with transaction.atomic():
        window = HallWindow.objects.select_for_update().get(pk=window.pk)
        if not case_number or served_case(window) != case_number:
            raise Conflict("该服务已评价或已超过评价时间，请以窗口屏幕显示的为准")
        subject = subjects.resolve("case", case_number)
        if subject is None:
            raise NotFound("没有找到该办件")
        return create_rating(
            actor=f"screen:{window.code}",
            subject=subject,
            node=Node.WINDOW,
            level=value,
            reasons=chosen,
            text=clean_text,
            channel=Channel.TABLET,
            rater_id=subject.owner_user_id,
            window=window,
            clerk_id=window.clerk_id,
        )


def do_show_qr(*, actor, code: str) -> tuple[str, str]:
    """The clerk at the window shows a QR code of a single-use link to rate the last service
    (case number, token)."""
    with transaction.atomic():
        window = HallWindow.objects.select_for_update().filter(code=code).first()
        if window is None or not common.is_unit_staff(actor, window.department_id):
            raise common.denied(actor, "window", code, "没有找到该服务窗口")
        if window.clerk_id != getattr(actor, "pk", None):
            raise Forbidden("只有在此窗口服务的工作人员可以出示评价二维码")
        number = served_case(window)
        if number is None:
            raise Conflict("没有待评价的窗口服务")
        token = links.issue(
            actor=actor,
            kind="case",
            ref=number,
            node=Node.WINDOW,
            channel=Channel.QR,
            window=window,
            clerk_id=actor.pk,
        )
        return number, token
