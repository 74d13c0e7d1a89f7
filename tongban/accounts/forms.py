"""Sign-in and account forms: parse and bound the input; the services decide."""

from __future__ import annotations

from django import forms


class PasswordLoginForm(forms.Form):
    identifier = forms.CharField(label="账号", max_length=64, help_text="用户名、手机号码或身份证号码")
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput)


class SmsLoginForm(forms.Form):
    mobile = forms.CharField(label="手机号码", max_length=11)
    code = forms.CharField(label="短信验证码", max_length=6)


class TotpForm(forms.Form):
    code = forms.CharField(label="动态口令", max_length=6, min_length=6)
