"""Workbench forms: parse staff input into the shapes the services take (no rules here)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .enums import (
    CaseType,
    DeliveryMethod,
    HandlingForm,
    MaterialMedium,
    MaterialRequirement,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
    TimeUnit,
)

SCALAR_FIELDS = (
    "name",
    "description",
    "conditions",
    "statutory_limit",
    "statutory_unit",
    "promised_limit",
    "promised_unit",
    "limit_note",
    "case_type",
    "charged",
    "fee_basis",
    "visits",
    "visit_reason",
    "fully_online",
    "nearby",
    "consult_phone",
    "complaint_phone",
    "result_name",
    "result_license_type_code",
    "result_sample",
    "online_url",
)
MULTI_FIELDS = ("service_objects", "handling_forms", "online_depth", "delivery_methods")


class ItemForm(forms.Form):
    name = forms.CharField(label=_("事项名称"), max_length=200)
    description = forms.CharField(
        label=_("事项说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    conditions = forms.CharField(
        label=_("受理条件"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    service_objects = forms.MultipleChoiceField(
        label=_("服务对象"), choices=ServiceObject.choices, widget=forms.CheckboxSelectMultiple
    )
    statutory_limit = forms.IntegerField(label=_("法定办结时限"), min_value=0, max_value=3650)
    statutory_unit = forms.ChoiceField(label=_("法定时限单位"), choices=TimeUnit.choices)
    promised_limit = forms.IntegerField(label=_("承诺办结时限（0 为即时办结）"), min_value=0, max_value=3650)
    promised_unit = forms.ChoiceField(label=_("承诺时限单位"), choices=TimeUnit.choices)
    limit_note = forms.CharField(label=_("时限说明"), max_length=500, required=False)
    case_type = forms.ChoiceField(label=_("办件类型"), choices=CaseType.choices)
    charged = forms.BooleanField(label=_("收费"), required=False)
    fee_basis = forms.CharField(label=_("收费依据"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    visits = forms.IntegerField(label=_("到办事现场次数"), min_value=0, max_value=10)
    visit_reason = forms.CharField(label=_("必须现场办理原因"), max_length=500, required=False)
    handling_forms = forms.MultipleChoiceField(
        label=_("办理形式"), choices=HandlingForm.choices, widget=forms.CheckboxSelectMultiple
    )
    online_depth = forms.MultipleChoiceField(
        label=_("网上办理深度"),
        choices=OnlineDepth.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fully_online = forms.BooleanField(label=_("全程网办"), required=False)
    nearby = forms.BooleanField(label=_("就近办"), required=False)
    delivery_methods = forms.MultipleChoiceField(
        label=_("送达方式"),
        choices=DeliveryMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consult_phone = forms.CharField(label=_("咨询电话"), max_length=60)
    complaint_phone = forms.CharField(label=_("监督投诉电话"), max_length=60)
    result_name = forms.CharField(label=_("审批结果名称"), max_length=200, required=False)
    result_license_type_code = forms.CharField(
        label=_("审批结果电子证照类型代码"),
        max_length=40,
        required=False,
        help_text=_("填写后，以“出证”办结时自动向电子证照库签发该类证照"),
    )
    result_sample = forms.CharField(
        label=_("审批结果样本"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    online_url = forms.CharField(label=_("网上办理地址"), max_length=300, required=False)

    @classmethod
    def for_item(cls, item, data=None) -> ItemForm:
        initial = {f: getattr(item, f) for f in (*SCALAR_FIELDS, *MULTI_FIELDS)}
        return cls(data=data, initial=initial)


class MaterialForm(forms.Form):
    name = forms.CharField(label=_("材料名称"), max_length=200)
    source = forms.ChoiceField(label=_("来源渠道"), choices=MaterialSource.choices)
    originals = forms.IntegerField(label=_("原件"), min_value=0, max_value=99)
    copies = forms.IntegerField(label=_("复印件"), min_value=0, max_value=99)
    medium = forms.ChoiceField(label=_("形式"), choices=MaterialMedium.choices)
    requirement = forms.ChoiceField(label=_("必要性"), choices=MaterialRequirement.choices)
    license_type_code = forms.CharField(label=_("电子证照类型代码"), max_length=40, required=False)
    license_type_name = forms.CharField(label=_("电子证照名称"), max_length=100, required=False)
    spec = forms.CharField(label=_("填报要求"), max_length=500, required=False)


MaterialFormSet = forms.formset_factory(MaterialForm, extra=1, can_delete=True, max_num=60, validate_max=True)


def material_initial(item) -> list[dict]:
    return [
        {
            f: getattr(m, f)
            for f in (
                "name",
                "source",
                "originals",
                "copies",
                "medium",
                "requirement",
                "license_type_code",
                "license_type_name",
                "spec",
            )
        }
        for m in item.materials.all()
    ]


def cleaned_materials(formset) -> list[dict]:
    return [
        {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("实施清单文件（xlsx，按模板填写）"))
