"""Public operational statistics (/insight/stats/ and /insight/stats.csv): thin over `opstats`.
Bad input (period, region) shows the form again with the field named, status 400."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tongban.core.errors import InvalidInput

from . import opstats


def _input(request):
    return (request.GET.get("from", ""), request.GET.get("to", ""), request.GET.get("region", ""))


@require_GET
def stats(request):
    date_from, date_to, region = _input(request)
    default_from, default_to = opstats.default_period()
    values = {"from": date_from or default_from, "to": date_to or default_to, "region": region}
    try:
        period = opstats.check_input(date_from, date_to, region)
    except InvalidInput as exc:
        errors = {p.field: p.message for p in reversed(exc.problems)}
        return render(request, "insight/stats/stats.html", {"errors": errors, "values": values}, status=400)
    result = opstats.monthly(period)
    return render(
        request,
        "insight/stats/stats.html",
        {
            "stats": result,
            "values": values | {"region": period.region.code},
            "errors": {},
            "chart": opstats.chart_data(result),
            "figure_labels": opstats.labels(result),
            "csv_query": request.GET.urlencode(),
        },
    )


@require_GET
def stats_csv(request):
    period = opstats.check_input(*_input(request))
    buf = io.StringIO()
    csv.writer(buf).writerows(opstats.csv_rows(opstats.monthly(period)))
    response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"stats-{period.region.code}-{period.first:%Y%m}-{period.last:%Y%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
