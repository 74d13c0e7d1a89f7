"""Account pages (portal and clerk workbench): parse, call one service, render.

Every write goes through a service with the signed-in person as `actor`; the services decide
whose grant may be revoked and which department's staff an administrator may change. A bad
input re-renders the form with the error next to the field and changes nothing.
"""

from __future__ import annotations

import ipaddress
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core import queries as core_queries
from tongban.core.errors import DomainError, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.idempotency import once_per_form

from . import forms, permissions, queries, services
from .enums import PLATFORM_WIDE_ROLES, AssuranceLevel, ConsentMethod, LoginMethod, StaffRole
from .login_views import client_ip, safe_next, start_session

# --- Small helpers --------------------------------------------------------------------------


def mask_ip(ip: str | None) -> str:
    """`127.0.0.1` -> `127.0.0.*`; IPv6 keeps its /48 prefix."""
    if not ip:
        return ""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "*"
    if addr.version == 4:
        return ".".join(str(addr).split(".")[:3]) + ".*"
    return ":".join(addr.exploded.split(":")[:3]) + ":*"


def apply_error(form, exc: DomainError) -> None:
    """Put a domain error next to the field it names, or above the form."""
    placed = False
    for problem in exc.problems:
        if problem.field in form.fields:
            form.add_error(problem.field, problem.message)
            placed = True
    if not placed:
        form.add_error(None, exc.problems[0].message if exc.problems else exc.message)


def _status(form, exc: DomainError | None = None) -> int:
    return exc.status if exc is not None else (400 if form.is_bound and form.errors else 200)


def person_required(view):
    """Signed in as a natural person (citizen accounts); staff use the workbench."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_person(request.user):
            raise Forbidden("该功能面向个人用户；工作人员请使用工作台")
        return view(request, *args, **kwargs)

    return wrapper


def _staff_view(predicate, message: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate.test(request.user):
                raise Forbidden(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


clerk_required = _staff_view(permissions.can_use_clerk_desk, "该页面仅限窗口人员使用")
role_admin_required = _staff_view(permissions.can_admin_roles, "该页面仅限平台管理员和部门管理员使用")


def _person(request, pk: int):
    """The person a clerk opens by id: every page opened (GET) is recorded
    (services.access_person); a POST records its own write or refusal, naming the person."""
    if request.method == "GET":
        return services.access_person(actor=request.user, person_id=pk)
    person = queries.get_person(pk)
    if person is None:
        raise NotFound("没有找到该办事人")
    return person


# --- Sign-up and real-name verification -------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    """Mobile + SMS code + name + password (L1); then straight on to real-name verification."""
    if request.user.is_authenticated:
        return redirect("accounts:me")
    notice, status = "", 200
    if request.method == "POST" and request.POST.get("action") == "send_code":
        sender = forms.SendCodeForm(request.POST)
        form = forms.SignupForm(
            initial={
                "mobile": request.POST.get("mobile", "")[:11],
                "display_name": request.POST.get("display_name", "")[:60],
            }
        )
        try:
            if not sender.is_valid():
                raise InvalidInput.field("mobile", sender.errors["mobile"][0])
            notice = services.do_send_sms_code(
                mobile=sender.cleaned_data["mobile"], purpose="register", ip=client_ip(request)
            )
        except DomainError as exc:
            # The form stays unbound (only the typed mobile and name come back); the one error
            # goes next to the mobile field or the code field it concerns.
            form.full_clean()
            form.cleaned_data = {}
            if not any(p.field in form.fields for p in exc.problems):
                exc.problems = [FieldProblem("code", exc.message)]
            apply_error(form, exc)
            status = exc.status
        return render(request, "accounts/signup.html", {"form": form, "notice": notice}, status=status)
    form = forms.SignupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.do_register_person(
                actor=None,
                mobile=data["mobile"],
                password=data["password"],
                display_name=data["display_name"],
                sms_code=data["code"],
            )
        except DomainError as exc:
            apply_error(form, exc)
            return render(request, "accounts/signup.html", {"form": form}, status=exc.status)
        start_session(request, user, LoginMethod.SMS)
        messages.success(request, "注册成功。请完成实名认证，以便办理更多事项。")
        return redirect("accounts:verify")
    return render(request, "accounts/signup.html", {"form": form}, status=_status(form))


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """Real-name verification (L2): name + ID number against the population register."""
    user = request.user
    form = forms.RealNameForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.do_verify_real_name(
                actor=user,
                user=user,
                name=form.cleaned_data["name"],
                id_number=form.cleaned_data["id_number"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            apply_error(form, exc)
            return render(request, "accounts/verify.html", {"form": form}, status=exc.status)
        messages.success(request, "实名认证成功，您的实名等级已提升为 L2。")
        return redirect("accounts:me")
    return render(request, "accounts/verify.html", {"form": form}, status=_status(form))


# --- My account -------------------------------------------------------------------------------


@never_cache
def me(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    current_key = request.session.session_key
    context = {
        "now": timezone.now(),
        "is_person": permissions.is_person(user),
        "level": AssuranceLevel(user.assurance_level),
        "acting_label": queries.current_acting_label(user),
        "devices": [
            {"device": d, "current": d.session_key == current_key} for d in queries.device_sessions(user)
        ],
        "history": [{"attempt": a, "ip": mask_ip(a.ip)} for a in queries.login_history(user)],
    }
    if context["is_person"]:
        acting = user.acting or {}
        options = queries.acting_options(user)
        for option in options:
            option["current"] = (
                (option["kind"] == "self" and acting.get("kind", "self") == "self")
                or (option["kind"] == "enterprise" and acting.get("mandate") == option["id"])
                or (option["kind"] == "principal" and acting.get("consent") == option["id"])
            )
        context |= {
            "acting_options": options,
            "mandates": queries.my_mandates(user),
            "granted": queries.mandates_granted(user),
            "agents": queries.my_agents(user),
            "principals": queries.my_principals(user),
        }
    else:
        context |= {
            "roles": [StaffRole(r).label for r in queries.role_names(user) if r in StaffRole.values],
            "department": core_queries.get_department(user.department_id) if user.department_id else None,
            "is_clerk": permissions.can_use_clerk_desk.test(user),
            "is_role_admin": permissions.can_admin_roles.test(user),
        }
    return render(request, "accounts/me.html", context)


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
def email(request):
    """The notification e-mail address: send a code to a new address (action=send_code), then
    confirm it with the code (action=confirm). Addresses are shown masked only."""
    action = request.POST.get("action", "") if request.method == "POST" else None
    address_form = forms.EmailAddressForm(request.POST if action == "send_code" else None)
    code_form = forms.EmailCodeForm(request.POST if action == "confirm" else None)
    form = {"send_code": address_form, "confirm": code_form}.get(action)
    status = 200 if action is None else 400  # a bad or unknown submission
    if form is not None and form.is_valid():
        try:
            if action == "send_code":
                notice = services.do_send_email_code(actor=request.user, email=form.cleaned_data["email"])
                messages.success(request, notice)
                return redirect("accounts:email")
            services.do_confirm_email(actor=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:
            apply_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("电子邮箱已绑定，办件进展将同时发送到该邮箱。"))
            return redirect(reverse("accounts:me") + "#contact")
    context = {
        "address_form": address_form,
        "code_form": code_form,
        "pending": queries.pending_email(request.user),
    }
    return render(request, "accounts/email.html", context, status=status)


@person_required
@require_POST
def remove_email(request):
    if services.do_remove_email(actor=request.user):
        messages.success(request, _("已解除绑定电子邮箱，今后不再通过邮件发送通知。"))
    return redirect(reverse("accounts:me") + "#contact")


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
def claim_legal_person(request):
    """Link an enterprise as its legal representative (checked against the legal-person register)."""
    form = forms.ClaimLegalPersonForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            mandate = services.do_claim_legal_person(
                actor=request.user, credit_code=form.cleaned_data["credit_code"]
            )
        except DomainError as exc:
            apply_error(form, exc)
            return render(request, "accounts/claim.html", {"form": form}, status=exc.status)
        messages.success(request, f"已关联“{mandate.legal_person.name}”，您可以代表该单位办事并授权经办人。")
        return redirect(reverse("accounts:me") + "#enterprises")
    return render(request, "accounts/claim.html", {"form": form}, status=_status(form))


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
@once_per_form
def grant_mandate(request, legal_person_id: int):
    """The legal representative authorises an agent (经办人) with a scope and an expiry."""
    rep = queries.legal_rep_mandate(request.user, legal_person_id)
    if rep is None:
        raise Forbidden("只有法定代表人可以授权经办人")
    form = forms.MandateGrantForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "legal_person": rep.legal_person}
    if form.is_bound and form.is_valid():
        try:
            services.do_grant_mandate(
                actor=request.user, legal_person_id=legal_person_id, **form.grant_kwargs()
            )
        except DomainError as exc:
            apply_error(form, exc)
            return render(request, "accounts/grant_mandate.html", context, status=exc.status)
        messages.success(
            request, f"已授权{form.cleaned_data['agent_name']}为“{rep.legal_person.name}”的经办人。"
        )
        return redirect(reverse("accounts:me") + "#enterprises")
    return render(request, "accounts/grant_mandate.html", context, status=_status(form))


@person_required
@require_POST
def revoke_mandate(request, pk: int):
    services.do_revoke_mandate(actor=request.user, mandate_id=pk)
    messages.success(request, "授权已撤销。")
    return redirect(reverse("accounts:me") + "#enterprises")


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
@once_per_form
def grant_consent(request):
    """A person consents online to a helper (帮办代办) acting for them."""
    form = forms.ConsentGrantForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.do_record_consent(
                actor=request.user,
                principal=request.user,
                consent_method=ConsentMethod.ONLINE,
                **form.grant_kwargs(),
            )
        except DomainError as exc:
            apply_error(form, exc)
            return render(request, "accounts/grant_consent.html", {"form": form}, status=exc.status)
        messages.success(request, f"已授权{form.cleaned_data['agent_name']}为您代办。")
        return redirect(reverse("accounts:me") + "#agents")
    return render(request, "accounts/grant_consent.html", {"form": form}, status=_status(form))


@person_required
@require_POST
def revoke_consent(request, pk: int):
    services.do_revoke_consent(actor=request.user, consent_id=pk)
    messages.success(request, "代办授权已撤销。")
    return redirect(reverse("accounts:me") + "#agents")


@require_POST
def end_session(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("accounts:me"))
    current = any(
        d.pk == pk and d.session_key == request.session.session_key
        for d in queries.device_sessions(request.user)
    )
    services.do_end_device_session(actor=request.user, device_session_id=pk)
    if current:
        logout(request)
        return redirect("accounts:login")
    messages.success(request, "已结束该设备的登录。")
    return redirect(reverse("accounts:me") + "#devices")


@person_required
@require_POST
def switch_acting(request):
    """One click between "myself", an enterprise I act for and a person I help."""
    raw_id = (request.POST.get("id") or "").strip()
    if raw_id and not raw_id.isdigit():
        raise InvalidInput.field("id", "未知的办事身份")
    services.do_switch_acting(
        actor=request.user, kind=request.POST.get("kind", ""), target_id=int(raw_id) if raw_id else None
    )
    messages.success(request, _("当前办事身份：") + queries.current_acting_label(request.user))
    return redirect(safe_next(request, default=reverse("accounts:me")))


# --- Clerk workbench (/workbench/identity/) ----------------------------------------------------


def _desk(request, *, find_form=None, not_found=False, status=200):
    return render(
        request,
        "accounts/workbench/desk.html",
        {
            "find_form": find_form or forms.FindPersonForm(),
            "not_found": not_found,
            "is_role_admin": permissions.can_admin_roles.test(request.user),
        },
        status=status,
    )


@never_cache
@clerk_required
@require_http_methods(["GET"])
def desk(request):
    return _desk(request)


@never_cache
@clerk_required
@require_POST
def find_person(request):
    """Find a person by ID number (posted, never in a URL or a log line)."""
    form = forms.FindPersonForm(request.POST)
    if not form.is_valid():
        return _desk(request, find_form=form, status=400)
    try:
        services.check_id_number(form.cleaned_data["id_number"])
    except DomainError as exc:
        apply_error(form, exc)
        return _desk(request, find_form=form, status=exc.status)
    person = services.access_person_by_id_number(actor=request.user, id_number=form.cleaned_data["id_number"])
    if person is None:
        return _desk(request, find_form=forms.FindPersonForm(), not_found=True)
    return redirect("identity:person", pk=person.pk)


def _person_page(request, person, *, verify_form=None, status=200):
    return render(
        request,
        "accounts/workbench/person.html",
        {
            "person": person,
            "level": AssuranceLevel(person.assurance_level),
            "verify_form": verify_form or forms.InPersonVerifyForm(),
            "agents": queries.my_agents(person),
        },
        status=status,
    )


@never_cache
@clerk_required
@require_http_methods(["GET"])
def person(request, pk: int):
    return _person_page(request, _person(request, pk))


@never_cache
@clerk_required
@require_POST
@once_per_form
def verify_in_person(request, pk: int):
    """L3: the clerk has seen the person and their ID card at the hall."""
    subject = _person(request, pk)
    form = forms.InPersonVerifyForm(request.POST)
    if not form.is_valid():
        return _person_page(request, subject, verify_form=form, status=400)
    try:
        services.do_verify_in_person(
            actor=request.user,
            user=subject,
            name=form.cleaned_data["name"],
            id_number=form.cleaned_data["id_number"],
        )
    except DomainError as exc:
        apply_error(form, exc)
        return _person_page(request, subject, verify_form=form, status=exc.status)
    messages.success(request, "现场核验完成，实名等级为 L3。")
    return redirect("identity:person", pk=pk)


@never_cache
@clerk_required
@require_http_methods(["GET", "POST"])
@once_per_form
def walk_in(request):
    """Register a walk-in applicant seen face to face (L3), or verify the existing account."""
    form = forms.WalkInForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            subject = services.do_register_walk_in(
                actor=request.user,
                name=form.cleaned_data["name"],
                id_number=form.cleaned_data["id_number"],
                mobile=form.cleaned_data["mobile"],
            )
        except DomainError as exc:
            apply_error(form, exc)
            return render(request, "accounts/workbench/walk_in.html", {"form": form}, status=exc.status)
        messages.success(request, f"已为{subject.display_name}登记账号（L3 现场核验）。")
        return redirect("identity:person", pk=subject.pk)
    return render(request, "accounts/workbench/walk_in.html", {"form": form}, status=_status(form))


@never_cache
@clerk_required
@require_http_methods(["GET", "POST"])
@once_per_form
def hall_consent(request, pk: int):
    """Record a helper consent the person gave at the hall (in person or in writing)."""
    principal = _person(request, pk)
    form = forms.HallConsentForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "person": principal}
    if form.is_bound and form.is_valid():
        try:
            services.do_record_consent(actor=request.user, principal=principal, **form.grant_kwargs())
        except DomainError as exc:
            apply_error(form, exc)
            return render(request, "accounts/workbench/consent.html", context, status=exc.status)
        messages.success(request, "代办授权已登记。")
        return redirect("identity:person", pk=pk)
    return render(request, "accounts/workbench/consent.html", context, status=_status(form))


# --- Staff roles ------------------------------------------------------------------------------


def _admin_department_id(request) -> int | None:
    """A platform administrator picks any department; a department administrator sees their own."""
    user = request.user
    if permissions.is_platform_admin.test(user):
        raw = request.GET.get("department", "")
        return int(raw) if raw.isdigit() else user.department_id
    return user.department_id


@never_cache
@role_admin_required
@require_http_methods(["GET"])
def staff_roles(request):
    department_id = _admin_department_id(request)
    platform = permissions.is_platform_admin.test(request.user)
    department = core_queries.get_department(department_id) if department_id else None
    # A department administrator grants department roles only (accounts.services._role_change).
    roles = [(r.value, r.label) for r in StaffRole if platform or r.value not in PLATFORM_WIDE_ROLES]
    rows = []
    for member in queries.staff_of_department(department_id) if department_id else []:
        held = {g.name for g in member.groups.all()}
        rows.append(
            {
                "staff": member,
                "held": held,
                "held_labels": [StaffRole(r).label for r in sorted(held) if r in StaffRole.values],
                # A department administrator may not change a platform administrator's roles.
                "locked": not platform and StaffRole.PLATFORM_ADMIN in held,
            }
        )
    return render(
        request,
        "accounts/workbench/staff.html",
        {
            "department": department,
            # searchable: ~880 bodies (name or credit code), those within the reach
            "departments": queries.departments_in_reach(request.user, request.GET.get("q", ""))
            if platform
            else None,
            "q": (request.GET.get("q") or "").strip()[:40],
            "rows": rows,
            "roles": roles,
        },
    )


@role_admin_required
@require_POST
@once_per_form
def set_staff_roles(request, pk: int):
    form = forms.StaffRolesForm(request.POST)
    if not form.is_valid():
        raise InvalidInput.field("roles", "未知的岗位")
    staff = services.do_set_staff_roles(actor=request.user, user_id=pk, roles=form.cleaned_data["roles"])
    messages.success(request, f"已更新{staff}的岗位。")
    url = reverse("identity:staff")
    return redirect(f"{url}?department={staff.department_id}" if staff.department_id else url)


@never_cache
@role_admin_required
@require_http_methods(["GET", "POST"])
@once_per_form
def create_staff(request):
    """新增工作人员: the body chosen among those within the administrator's reach (searched by
    name or credit code), the person's name, a username and roles. The result page shows the
    one-time initial password once; the person enrols their TOTP authenticator at first sign-in."""
    actor = request.user
    platform = permissions.is_platform_admin.test(actor) or actor.is_superuser
    roles = [(r.value, r.label) for r in StaffRole if platform or r.value not in PLATFORM_WIDE_ROLES]
    text = (request.POST.get("q") or request.GET.get("q") or "").strip()[:40]
    reach = queries.departments_in_reach(actor, text)
    choices = list(reach[:30])
    context = {"q": text, "departments": choices, "more": reach.count() > len(choices), "roles": roles}
    values = {"department": request.GET.get("department", ""), "roles": []}
    if request.method == "POST":
        post = request.POST
        values = {
            "department": post.get("department", ""),
            "username": post.get("username", ""),
            "display_name": post.get("display_name", ""),
            "roles": post.getlist("roles"),
        }
        try:
            dept = post.get("department", "")
            if not dept.isdigit():
                raise InvalidInput.field("department", "请选择所属部门")
            user, initial = services.do_create_staff(
                actor=actor,
                department_id=int(dept),
                username=values["username"],
                display_name=values["display_name"],
                roles=values["roles"],
            )
        except DomainError as exc:
            context.update(values=values, error=exc.message)
            return render(request, "accounts/workbench/staff_new.html", context, status=exc.status)
        return render(
            request,
            "accounts/workbench/staff_created.html",
            {
                "staff": user,
                "initial": initial,
                "department": core_queries.get_department(user.department_id),
            },
        )
    context["values"] = values
    return render(request, "accounts/workbench/staff_new.html", context)
