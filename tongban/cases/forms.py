"""Case pages' input: the application form drawn from the item version's schema (forms as data),
uploaded files as `services.Upload`, and the small Django forms of the workbench actions.

Forms only parse and bound the input; the services decide what is allowed."""

from __future__ import annotations

import mimetypes

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import FieldProblem, InvalidInput

from . import services
from .enums import Delivery, PauseKind, ResultCode, SpecialProcedure, StepOutcome

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
MAX_FILES_PER_MATERIAL = 10
INPUT_TYPES = {"date": "date", "email": "email"}
INPUT_MODES = {"number": "decimal", "mobile": "tel", "id_number": "text", "credit_code": "text"}


# --- The application form (schema as data) ---------------------------------------------------


def schema_values(schema: dict, data) -> dict:
    """The submitted values of the schema's fields only (nothing else is passed on)."""
    out = {}
    for section in schema["sections"]:
        for field in section["fields"]:
            name = field["name"]
            if field["type"] == "checkbox":
                out[name] = data.get(name) == "on"
            else:
                out[name] = (data.get(name) or "")[:5000]
    return out


def bound_sections(schema: dict, values: dict, problems: dict[str, str]) -> list[dict]:
    """Sections ready to render: each field with its value, error, input type and ids."""
    sections = []
    for s_index, section in enumerate(schema["sections"]):
        fields = []
        for field in section["fields"]:
            value = values.get(field["name"], "")
            choices = [
                c if isinstance(c, dict) else {"value": c, "label": c} for c in field.get("choices") or []
            ]
            fields.append(
                {
                    **field,
                    "id": f"f-{field['name']}",
                    "value": "" if value is None or value is False else value,
                    "checked": value is True,
                    "error": problems.get(field["name"], ""),
                    "input_type": INPUT_TYPES.get(field["type"], "text"),
                    "inputmode": INPUT_MODES.get(field["type"], ""),
                    "choices": choices,
                }
            )
        sections.append(
            {
                "id": f"section-{s_index}",
                "title": section["title"],
                "when": section.get("when"),
                "fields": fields,
            }
        )
    return sections


# --- Files -------------------------------------------------------------------------------------


def _content_type(uploaded) -> str:
    kind = (uploaded.content_type or "").lower()
    if kind == "image/jpg":
        kind = "image/jpeg"
    if kind not in ("application/pdf", "image/jpeg", "image/png"):
        kind = mimetypes.guess_type(uploaded.name or "")[0] or kind
    return kind


def to_upload(uploaded, material_id: int | None, *, field: str) -> services.Upload:
    """An uploaded file as the services take it, checked (type by content, size) and named by field.
    At most MAX_FILE_BYTES + 1 bytes are read, so an oversized file is refused without reading it all."""
    content = uploaded.read(services.MAX_FILE_BYTES + 1)
    upload = services.Upload(
        material_id=material_id,
        name=(uploaded.name or "file")[:200],
        content=content,
        content_type=_content_type(uploaded),
    )
    services.check_upload(upload, field=field)
    return upload


def material_uploads(files, materials) -> list[services.Upload]:
    """Every file of every material input (`m_<material id>`, several files each); all problems
    named by the material's field at once."""
    uploads, problems = [], []
    for material in materials:
        field = f"m_{material.pk}"
        chosen = [f for f in files.getlist(field) if f.name]
        if len(chosen) > MAX_FILES_PER_MATERIAL:
            problems.append(
                FieldProblem(
                    field,
                    gettext("“%(name)s”最多上传%(n)d个文件")
                    % {"name": material.name, "n": MAX_FILES_PER_MATERIAL},
                )
            )
            continue
        for uploaded in chosen:
            try:
                uploads.append(to_upload(uploaded, material.pk, field=field))
            except InvalidInput as exc:
                problems.extend(FieldProblem(field, p.message) for p in exc.problems)
    if problems:
        raise InvalidInput(gettext("上传的材料有需要修改的地方"), problems=problems)
    return uploads


def checked_uploads(files, materials) -> tuple[list[services.Upload], dict[str, str]]:
    """The good files of every material input, and a message for each input with a bad one: the
    good ones are kept (staged) even when another is refused."""
    uploads, problems = [], {}
    for material in materials:
        try:
            uploads.extend(material_uploads(files, [material]))
        except InvalidInput as exc:
            problems.setdefault(f"m_{material.pk}", exc.problems[0].message)
    return uploads, problems


def signed_materials(data, materials) -> set[int]:
    """The materials (告知承诺书) whose commitment the applicant ticked: `c_<material id>`."""
    return {m.pk for m in materials if data.get(f"c_{m.pk}") == "on"}


def plain_uploads(files, field: str = "files") -> list[services.Upload]:
    chosen = [f for f in files.getlist(field) if f.name]
    if len(chosen) > MAX_FILES_PER_MATERIAL:
        raise InvalidInput.field(field, gettext("一次最多上传%(n)d个文件") % {"n": MAX_FILES_PER_MATERIAL})
    return [to_upload(f, None, field=field) for f in chosen]


# --- Applicant actions -----------------------------------------------------------------------


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因（可不填）"), max_length=500, required=False)


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(label=_("送达方式"), choices=Delivery.choices, widget=forms.RadioSelect)
    address = forms.CharField(
        label=_("邮寄地址"),
        max_length=300,
        required=False,
        help_text=_("选择邮寄送达时填写，含收件人和电话"),
    )

    def __init__(self, *args, offered: list[str] | None = None, **kwargs):
        """Only the methods the item's guide offers (all of them when it names none)."""
        super().__init__(*args, **kwargs)
        if offered:
            self.fields["method"].choices = [(v, label) for v, label in Delivery.choices if v in offered]


class SupplyForm(forms.Form):
    note = forms.CharField(label=_("说明（可不填）"), max_length=500, required=False)


# --- Workbench actions -------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class SupplementForm(forms.Form):
    items = forms.CharField(
        label=_("需补正的材料或内容（每行一项，一次列全）"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)

    def item_list(self) -> list[str]:
        return _lines(self.cleaned_data["items"])


class PauseForm(forms.Form):
    kind = forms.ChoiceField(label=_("暂停类型"), choices=PauseKind.choices)
    procedure = forms.ChoiceField(
        label=_("特别程序种类"),
        choices=[("", _("（补齐补正不需选择）")), *SpecialProcedure.choices],
        required=False,
    )
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    items = forms.CharField(
        label=_("需补正的材料（补齐补正时，每行一项）"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def item_list(self) -> list[str]:
        return _lines(self.cleaned_data.get("items", ""))


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延期工作日"), min_value=1, max_value=services.MAX_EXTENSION_DAYS)
    approver = forms.TypedChoiceField(label=_("批准人（本部门负责人，不能是本人）"), coerce=int, choices=())
    reason = forms.CharField(label=_("延期理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, approvers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].choices = [("", gettext("请选择"))] + [(u.pk, str(u)) for u in approvers]


class ExtensionDecisionForm(forms.Form):
    """The named approver's decision on a pending extension request (延期审批)."""

    request_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    decision = forms.ChoiceField(
        label=_("审批结果"),
        choices=(("approve", _("批准延期")), ("reject", _("不批准"))),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("意见（不批准时必填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(forms.Form):
    step_index = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=20)
    assignee = forms.TypedChoiceField(
        label=_("指派给"), coerce=int, choices=(), required=False, empty_value=None
    )

    def __init__(self, *args, officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", gettext("科室队列（不指定）"))] + [
            (u.pk, str(u)) for u in officers
        ]


class StepForm(forms.Form):
    step_index = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=20)
    outcome = forms.ChoiceField(label=_("审批意见"), choices=StepOutcome.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("意见说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConcludeForm(forms.Form):
    """办结; for an item whose result is a licence, the licence's face prefilled from the
    application (`services.licence_draft`) for the officer to confirm or complete: fields
    `lf_<key>`, passed on as `licence_face`. The service decides what is required."""

    PREFIX = "lf_"
    licence_title = ""

    result_code = forms.ChoiceField(
        label=_("办结结果"),
        choices=[("", _("按审批决定")), *ResultCode.choices],
        required=False,
    )

    def __init__(self, *args, draft: services.LicenceDraft | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if draft is None:
            return
        title = gettext("以“出证”办结时签发电子%(name)s") % {"name": draft.type_name}
        self.licence_title = title
        if draft.new_entity:
            self._add("holder_name", gettext("新设立主体名称"), draft.holder_name, 200)
            self._add("holder_code", gettext("统一社会信用代码（空白则由平台赋码）"), draft.holder_code, 18)
        for spec in draft.fields:
            if spec["key"] == "credit_code" and draft.new_entity:
                continue
            self._add(spec["key"], spec["label"], spec["value"], spec.get("max_length") or 200, spec=spec)
        if draft.needs_valid_until:
            self._add("valid_until", gettext("有效期至"), draft.valid_until, 10, kind="date")

    def _add(self, key: str, label: str, value: str, max_length: int, *, spec=None, kind: str = "") -> None:
        kind = kind or (spec or {}).get("type", "text")
        if kind == "choice":
            field = forms.ChoiceField(choices=[("", "—"), *((c, c) for c in spec["choices"])], required=False)
        elif kind == "textarea":
            field = forms.CharField(
                max_length=max_length, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        else:
            attrs = {"type": "date"} if kind == "date" else {}
            field = forms.CharField(max_length=max_length, required=False, widget=forms.TextInput(attrs))
        field.label = label
        field.initial = value
        self.fields[self.PREFIX + key] = field

    def licence_face(self) -> dict | None:
        face = {
            name.removeprefix(self.PREFIX): (value or "").strip()
            for name, value in self.cleaned_data.items()
            if name.startswith(self.PREFIX)
        }
        return {k: v for k, v in face.items() if v} if face else None


class DeliverForm(forms.Form):
    tracking_number = forms.CharField(label=_("快递单号（邮寄送达时填写）"), max_length=40, required=False)


class FindApplicantForm(forms.Form):
    id_number = forms.CharField(label=_("申请人身份证号码"), max_length=18, min_length=15)


class ItemSearchForm(forms.Form):
    q = forms.CharField(label=_("事项名称或实施编码"), max_length=50)


def intake_missing(data, materials) -> list[dict]:
    """容缺 choices: `missing_<id>` ticked with `due_<id>` as the promised date."""
    return [
        {"material_id": m.pk, "due": (data.get(f"due_{m.pk}") or "").strip()}
        for m in materials
        if data.get(f"missing_{m.pk}") == "on"
    ]


class ProgressForm(forms.Form):
    """办件进度查询 without signing in: the case number and its query code or phone digits."""

    number = forms.RegexField(
        label=_("办件编号"),
        regex=r"^\s*\d{21}\s*$",
        max_length=30,
        error_messages={"invalid": _("请输入21位办件编号")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    code = forms.CharField(
        label=_("查询码或联系电话后四位"),
        max_length=12,
        help_text=_("查询码印在受理回执（受理通知书）上；也可以输入申请时所留联系电话的后四位。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "aria-describedby": "id_code-help"}
        ),
    )

    def clean_code(self) -> str:
        from .progress import CODE_RE, TAIL_RE

        code = self.cleaned_data["code"].replace(" ", "").replace("-", "").upper()
        if not (CODE_RE.match(code) or TAIL_RE.match(code)):
            raise forms.ValidationError(gettext("请输入8位查询码，或联系电话的后四位"))
        return code
