"""Sign-in and account forms: parse and bound the input; the services decide."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import ConsentMethod, HelperRelation, StaffRole


class PasswordLoginForm(forms.Form):
    identifier = forms.CharField(label=_("账号"), max_length=64, help_text=_("用户名、手机号码或身份证号码"))
    password = forms.CharField(label=_("密码"), max_length=128, widget=forms.PasswordInput)


class SmsLoginForm(forms.Form):
    mobile = forms.CharField(label=_("手机号码"), max_length=11)
    code = forms.CharField(label=_("短信验证码"), max_length=6)


class TotpForm(forms.Form):
    code = forms.CharField(label=_("动态口令"), max_length=6, min_length=6)


# --- Account pages --------------------------------------------------------------------------


_CODE_SPLIT = re.compile(r"[\s,，、;；]+")


class NoEchoInput(forms.TextInput):
    """A text field whose value is never written back into the page (ID numbers): after an
    error the person types it again, so the clear number never appears in any HTML."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value):
        return None


class NoEchoEmailInput(NoEchoInput):
    input_type = "email"


def _strip(value) -> str:
    return (value or "").strip()


def _six_digits(code: str) -> str:
    if not (code.isdigit() and len(code) == 6):
        raise forms.ValidationError(_("验证码为6位数字"))
    return code


class SignupForm(forms.Form):
    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=11,
        help_text=_("用于登录和接收验证码"),
        error_messages={"required": "请输入手机号码"},
    )
    code = forms.CharField(label=_("短信验证码"), max_length=6, required=False)
    display_name = forms.CharField(label=_("姓名"), max_length=60, error_messages={"required": "请输入姓名"})
    password = forms.CharField(
        label=_("设置密码"),
        max_length=128,
        widget=forms.PasswordInput,
        help_text=_("至少10位，不能全是数字，不能与手机号码相近"),
        error_messages={"required": "请设置密码"},
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        max_length=128,
        widget=forms.PasswordInput,
        error_messages={"required": "请再次输入密码"},
    )

    def clean_code(self):
        code = _strip(self.cleaned_data.get("code"))
        if not code:
            raise forms.ValidationError("请输入短信验证码（先点击“获取验证码”）")
        return _six_digits(code)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data


class SendCodeForm(forms.Form):
    mobile = forms.CharField(
        label=_("手机号码"), max_length=11, error_messages={"required": "请输入手机号码"}
    )


class EmailAddressForm(forms.Form):
    """The address to receive notices at; never written back into the page (shown masked)."""

    email = forms.CharField(
        label=_("电子邮箱"),
        max_length=254,
        widget=NoEchoEmailInput({"autocomplete": "email"}),
        help_text=_("我们会向该邮箱发送验证码，验证通过后办件进展将同时发送到该邮箱"),
        error_messages={
            "required": _("请输入电子邮箱地址"),
            "max_length": _("电子邮箱地址最长254个字符"),
        },
    )


class EmailCodeForm(forms.Form):
    code = forms.CharField(
        label=_("邮件验证码"),
        max_length=6,
        widget=forms.TextInput({"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": _("请输入邮件中的验证码")},
    )

    def clean_code(self):
        return _six_digits(_strip(self.cleaned_data.get("code")))


class RealNameForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60, error_messages={"required": "请输入姓名"})
    id_number = forms.CharField(
        label=_("身份证号码"),
        widget=NoEchoInput(),
        max_length=18,
        min_length=18,
        error_messages={
            "required": "请输入身份证号码",
            "min_length": "身份证号码为18位",
            "max_length": "身份证号码为18位",
        },
    )


class ClaimLegalPersonForm(forms.Form):
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        min_length=18,
        error_messages={
            "required": "请输入统一社会信用代码",
            "min_length": "统一社会信用代码为18位",
            "max_length": "统一社会信用代码为18位",
        },
    )


SCOPE_CHOICES = [("all", _("全部事项")), ("listed", _("指定事项"))]


class _GrantForm(forms.Form):
    """The shared part of an agent grant: who, which items, until when."""

    agent_name = forms.CharField(
        label=_("受托人姓名"), max_length=60, error_messages={"required": "请输入受托人姓名"}
    )
    agent_id_number = forms.CharField(
        label=_("受托人身份证号码"),
        widget=NoEchoInput(),
        max_length=18,
        min_length=18,
        error_messages={
            "required": "请输入受托人身份证号码",
            "min_length": "身份证号码为18位",
            "max_length": "身份证号码为18位",
        },
    )
    scope = forms.ChoiceField(
        label=_("授权范围"),
        choices=SCOPE_CHOICES,
        widget=forms.RadioSelect,
        initial="all",
        error_messages={"required": "请选择授权范围", "invalid_choice": "请选择授权范围"},
    )
    item_codes = forms.CharField(
        label=_("授权事项编码"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("选择“指定事项”时填写，多个编码用逗号或换行分隔"),
    )
    expires_at = forms.DateField(
        label=_("有效期至"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("授权在该日24时失效，最长3年"),
        error_messages={"required": "请填写授权有效期", "invalid": "请按 年-月-日 填写日期"},
    )

    def clean_item_codes(self) -> list[str]:
        return [c for c in _CODE_SPLIT.split(_strip(self.cleaned_data.get("item_codes"))) if c]

    def clean_expires_at(self) -> dt.datetime:
        day = self.cleaned_data["expires_at"]
        end = dt.datetime.combine(day, dt.time(23, 59, 59))
        return timezone.make_aware(end)

    def grant_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "agent_name": d["agent_name"],
            "agent_id_number": d["agent_id_number"],
            "all_items": d["scope"] == "all",
            "item_codes": d["item_codes"],
            "expires_at": d["expires_at"],
        }


class MandateGrantForm(_GrantForm):
    pass


class ConsentGrantForm(_GrantForm):
    relation = forms.ChoiceField(
        label=_("与您的关系"),
        choices=[("", "请选择"), *HelperRelation.choices],
        error_messages={"required": "请选择与被代办人的关系", "invalid_choice": "请选择与被代办人的关系"},
    )
    scope = forms.ChoiceField(
        label=_("授权范围"),
        choices=SCOPE_CHOICES,
        widget=forms.RadioSelect,
        initial="listed",
        error_messages={"required": "请选择授权范围", "invalid_choice": "请选择授权范围"},
    )

    def grant_kwargs(self) -> dict:
        return super().grant_kwargs() | {"relation": self.cleaned_data["relation"]}


HALL_METHODS = [(m.value, m.label) for m in (ConsentMethod.IN_PERSON, ConsentMethod.WRITTEN)]


class HallConsentForm(ConsentGrantForm):
    """A clerk records a consent the principal gave at the hall (in person or in writing)."""

    relation = forms.ChoiceField(
        label=_("受托人与本人的关系"),
        choices=[("", "请选择"), *HelperRelation.choices],
        error_messages={"required": "请选择关系", "invalid_choice": "请选择关系"},
    )
    consent_method = forms.ChoiceField(
        label=_("同意方式"),
        choices=[("", "请选择"), *HALL_METHODS],
        error_messages={"required": "请选择同意方式", "invalid_choice": "请选择同意方式"},
    )
    consent_note = forms.CharField(
        label=_("同意记录"), max_length=200, required=False, help_text=_("如授权书编号、见证人")
    )

    def grant_kwargs(self) -> dict:
        d = self.cleaned_data
        return super().grant_kwargs() | {
            "consent_method": d["consent_method"],
            "consent_note": d["consent_note"],
        }


class FindPersonForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号码"),
        widget=NoEchoInput(),
        max_length=18,
        min_length=18,
        error_messages={
            "required": "请输入身份证号码",
            "min_length": "身份证号码为18位",
            "max_length": "身份证号码为18位",
        },
    )


class InPersonVerifyForm(RealNameForm):
    pass


class WalkInForm(RealNameForm):
    mobile = forms.CharField(label=_("手机号码（选填）"), max_length=11, required=False, widget=NoEchoInput())


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("岗位"),
        choices=StaffRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "未知的岗位"},
    )
