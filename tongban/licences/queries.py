"""Licence reads: licence types, a licence by identifier, the licences of a holder, versions,
the whole face, and the public half of the seal keys.

These are plain reads. Who may see what (the holder, staff of the issuer, agencies within
their business scope with a stated purpose and a usage log) is decided by the pages and the
API that call them.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tongban.core.errors import InvalidInput, NotFound
from tongban.core.identifiers import check_credit_code, check_resident_id, normalize

from . import canonical
from .enums import HolderCodeType, LicenceState
from .holders import holder_index
from .identifiers import check_identifier
from .models import LICENCE_HOLDER_CODE, Licence, LicenceType, LicenceUsage, SealKey


def licence_types(*, active_only: bool = True) -> QuerySet[LicenceType]:
    qs = LicenceType.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def get_licence_type(code: str) -> LicenceType:
    lt = LicenceType.objects.filter(code=normalize(code)).first()
    if lt is None:
        raise NotFound(f"证照类型 {code} 不存在")
    return lt


def issuing_department_ids(type_code: str) -> list[int]:
    return list(get_licence_type(type_code).issuing_departments.order_by("pk").values_list("pk", flat=True))


def get_licence(identifier: str, *, field: str = "identifier") -> Licence:
    """By identifier (InvalidInput naming `field` when malformed, NotFound when unknown)."""
    ident = check_identifier(identifier, field=field)
    licence = (
        Licence.objects.select_related("licence_type", "seal_key", "previous", "seal_batch")
        .filter(identifier=ident)
        .first()
    )
    if licence is None:
        raise NotFound(f"电子证照 {ident} 不存在")
    return licence


def _holder_indexes(holder_code: str, code_type: str | None, field: str) -> list[str]:
    code = normalize(holder_code)
    if code_type is not None:
        if code_type not in HolderCodeType.values:
            raise InvalidInput.field(
                "code_type", "持证主体代码类型应为 111（公民身份号码）或 001（统一社会信用代码）"
            )
        check = check_resident_id if code_type == HolderCodeType.RESIDENT_ID else check_credit_code
        result = check(code)
        if not result:
            raise InvalidInput.field(field, result.reason)
        return [holder_index(code, code_type)]
    kinds = [
        t
        for t, check in (
            (HolderCodeType.RESIDENT_ID, check_resident_id),
            (HolderCodeType.CREDIT_CODE, check_credit_code),
        )
        if check(code)
    ]
    if not kinds:
        raise InvalidInput.field(field, "应为18位公民身份号码或统一社会信用代码")
    return [holder_index(code, t) for t in kinds]


def holder_index_of(holder_code: str, code_type: str, *, field: str = "holder_code") -> str:
    """The blind index of a holder code of a known type (InvalidInput naming `field`)."""
    return _holder_indexes(holder_code, code_type, field)[0]


def licences_of_holder(
    holder_code: str, *, code_type: str | None = None, live_only: bool = False, field: str = "holder_code"
) -> QuerySet[Licence]:
    """Every licence version of a holder, newest first: one equality (or a two-value IN when
    the code could be either kind) on the holder blind index."""
    qs = Licence.objects.filter(holder_code_index__in=_holder_indexes(holder_code, code_type, field))
    if live_only:
        qs = qs.filter(state__in=LicenceState.live())
    return qs.select_related("licence_type").order_by("-issued_on", "-pk")


def licences_of_holder_index(index: str, *, live_only: bool = False) -> QuerySet[Licence]:
    """By a blind index the caller already has (a person's account: `id_number_index`)."""
    qs = Licence.objects.filter(holder_code_index=index)
    if live_only:
        qs = qs.filter(state__in=LicenceState.live())
    return qs.select_related("licence_type").order_by("-issued_on", "-pk")


def licences_of_holder_indexes(indexes: list[str]) -> QuerySet[Licence]:
    """Every licence version of several holders (a person and the 个体工商户 they operate)."""
    qs = Licence.objects.filter(holder_code_index__in=list(indexes))
    return qs.select_related("licence_type").order_by("-issued_on", "-pk")


def versions(licence: Licence) -> list[Licence]:
    """Every version of the licence's line, oldest first."""
    return list(
        Licence.objects.filter(
            licence_type_id=licence.licence_type_id, issuer_id=licence.issuer_id, serial=licence.serial
        ).order_by("version")
    )


def current_version(licence: Licence) -> Licence:
    return versions(licence)[-1]


def licence_face(licence: Licence) -> dict[str, str]:
    """The whole face in clear, personal fields included (for the holder and the issuer)."""
    return canonical.stored_face(licence)


def licence_holder_code(licence: Licence) -> str:
    """The holder code in clear (for the holder and the issuer; pages show `holder_code_masked`)."""
    return LICENCE_HOLDER_CODE.read(licence)


def canonical_form(licence: Licence) -> bytes:
    """The bytes the licence's e-seal signed (contains personal data in clear)."""
    return canonical.canonical_bytes(canonical.stored_content(licence))


def seal_keys(department_id: int) -> list[dict]:
    """The public half of a department's seal keys, newest first: never the private key."""
    rows = SealKey.objects.filter(department_id=department_id).order_by("-valid_from", "-pk")
    return list(rows.values("kid", "public_key", "valid_from", "valid_until", "revoked_at", "revoke_reason"))


def active_seal_key(department_id: int) -> dict | None:
    row = SealKey.objects.filter(
        department_id=department_id, valid_until__isnull=True, revoked_at__isnull=True
    )
    return row.values("kid", "public_key", "valid_from").first()


def seal_picture(department_name: str, *, caption: str) -> str:
    """The picture of a department's e-seal (an SVG data URI: a red ring with its name, a star
    and `caption`), for documents other apps print (the cases app's notices): the same drawing
    as on licence faces. It illustrates the seal; the proof is the document's verification."""
    from .rendering import seal_svg, svg_data_uri

    return svg_data_uri(seal_svg(department_name, caption=caption))


def known_type_codes(codes) -> set[str]:
    """Which of these licence type codes the library holds (active types)."""
    return set(licence_types().filter(code__in=list(codes)).values_list("code", flat=True))


def get_usage(pk: int):
    """One usage-log entry (用证记录), or None."""
    return LicenceUsage.objects.filter(pk=pk).first()


def issuance_figures(
    *, date_from, date_to, region_prefix: str, department_id: int | None = None
) -> dict[str, int]:
    """For insight's indicators (一屏全览): e-licence versions issued on the days [date_from,
    date_to] by departments of the region (prefix) and below (or one department), and licences
    supplied through the usage log (用证, outcome 已提供) in those local days by departments of
    the region. Two counts, nothing personal."""
    import datetime as dt

    from django.utils import timezone

    from tongban.core import queries as core_queries

    from .enums import UsageOutcome

    issued = Licence.objects.filter(
        issued_on__gte=date_from, issued_on__lte=date_to, issuer__region__code__startswith=region_prefix
    )
    departments = core_queries.departments().filter(region__code__startswith=region_prefix)
    if department_id is not None:
        issued = issued.filter(issuer_id=department_id)
        departments = departments.filter(pk=department_id)
    zone = timezone.get_current_timezone()
    used = LicenceUsage.objects.filter(
        outcome=UsageOutcome.SUPPLIED,
        at__gte=dt.datetime.combine(date_from, dt.time.min, zone),
        at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone),
        department_id__in=departments.values("pk"),
    )
    return {"issued": issued.count(), "used": used.count()}


def department_signature_valid(*, kid: str, department_id: int, message: bytes, signature: str, at) -> bool:
    """Whether `signature` (base64) over `message` was made by the seal key `kid` of the
    department, valid at `at` and not revoked (other apps' signed records: supervision's tasks)."""
    from .seals import key_valid_at, verify_bytes

    key = SealKey.objects.filter(kid=kid, department_id=department_id).first()
    if key is None or key.revoked_at is not None or not key_valid_at(key, at):
        return False
    return verify_bytes(key, message, signature)
