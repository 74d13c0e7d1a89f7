"""Open311 GeoReport v2 facade (/open311/v2/): the 12345 hotline for any stock Open311 client.

- `services.{json|xml}`: the ticket categories (`enums.Category`), each a service with metadata.
- `services/{service_code}.{fmt}`: its definition: the attributes a request may carry
  (`kind` 诉求类型 from `enums.TicketKind`, `region_code` 区划代码).
- `requests.{fmt}` GET: public requests, filtered by `service_request_id` (comma-separated; the
  other filters are then ignored), `service_code`, `start_date`, `end_date` (W3C datetimes; the
  window is at most 90 days, the last 90 by default) and `status` (open, closed); newest first,
  at most 1000. 举报 (reports) are never listed: only the platform sees who reported what.
- `requests.{fmt}` POST (form-encoded, as the spec says): `api_key` (a registered client,
  `Open311Key`), `service_code`, a location (`lat` and `long`, or `address_string`, or
  `address_id`), `description`, optional `first_name`/`last_name`/`phone`/`email`/`device_id`/
  `account_id`/`media_url` and `attribute[...]`; the ticket is taken in at once through
  `services.do_intake(channel="open311")` and the answer carries its `service_request_id`.
- `requests/{id}.{fmt}`, `tokens/{token}.{fmt}`: one request; a token is the request's number
  (requests are created synchronously, so a token is never pending).

Field names, datetimes (W3C, with the offset) and errors (`[{"code": 400, "description": ...}]`,
XML `<errors><error><code>`) follow the spec. No CSRF (an API keyed by api_key); throttled per
client address (reads) and per key (posts) with `core.ratelimit`. Descriptions are shown with
mobile, ID-card and e-mail look-alikes masked; callers' names, phones and e-mails are never shown.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tongban.core import audit, ratelimit
from tongban.core.crypto import blind_index
from tongban.core.errors import DomainError, FieldProblem, InvalidInput

from . import deadlines, queries
from .enums import CONCLUDED_STATES, Category, TicketKind, TicketState
from .models import Ticket, TicketEvent
from .models_kb import Open311Key

FORMATS = ("json", "xml")
MAX_RESULTS = 1000
WINDOW_DAYS = 90
MAX_IDS = 100
DEFAULT_KIND = TicketKind.COMPLAINT
KEY_PURPOSE = "open311-key"
SERVICE_NOTICE = "已受理，工单编号 {number}；承办单位一般在签收后按时限答复。"
MASKS = (
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),  # mobiles
    (
        re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[0-9Xx])(?![0-9A-Za-z])"),
        r"\1**********\2",
    ),  # ID cards
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "***@***"),  # e-mails
)


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def read_rate() -> ratelimit.Rate:
    return ratelimit.Rate.parse(getattr(settings, "OPEN311_READ_RATE", "120/1m"), name="open311-read")


def post_rate() -> ratelimit.Rate:
    return ratelimit.Rate.parse(getattr(settings, "OPEN311_POST_RATE", "30/1m"), name="open311-post")


# --- Keys ----------------------------------------------------------------------------------------


def do_create_key(*, actor, name: str) -> tuple[Open311Key, str]:
    """A new client key; the key is returned once and only its keyed hash is kept."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput.field("name", "请填写客户端名称（至多100字）")
    if Open311Key.objects.filter(name=name).exists():
        raise InvalidInput.field("name", "已有同名客户端")
    key = secrets.token_hex(20)
    with transaction.atomic():
        row = Open311Key.objects.create(
            name=name, key_index=blind_index(key, purpose=KEY_PURPOSE), hint=key[:6]
        )
        audit.record(actor=actor, action="hotline.open311.key_created", obj=row, data={"name": name})
    return row, key


def client_for(api_key: str) -> Open311Key | None:
    api_key = (api_key or "").strip()
    if not api_key or len(api_key) > 100:
        return None
    return Open311Key.objects.filter(
        key_index=blind_index(api_key, purpose=KEY_PURPOSE), is_active=True
    ).first()


# --- Formatting ----------------------------------------------------------------------------------


def w3c(value) -> str | None:
    """A W3C datetime with the offset (2026-09-29T09:00:00+08:00); a date is its end of day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else timezone.make_aware(value)
    else:
        value = timezone.make_aware(dt.datetime.combine(value, dt.time(23, 59, 59)))
    return value.replace(microsecond=0).isoformat()


def parse_w3c(raw: str, field: str) -> dt.datetime:
    text = (raw or "").strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{field} must be a W3C datetime such as 2026-09-29T09:00:00+08:00") from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def mask(text: str) -> str:
    for pattern, repl in MASKS:
        text = pattern.sub(repl, text)
    return text


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        _fill(el, row)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        top, encoding="utf-8", xml_declaration=False
    )


def _fill(el, row: dict) -> None:
    for key, value in row.items():
        child = ET.SubElement(el, key)
        if isinstance(value, list):
            singular = {"attributes": "attribute", "values": "value"}.get(key, "item")
            for v in value:
                _fill(ET.SubElement(child, singular), v)
        elif isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def respond(fmt: str, rows, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        if isinstance(rows, dict):  # a service definition is one element, not a list
            top = ET.Element(root)
            _fill(top, rows)
            body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
        else:
            body = _xml(root, item, rows)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(rows, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, status: int, description: str) -> HttpResponse:
    rows = [{"code": status, "description": description}]
    return respond(fmt if fmt in FORMATS else "json", rows, root="errors", item="error", status=status)


# --- Services ------------------------------------------------------------------------------------

DESCRIPTIONS = {
    Category.URBAN: "道路、路灯、井盖、市容环境卫生、违法建设等城乡建设与市容问题",
    Category.TRAFFIC: "公交、出租车、道路交通设施和交通秩序",
    Category.ENVIRONMENT: "噪声、油烟、污水、废气等生态环境问题",
    Category.MARKET: "食品安全、价格、消费维权、无证经营",
    Category.LABOUR: "拖欠工资、劳动合同、社会保险",
    Category.EDUCATION: "学校、招生、教育收费",
    Category.HEALTH: "医疗服务、医疗保障、公共卫生",
    Category.HOUSING: "物业、不动产登记、住房公积金、住房保障",
    Category.SAFETY: "治安、户籍、消防和安全生产隐患",
    Category.SERVICE: "政务服务、办事窗口、办事效率",
    Category.OTHER: "其他诉求",
}


def services_list() -> list[dict]:
    return [
        {
            "service_code": code,
            "service_name": str(label),
            "description": DESCRIPTIONS.get(code, ""),
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "12345",
        }
        for code, label in Category.choices
    ]


def service_definition(code: str) -> dict:
    if code not in Category.values:
        raise Open311Error(404, f"no service with service_code {code[:40]}")
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": f"诉求类型，默认 {DEFAULT_KIND.value}",
                "order": 1,
                "description": "诉求类型",
                "values": [{"key": v, "name": str(label)} for v, label in TicketKind.choices],
            },
            {
                "variable": True,
                "code": "region_code",
                "datatype": "string",
                "required": False,
                "datatype_description": "6 或 12 位行政区划代码，如 420106",
                "order": 2,
                "description": "所在区划",
                "values": [],
            },
        ],
    }


# --- Requests: reading ---------------------------------------------------------------------------

LIST_FIELDS = (
    "id",
    "number",
    "kind",
    "category",
    "state",
    "text",
    "address",
    "latitude",
    "longitude",
    "unit_id",
    "received_at",
    "updated_at",
    "reply_due",
    "answer",
)


def _status(state: str) -> str:
    return "closed" if state in CONCLUDED_STATES or state == TicketState.MERGED else "open"


def _row(t: Ticket, *, notes: dict[int, str], agencies: dict[int, str]) -> dict:
    confidential = t.kind == TicketKind.REPORT
    return {
        "service_request_id": t.number,
        "status": _status(t.state),
        "status_notes": notes.get(t.pk, ""),
        "service_name": str(Category(t.category).label) if t.category else "",
        "service_code": t.category or "",
        "description": "" if confidential else mask(t.text),
        "agency_responsible": agencies.get(t.unit_id, "12345政务服务便民热线")
        if t.unit_id
        else "12345政务服务便民热线",
        "service_notice": "",
        "requested_datetime": w3c(t.received_at),
        "updated_datetime": w3c(t.updated_at),
        "expected_datetime": w3c(t.reply_due) if t.reply_due and _status(t.state) == "open" else None,
        "address": "" if confidential else t.address,
        "address_id": "",
        "zipcode": "",
        "lat": None if confidential or t.latitude is None else float(t.latitude),
        "long": None if confidential or t.longitude is None else float(t.longitude),
        "media_url": "",
    }


def _rows(tickets: list[Ticket]) -> list[dict]:
    from tongban.core import queries as core_queries

    ids = [t.pk for t in tickets]
    notes: dict[int, str] = {}
    for ticket_id, action in (
        TicketEvent.objects.filter(ticket_id__in=ids, public=True)
        .order_by("ticket_id", "id")
        .values_list("ticket_id", "action")
    ):
        notes[ticket_id] = queries.PUBLIC_NOTES.get(action, "")
    agencies = {
        pk: d.name
        for pk, d in core_queries.departments_by_id({t.unit_id for t in tickets if t.unit_id}).items()
    }
    return [_row(t, notes=notes, agencies=agencies) for t in tickets]


def _split(raw: str, *, limit: int, field: str) -> list[str]:
    values = [v.strip() for v in (raw or "").split(",") if v.strip()]
    if len(values) > limit:
        raise Open311Error(400, f"{field}: at most {limit} values")
    return values


def find_requests(params) -> list[dict]:
    ids = _split(params.get("service_request_id", ""), limit=MAX_IDS, field="service_request_id")
    qs = Ticket.objects.only(*LIST_FIELDS).exclude(kind=TicketKind.REPORT)
    if ids:
        ids = [i for i in ids if REQUEST_ID.fullmatch(i)]  # anything else names no request
        return _rows(list(qs.filter(number__in=ids).order_by("-received_at", "-id"))) if ids else []
    codes = _split(params.get("service_code", ""), limit=20, field="service_code")
    unknown = [c for c in codes if c not in Category.values]
    if unknown:
        raise Open311Error(400, f"service_code: unknown service {unknown[0][:40]}")
    statuses = _split(params.get("status", ""), limit=2, field="status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status must be open or closed")
    end = parse_w3c(params["end_date"], "end_date") if params.get("end_date") else deadlines.now()
    start = (
        parse_w3c(params["start_date"], "start_date")
        if params.get("start_date")
        else end - dt.timedelta(days=WINDOW_DAYS)
    )
    if start > end:
        raise Open311Error(400, "start_date must not be after end_date")
    if end - start > dt.timedelta(days=WINDOW_DAYS):
        raise Open311Error(400, f"the date range may span at most {WINDOW_DAYS} days")
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    if codes:
        qs = qs.filter(category__in=codes)
    if statuses == ["open"]:
        qs = qs.exclude(state__in=[*CONCLUDED_STATES, TicketState.MERGED])
    elif statuses == ["closed"]:
        qs = qs.filter(state__in=[*CONCLUDED_STATES, TicketState.MERGED])
    return _rows(list(qs.order_by("-received_at", "-id")[:MAX_RESULTS]))


def one_request(number: str) -> list[dict]:
    rows = find_requests({"service_request_id": number}) if REQUEST_ID.fullmatch(number or "") else []
    if not rows:
        raise Open311Error(404, f"no service request {number[:40]}")
    return rows


# --- Requests: posting ---------------------------------------------------------------------------

# The intake's field names as the spec calls them (an error names what the client sent).
SPEC_NAMES = {
    "text": "description",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "category": "service_code",
    "kind": "attribute[kind]",
    "region_code": "attribute[region_code]",
    "contact_name": "first_name",
    "contact_phone": "phone",
    "source_ref": "device_id",
}
ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_]{1,40})\](\[\])?$")
MEDIA_URL = re.compile(r"^https?://[^\s<>\"\x00]{1,490}$")
REQUEST_ID = re.compile(r"[0-9A-Za-z_-]{1,40}")


def _intake_values(post) -> dict:
    problems: list[FieldProblem] = []
    attributes: dict[str, str] = {}
    for key in post:  # other parameters (a client's extras) are ignored, as the spec allows
        m = ATTRIBUTE.match(key)
        if m:
            attributes[m.group(1)] = post.get(key, "")
    code = post.get("service_code", "")
    if not code:
        problems.append(FieldProblem("service_code", "required"))
    elif code not in Category.values:
        problems.append(FieldProblem("service_code", "unknown service"))
    for name in attributes:
        if name not in ("kind", "region_code"):
            problems.append(FieldProblem(f"attribute[{name}]", "unknown attribute"))
    kind = attributes.get("kind") or DEFAULT_KIND
    if kind not in TicketKind.values:
        problems.append(FieldProblem("attribute[kind]", "unknown value"))
    lat, lng = post.get("lat", ""), post.get("long", "")
    address = post.get("address_string", "") or post.get("address_id", "")
    if bool(lat) != bool(lng):
        problems.append(FieldProblem("lat" if not lat else "long", "lat and long go together"))
    if not (lat and lng) and not address:
        problems.append(FieldProblem("lat", "a location is required: lat and long, or address_string"))
    media = post.get("media_url", "").strip()
    if media and not MEDIA_URL.match(media):
        problems.append(FieldProblem("media_url", "must be an http(s) URL of at most 500 characters"))
    if problems:
        raise InvalidInput(problems=problems)
    description = post.get("description", "").strip()
    if media:
        description = f"{description}\n附件：{media}"
    name = " ".join(x for x in (post.get("last_name", "").strip(), post.get("first_name", "").strip()) if x)
    return {
        "kind": kind,
        "category": code,
        "text": description,
        "address": address,
        "latitude": lat or None,
        "longitude": lng or None,
        "region_code": attributes.get("region_code", ""),
        "contact_name": name,
        "contact_phone": post.get("phone", "").strip(),
        "source_ref": post.get("device_id", "").strip()[:64],
    }


def create_request(post) -> list[dict]:
    from .services import do_intake

    client = client_for(post.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "api_key is missing or not valid")
    ratelimit.check(post_rate(), f"key:{client.pk}", message="too many requests")
    values = _intake_values(post)
    ticket = do_intake(actor=f"system:open311:{client.name}", channel="open311", **values)
    Open311Key.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return [
        {
            "service_request_id": ticket.number,
            "service_notice": SERVICE_NOTICE.format(number=ticket.number),
            "account_id": None,
        }
    ]


# --- Views ---------------------------------------------------------------------------------------


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "-"


def _problems_text(exc: InvalidInput) -> str:
    if not exc.problems:
        return exc.message
    return "; ".join(f"{SPEC_NAMES.get(p.field, p.field)}: {p.message}" for p in exc.problems)


def facade(handler):
    """Formats, throttling and the spec's error format around one endpoint."""

    def view(request, fmt: str, **kwargs):
        if fmt not in FORMATS:
            return error("json", 404, "format must be json or xml")
        try:
            if request.method == "GET":
                ratelimit.check(read_rate(), f"ip:{_client_ip(request)}", message="too many requests")
            return handler(request, fmt, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)
        except ratelimit.TooManyRequests:
            return error(fmt, 429, "too many requests, try again later")
        except InvalidInput as exc:
            return error(fmt, 400, _problems_text(exc))
        except DomainError as exc:
            return error(fmt, exc.status, exc.message)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return view


@require_http_methods(["GET"])
@facade
def services(request, fmt: str):
    return respond(fmt, services_list(), root="services", item="service")


@require_http_methods(["GET"])
@facade
def service(request, fmt: str, code: str):
    return respond(fmt, service_definition(code), root="service_definition", item="")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@facade
def requests(request, fmt: str):
    if request.method == "POST":
        return respond(fmt, create_request(request.POST), root="service_requests", item="request", status=201)
    return respond(fmt, find_requests(request.GET), root="service_requests", item="request")


@require_http_methods(["GET"])
@facade
def request_one(request, fmt: str, number: str):
    return respond(fmt, one_request(number), root="service_requests", item="request")


@require_http_methods(["GET"])
@facade
def token(request, fmt: str, token: str):
    rows = one_request(token)
    return respond(
        fmt,
        [{"service_request_id": rows[0]["service_request_id"], "token": token}],
        root="service_requests",
        item="request",
    )
