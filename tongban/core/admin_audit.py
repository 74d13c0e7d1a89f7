"""Audited Django admin writes (管理后台操作留痕).

`AuditedAdminMixin` goes first in the bases of every ModelAdmin that writes: each save, delete
(one row or the "delete selected" action) and many-to-many change records an audit event in the
same transaction as the write, actor the signed-in administrator, action
"<app>.<model>.admin_create|admin_change|admin_delete". The event names the changed fields and
their new values, except secrets and personal data (passwords, ciphertexts, blind indexes), whose
names only are recorded. An admin whose `save_model`/`delete_model` calls a service (which audits
itself) keeps doing so: its override wins over the mixin's.
"""

from __future__ import annotations

from django.db import transaction

from . import audit

# Field names whose values never go into an audit event.
_SECRET_SUFFIXES = ("_enc", "_index", "password", "secret", "_hash")


def _is_secret(name: str) -> bool:
    return name.endswith(_SECRET_SUFFIXES) or "password" in name or "secret" in name


def _field_values(obj, names) -> dict:
    values = {}
    for name in names:
        try:
            field = obj._meta.get_field(name)
        except Exception:  # a form-only field (e.g. a password confirmation)
            values[name] = "***"
            continue
        if _is_secret(name) or _is_secret(field.attname):
            values[name] = "***"
        elif field.many_to_many:
            values[name] = sorted(str(v) for v in getattr(obj, name).values_list("pk", flat=True))
        else:
            values[name] = field.value_from_object(obj)
    return values


class AuditedAdminMixin:
    def _audit_action(self, verb: str) -> str:
        return f"{self.model._meta.label_lower}.admin_{verb}"

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            fields = list(form.changed_data) if change else [f.name for f in obj._meta.concrete_fields]
            audit.record(
                actor=request.user,
                action=self._audit_action("change" if change else "create"),
                obj=obj,
                data={"fields": _field_values(obj, [f for f in fields if not _is_m2m(obj, f)])},
            )

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            m2m = [name for name in form.changed_data if _is_m2m(form.instance, name)]
            if m2m:
                audit.record(
                    actor=request.user,
                    action=self._audit_action("change"),
                    obj=form.instance,
                    data={"fields": _field_values(form.instance, m2m)},
                )

    def delete_model(self, request, obj):
        with transaction.atomic():
            pk, shown = obj.pk, str(obj)
            super().delete_model(request, obj)
            audit.record(
                actor=request.user,
                action=self._audit_action("delete"),
                object_type=self.model._meta.label_lower,
                object_id=pk,
                data={"was": shown},
            )

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            gone = [(obj.pk, str(obj)) for obj in queryset]
            super().delete_queryset(request, queryset)
            for pk, shown in gone:
                audit.record(
                    actor=request.user,
                    action=self._audit_action("delete"),
                    object_type=self.model._meta.label_lower,
                    object_id=pk,
                    data={"was": shown},
                )


def _is_m2m(obj, name: str) -> bool:
    try:
        return obj._meta.get_field(name).many_to_many
    except Exception:
        return False
