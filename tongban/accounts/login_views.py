"""Sign-in, second factor and sign-out: the one path by which a session is created.

Staff accounts never get a session from the password alone: after the password the session
holds only a pending marker, and `login()` happens after a valid TOTP code (enrolling one
first if the account has none).
"""

from __future__ import annotations

import segno
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import DomainError, InvalidInput

from . import services, signin
from .enums import LoginMethod
from .forms import PasswordLoginForm, SmsLoginForm, TotpForm
from .models import User

PENDING = "accounts.pending_user"
PENDING_METHOD = "accounts.pending_method"


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _ua(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:200]


def safe_next(request, default: str = "/accounts/me/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok and target.startswith("/") else default


def start_session(request, user: User, method: str) -> None:
    """Sign the user in on this browser and record the device session (the only place it is done)."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["accounts.login_method"] = method
    services.do_start_device_session(
        user=user,
        session_key=request.session.session_key,
        method=method,
        ip=client_ip(request),
        user_agent=_ua(request),
    )


def _complete_login(request, user: User, method: str):
    start_session(request, user, method)
    return redirect(safe_next(request))


def _first_factor_done(request, user: User, method: str):
    if services.needs_second_factor(user):
        request.session.cycle_key()
        request.session[PENDING] = user.pk
        request.session[PENDING_METHOD] = method
        step = "accounts:totp" if user.totp_confirmed_at else "accounts:totp_enrol"
        nxt = safe_next(request, default="/workbench/catalog/")
        return redirect(f"{_url(step)}?next={nxt}")
    return _complete_login(request, user, method)


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    mode = request.POST.get("mode") or request.GET.get("mode") or "password"
    pw_form = PasswordLoginForm(request.POST if mode == "password" and request.method == "POST" else None)
    sms_form = SmsLoginForm(request.POST if mode == "sms" and request.method == "POST" else None)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            if mode == "sms":
                if not sms_form.is_valid():
                    raise InvalidInput("请填写手机号码和验证码")
                user = services.authenticate_sms(
                    mobile=sms_form.cleaned_data["mobile"],
                    code=sms_form.cleaned_data["code"],
                    ip=client_ip(request),
                    user_agent=_ua(request),
                )
                return _first_factor_done(request, user, LoginMethod.SMS)
            if not pw_form.is_valid():
                raise InvalidInput("请填写账号和密码")
            user = services.authenticate_password(
                identifier=pw_form.cleaned_data["identifier"],
                password=pw_form.cleaned_data["password"],
                ip=client_ip(request),
                user_agent=_ua(request),
            )
            return _first_factor_done(request, user, LoginMethod.PASSWORD)
        except DomainError as exc:
            error, status = exc.message, exc.status
    return render(
        request,
        "accounts/login.html",
        {
            "pw_form": pw_form,
            "sms_form": sms_form,
            "mode": mode,
            "error": error,
            "next": safe_next(request, ""),
        },
        status=status,
    )


@never_cache
@require_POST
def send_login_code(request):
    """Send an SMS sign-in code; the answer is the same whether or not the number has an account."""
    mobile = request.POST.get("mobile", "")
    try:
        message = services.do_send_sms_code(
            mobile=mobile, purpose=request.POST.get("purpose", "login"), ip=client_ip(request)
        )
        status = 200
    except DomainError as exc:
        message, status = exc.message, exc.status
    sms_form = SmsLoginForm(initial={"mobile": mobile})
    return render(
        request,
        "accounts/login.html",
        {
            "pw_form": PasswordLoginForm(),
            "sms_form": sms_form,
            "mode": "sms",
            "notice": message if status == 200 else "",
            "error": "" if status == 200 else message,
            "next": safe_next(request, ""),
        },
        status=status,
    )


def _pending_user(request) -> User | None:
    pk = request.session.get(PENDING)
    return User.objects.filter(pk=pk, is_active=True).first() if pk else None


def _second_factor(request, user: User):
    """Check the posted TOTP code of the pending user and, when it is right, sign them in."""
    services.verify_totp(
        user=user, code=request.POST.get("code", ""), ip=client_ip(request), user_agent=_ua(request)
    )
    method = request.session.pop(PENDING_METHOD, LoginMethod.PASSWORD)
    request.session.pop(PENDING, None)
    return _complete_login(request, user, method)


@never_cache
@require_http_methods(["GET", "POST"])
def totp_view(request):
    user = _pending_user(request)
    if user is None:
        return redirect(_url("accounts:login"))
    if not user.totp_confirmed_at:
        return redirect(f"{_url('accounts:totp_enrol')}?next={safe_next(request, '/workbench/catalog/')}")
    form = TotpForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        try:
            return _second_factor(request, user)
        except DomainError as exc:
            error, status = exc.message, exc.status
    return render(
        request,
        "accounts/totp.html",
        {"form": form, "error": error, "next": safe_next(request, "")},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def totp_enrol_view(request):
    """First sign-in of a staff member without a second factor: show a new secret as a QR code,
    confirm it with a first code, then sign in."""
    user = _pending_user(request)
    if user is None or user.totp_confirmed_at:
        return redirect(_url("accounts:login"))
    error, status = "", 200
    if request.method == "POST":
        try:
            return _second_factor(request, user)
        except DomainError as exc:
            error, status = exc.message, exc.status
    if not user.totp_secret_enc or request.method == "GET":
        services.do_start_totp_enrolment(actor=user, user=user)
    secret = services.totp_secret(user)
    qr = segno.make(signin.totp_uri(user, secret), micro=False).svg_data_uri(scale=4)
    return render(
        request,
        "accounts/totp_enrol.html",
        {"qr": qr, "secret": secret, "error": error, "next": safe_next(request, "")},
        status=status,
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.do_note_logout(user=request.user, session_key=request.session.session_key)
    logout(request)
    return redirect("/")
