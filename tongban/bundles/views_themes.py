"""Public pages of the themes part: `/bundles/` (the themes of the chosen region) and
`/bundles/<code>/` (a theme's guide: members, dependencies, the questionnaire, materials and
what the theme saves). Thin: read the chosen region from the portal's cookie, call one query,
render. An unknown, withdrawn or other region's theme is 404. The workbench pages are in
`views_themes_workbench.py`."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from tongban.core.errors import InvalidInput
from tongban.portal.context import region_code_from_cookie

from . import queries


@require_GET
def theme_list(request):
    region_code = region_code_from_cookie(request)
    themes = queries.themes_for_region(region_code)
    context = {
        "person": [t for t in themes if t.audience == "person"],
        "enterprise": [t for t in themes if t.audience == "enterprise"],
        "count": len(themes),
    }
    return render(request, "bundles/themes/list.html", context)


@require_GET
def theme_guide(request, code: str):
    theme = queries.theme_for_apply(code, region_code_from_cookie(request))
    answers = {q.key: request.GET.get(q.key, "") for q in theme.spec.questions if request.GET.get(q.key)}
    error, status = None, 200
    try:
        guide = queries.theme_guide(theme, answers=answers or None)
    except InvalidInput as exc:
        error, status = exc, 400
        guide = queries.theme_guide(theme)
    names = {i.member.key: i.name for i in guide.members}
    context = {
        "guide": guide,
        "theme": theme,
        "answers": answers,
        "error": error,
        "problems": {p.field: p.message for p in error.problems} if error else {},
        "savings": guide.savings,
        "plan": [_plan_row(p, names) for p in guide.plan],
        "layers": [[names.get(k, k) for k in layer] for layer in guide.layers],
    }
    return render(request, "bundles/themes/guide.html", context, status=status)


def _plan_row(p, names: dict[str, str]) -> dict:
    return {
        "name": p.name,
        "members": [names.get(k, k) for k in p.members],
        "exempt": p.exempt,
        "produced_by": names.get(p.produced_by, p.produced_by),
        "shared": len(p.members) > 1,
    }
