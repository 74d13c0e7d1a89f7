"""Account pages (portal and clerk workbench): parse, call one service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import queries


@require_http_methods(["GET", "POST"])
def signup(request):
    return render(request, "accounts/signup.html", {})


@login_required
def me(request):
    return render(request, "accounts/me.html", {"acting": queries.acting_claim(request.user)})
