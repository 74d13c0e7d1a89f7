"""受理: a request comes in by phone (the operator keys the call in), web or mobile 留言, the
app, Open311 or a department's transfer, and becomes a ticket; a consultation may be answered
directly (直接答复) at once, which closes it. Call records count for 接通率.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from tongban.accounts import queries as account_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.crypto import blind_index
from tongban.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import mask_phone, normalize_phone

from . import deadlines, kb, metrics
from .enums import MAX_TEXT, Category, Channel, TicketKind, TicketState, Urgency
from .events import PLATFORM_CENTRE, audit_event, locked, log_event, new_event, notify_caller, require_state
from .models import TICKET_CONTACT_NAME, TICKET_CONTACT_PHONE, CallRecord, Ticket, TicketCounter
from .permissions import is_operator, unit_of

STAFF_CHANNELS = {Channel.PHONE, Channel.TRANSFER}


# 工单编号 = yymmdd + 6 digits, numbered per day from 1. On PostgreSQL the digits come from a
# sequence (hotline migration 0004), which takes no lock: intakes no longer queue on a counter
# row held to their commit. The day's row keeps `base`, the sequence's value when the day began;
# a number is the day + (nextval - base). Values are never handed out twice, so numbers stay
# unique; a rolled-back intake leaves a gap (numbers are gap-tolerant: unique and increasing
# in the order they were drawn, not consecutive). SQLite, which serialises its writers anyway,
# keeps the counter row: one upsert moving `last` on, locked to the commit (no gaps there).
NUMBER_SEQUENCE = "hotline_ticket_number_seq"
MAX_PER_DAY = 999_999
_NEXT_NUMBER_SQL = (
    "INSERT INTO hotline_ticketcounter (day, last) VALUES (%s, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = hotline_ticketcounter.last + 1 RETURNING last"
)
# The base and the next value in one statement: the base row is committed (or this transaction's
# own), so the nextval that made it came before this statement's, and nextval - base >= 1.
# The audit chain's head (and lock) comes with them.
_DRAW_SQL = (
    f"SELECT base, nextval('{NUMBER_SEQUENCE}'), {{chain_head}} FROM hotline_ticketcounter WHERE day = %s"  # noqa: S608
)
# The day's first intake (once a day): its base is a value of the sequence drawn now. A second
# intake racing for the same day waits for the first's commit and then reads its row.
_OPEN_DAY_SQL = (
    f"INSERT INTO hotline_ticketcounter (day, last, base) VALUES (%s, 0, nextval('{NUMBER_SEQUENCE}')) "  # noqa: S608
    "ON CONFLICT (day) DO NOTHING"
)
assert TicketCounter._meta.db_table == "hotline_ticketcounter"


def _next_number(day: dt.date) -> str:
    """The next ticket number of `day`: on PostgreSQL one statement (three on the day's first
    intake), which also takes the audit chain's lock and head for the intake's own statement
    (`audit.with_chain_head`; the caller is inside `audit.batch()`); one upsert on SQLite."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cur:
            cur.execute(_NEXT_NUMBER_SQL, [day])
            last = cur.fetchone()[0]
    else:
        row = audit.with_chain_head(_DRAW_SQL, [day])
        if row is None:
            with connection.cursor() as cur:
                cur.execute(_OPEN_DAY_SQL, [day])
            row = audit.with_chain_head(_DRAW_SQL, [day])
        base, value = row
        last = value - base
    if last > MAX_PER_DAY:
        raise Conflict("今日工单编号已用完")
    return f"{day:%y%m%d}{last:06d}"


@functools.cache
def _insert_statement(model, column_sql: tuple[tuple[str, str], ...] = ()) -> tuple[str, tuple]:
    """An INSERT of one `model` row RETURNING its primary key, built once per process: the
    statement and the fields whose values it takes, in order. `column_sql` puts SQL in place of
    some columns' values (by attname). Fields that need their own placeholder (binary, database
    defaults) are not taken here."""
    meta = model._meta
    qn = connection.ops.quote_name
    fields = [f for f in meta.local_concrete_fields if not f.generated and not f.primary_key]
    for f in fields:
        if getattr(f, "get_placeholder_sql", None) is not None or f.has_db_default():
            raise TypeError(f"{meta.label}.{f.name}: insert it with the ORM")
    given = dict(column_sql)
    placeholders = [given.get(f.attname, "%s") for f in fields]
    # Quoted names of the model's own columns; values are parameters.
    table, columns = qn(meta.db_table), ", ".join(qn(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(placeholders)}) "  # noqa: S608
    sql += f"RETURNING {table}.{qn(meta.pk.column)}"
    return sql, tuple(f for f in fields if f.attname not in given)


def _insert_sql(obj, **column_sql: str) -> tuple[str, list]:
    """`obj`'s INSERT (`_insert_statement`) and its values, converted by each field as the ORM's
    save does (pre_save, then get_db_prep_save)."""
    sql, fields = _insert_statement(type(obj), tuple(sorted(column_sql.items())))
    return sql, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _insert_ticket(ticket: Ticket, event, rollup: tuple[str, list] | None) -> None:
    """PostgreSQL: the ticket, its log line (pointing at the ticket's new id), the centre's
    rollup and the audit event in one statement of data-modifying WITH queries
    (`audit.write_with_events`, the chain's head taken with the number)."""
    ticket_sql, ticket_params = _insert_sql(ticket)
    event_sql, event_params = _insert_sql(event, ticket_id="(SELECT id FROM new_ticket)")
    parts = [("new_ticket", ticket_sql, ticket_params), ("new_event", event_sql, event_params)]
    if rollup is not None:
        parts.append(("rollup", *rollup))
    ticket_id, event_id = audit.write_with_events(
        parts, "(SELECT id FROM new_ticket), (SELECT id FROM new_event)"
    )
    for obj, pk in ((ticket, ticket_id), (event, event_id)):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
    event.ticket = ticket


def _coordinate(value, field: str, limit: int, problems: list[FieldProblem]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        problems.append(FieldProblem(field, "坐标应为数字"))
        return None
    if not -limit <= number <= limit:
        problems.append(FieldProblem(field, f"坐标应在 -{limit} 与 {limit} 之间"))
        return None
    return number


_CENTRE_ATTR = "_hotline_centre"


def centre_of(actor) -> str:
    """The hotline centre a call or intake counts for: the operator's region, else the province.
    Kept on the actor object (a request's user, loaded afresh each request) after the first
    look-up, as the roles are (`permissions._roles`)."""
    unit = unit_of(actor)
    if unit is None:
        return PLATFORM_CENTRE
    cached = getattr(actor, _CENTRE_ATTR, None)
    if cached is not None and cached[0] == unit:
        return cached[1]
    dept = core_queries.departments_by_id([unit]).get(unit)
    centre = dept.region_id[:6] if dept is not None else PLATFORM_CENTRE
    setattr(actor, _CENTRE_ATTR, (unit, centre))
    return centre


def do_intake(
    *,
    actor,
    channel: str,
    kind: str,
    text: str,
    category: str = "",
    address: str = "",
    latitude=None,
    longitude=None,
    region_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    anonymous_to_unit: bool = False,
    source_ref: str = "",
    urgency: str = Urgency.NORMAL,
) -> Ticket:
    """Take a request in (受理). Every problem at once, each naming its field; nothing is written
    then. Phone and transfer intakes are staff's (operators; transfers also any unit's staff)."""
    problems: list[FieldProblem] = []
    if channel not in Channel.values:
        problems.append(FieldProblem("channel", "未知的受理渠道"))
    if kind not in TicketKind.values:
        problems.append(FieldProblem("kind", "请选择诉求类型"))
    if category and category not in Category.values:
        problems.append(FieldProblem("category", "未知的诉求分类"))
    if urgency not in Urgency.values:
        problems.append(FieldProblem("urgency", "未知的紧急程度"))
    text = (text or "").strip()
    if len(text) < 5:
        problems.append(FieldProblem("text", "请写明诉求内容（至少5个字）"))
    elif len(text) > MAX_TEXT:
        problems.append(FieldProblem("text", f"诉求内容不能超过{MAX_TEXT}个字"))
    address = " ".join((address or "").split())
    if len(address) > 200:
        problems.append(FieldProblem("address", "地址不能超过200个字"))
    lat = _coordinate(latitude, "latitude", 90, problems)
    lng = _coordinate(longitude, "longitude", 180, problems)
    region = (region_code or "").strip()
    if region:
        try:
            region = core_queries.check_region_code(region, field="region_code")[:6]
        except InvalidInput as exc:
            problems.extend(exc.problems)
    contact_name = " ".join((contact_name or "").split())
    if len(contact_name) > 40:
        problems.append(FieldProblem("contact_name", "姓名不能超过40个字"))
    phone = ""
    if contact_phone:
        phone = normalize_phone(contact_phone)
        if not phone:
            problems.append(FieldProblem("contact_phone", "请填写有效的手机或固定电话号码"))
    for name, value in (
        ("text", text),
        ("address", address),
        ("contact_name", contact_name),
        ("source_ref", source_ref),
    ):
        if "\x00" in (value or ""):
            problems.append(FieldProblem(name, "内容含有无效字符"))
    if len(source_ref or "") > 64:
        problems.append(FieldProblem("source_ref", "来源编号不能超过64个字符"))
    if problems:
        raise InvalidInput(problems=problems)
    operator = is_operator(actor)
    if channel in STAFF_CHANNELS and not (
        operator or (channel == Channel.TRANSFER and unit_of(actor) is not None)
    ):
        raise Forbidden("只有热线坐席可以录入电话诉求")
    citizen = actor if account_queries.is_person(actor) else None
    at = deadlines.now()
    rule = deadlines.rule_for(kind, urgency)
    start = deadlines.today()
    centre = centre_of(actor)
    # Nothing here is held by one intake against another but the audit chain's lock, from the
    # number's statement to the commit: the number comes from a sequence and the centre's rollup
    # row is this thread's stripe (metrics). On PostgreSQL: BEGIN, the number with the chain's
    # head, one statement writing the ticket, its log line, the rollup and the audit event
    # (`_insert_ticket`), COMMIT. What does not need the number is made before it.
    rollup = metrics.centre_upsert(centre, at, tickets=1)
    index = blind_index(phone, purpose="mobile") if phone else ""
    masked = mask_phone(phone) if phone else ""
    reply_due = deadlines.reply_due(start, reply_days=rule.reply_days)
    with transaction.atomic(), audit.batch():
        number = _next_number(start)
        ticket = Ticket(
            number=number,
            channel=channel,
            kind=kind,
            category=category,
            urgency=urgency,
            text=text,
            address=address,
            latitude=lat,
            longitude=lng,
            region_code=region,
            citizen=citizen,
            anonymous_to_unit=bool(anonymous_to_unit),
            source_ref=source_ref or "",
            operator=actor if operator else None,
            state=TicketState.RECEIVED,
            received_at=at,
            clock_start=start,
            reply_days=rule.reply_days,
            reply_due=reply_due,
            contact_phone_index=index,
            contact_phone_masked=masked,
        )
        TICKET_CONTACT_NAME.encrypt_into(ticket, contact_name)
        TICKET_CONTACT_PHONE.encrypt_into(ticket, phone)
        event = new_event(ticket, actor=actor, action="intake", from_state="")
        audit_event(
            ticket, actor=actor, action="intake", from_state="", data={"channel": channel, "kind": kind}
        )
        if connection.vendor == "postgresql":
            _insert_ticket(ticket, event, rollup)
        else:
            ticket.save()
            event.ticket = ticket
            event.save()
            metrics.bump_centre(centre, at, tickets=1)
        notify_caller(ticket, f"您的诉求已受理，工单编号{number}，可凭编号和手机号在12345网站查询办理进度。")
    return ticket


def _article_pk(article_id) -> int | None:
    """The knowledge-base article an answer used: None when none was picked (an empty form
    field), else a positive id; anything else is a field error."""
    if article_id is None or article_id == "":
        return None
    if isinstance(article_id, bool):
        raise InvalidInput.field("article_id", "知识库文章编号无效")
    if isinstance(article_id, str):
        article_id = article_id.strip()
        if not (article_id.isascii() and article_id.isdigit()) or len(article_id) > 18:
            raise InvalidInput.field("article_id", "知识库文章编号无效")
        article_id = int(article_id)
    if not isinstance(article_id, int) or article_id <= 0:
        raise InvalidInput.field("article_id", "知识库文章编号无效")
    return article_id


def do_answer_directly(*, actor, number: str, answer: str, article_id: int | str | None = None) -> Ticket:
    """直接答复: the operator answers a just-received ticket (a consultation, usually from the
    knowledge base); the ticket is closed (办结) at once, on time, and counts for 直接答复率. The
    article the answer used (`article_id`, picked in the assist panel) must be live: its use
    count goes up in the same transaction (`kb.do_count_use`); an unknown, unpublished, retired
    or expired one is a field error on `article_id` and nothing is written."""
    if not is_operator(actor):
        raise Forbidden("只有热线坐席可以直接答复")
    answer = (answer or "").replace("\x00", "").strip()
    if len(answer) < 2:
        raise InvalidInput.field("answer", "请填写答复内容")
    if len(answer) > MAX_TEXT:
        raise InvalidInput.field("answer", f"答复内容不能超过{MAX_TEXT}个字")
    article_pk = _article_pk(article_id)
    with transaction.atomic():
        ticket = locked(number)
        require_state(ticket, TicketState.RECEIVED, message="只有尚未派单的工单可以直接答复")
        if ticket.dispatches:
            raise Conflict("已派过单的工单不能直接答复")
        version = None
        if article_pk is not None:
            try:
                version = kb.do_count_use(actor=actor, article_id=article_pk)
            except NotFound:
                raise InvalidInput.field("article_id", "该知识库文章不存在或未发布、已下架、已失效") from None
        before = ticket.state
        at = deadlines.now()
        ticket.state = TicketState.CLOSED
        ticket.direct = True
        ticket.answer = answer
        ticket.article_id = article_pk
        ticket.replied_at = at
        ticket.closed_at = at
        ticket.closed_on_time = True
        ticket.save()
        log_event(
            ticket,
            actor=actor,
            action="answer_directly",
            from_state=before,
            note=answer,
            data={"article": article_pk, "article_version": version.number} if version else None,
        )
        metrics.bump_centre(centre_of(ticket.operator or actor), at, direct=1)
        notify_caller(ticket, f"您的诉求（工单{ticket.number}）已答复：{answer[:60]}")
    return ticket


def do_record_call(
    *, actor, answered: bool, seconds: int = 0, number: str = "", region_code: str = ""
) -> CallRecord:
    """话务记录: one incoming call at the operator's centre, answered or not (接通率)."""
    if not is_operator(actor):
        raise Forbidden("只有热线坐席可以登记话务记录")
    if not isinstance(seconds, int) or seconds < 0 or seconds > 86400:
        raise InvalidInput.field("seconds", "通话时长应为0至86400秒")
    region = centre_of(actor)
    if region_code:
        region = core_queries.check_region_code(region_code, field="region_code")[:6]
    with transaction.atomic():
        ticket = locked(number) if number else None
        at = deadlines.now()
        call = CallRecord.objects.create(
            region_code=region,
            operator=actor,
            at=at,
            answered=bool(answered),
            seconds=seconds if answered else 0,
            ticket=ticket,
        )
        audit.record(
            actor=actor,
            action="hotline.call.record",
            object_type="hotline.callrecord",
            object_id=call.pk,
            data={"answered": bool(answered), "centre": region},
        )
        # After the chain's lock, as intake and 直接答复 do: one lock order, no deadlock.
        metrics.bump_centre(region, at, calls=1, answered_calls=1 if answered else 0)
    return call
