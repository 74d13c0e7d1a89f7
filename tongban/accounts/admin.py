"""Admin for identity reference data. Personal identifiers show masked only; the ciphertext and
blind-index columns are never displayed or editable here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from tongban.core import audit
from tongban.core.admin_audit import AuditedAdminMixin

from .models import AgentConsent, Client, LegalPerson, LegalPersonRecord, Mandate, PopulationRecord, User


@admin.register(User)
class TongbanUserAdmin(AuditedAdminMixin, UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("tongban", {"fields": ("kind", "display_name", "department", "assurance_level", "verified_at")}),
        ("个人信息（脱敏）", {"fields": ("id_number_masked", "mobile_masked", "email_masked")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = (
        "id_number_masked",
        "mobile_masked",
        "email_masked",
        "assurance_level",
        "verified_at",
        "last_login",
        "date_joined",
    )
    list_display = ("username", "display_name", "kind", "assurance_level", "department", "is_staff")
    list_filter = ("kind", "assurance_level", "is_staff")
    search_fields = ("username", "display_name")
    raw_id_fields = ("department",)

    def user_change_password(self, request, id, form_url=""):
        """The admin's password form, audited in its transaction (the value never recorded)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                audit.record(
                    actor=request.user,
                    action="accounts.user.admin_password",
                    object_type="accounts.user",
                    object_id=id,
                    data={},
                )
        return response


@admin.register(LegalPerson)
class LegalPersonAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "credit_code", "kind", "legal_rep_name")
    search_fields = ("name", "credit_code")
    exclude = ("legal_rep_id_index",)
    raw_id_fields = ("region",)


@admin.register(Mandate)
class MandateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("legal_person", "user", "role", "all_items", "expires_at", "revoked_at")
    list_filter = ("role",)
    raw_id_fields = ("legal_person", "user", "granted_by", "revoked_by")


@admin.register(AgentConsent)
class AgentConsentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("principal", "agent", "relation", "consent_method", "expires_at", "revoked_at")
    raw_id_fields = ("principal", "agent", "recorded_by", "revoked_by")


@admin.register(PopulationRecord)
class PopulationRecordAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "id_number_masked", "sex", "birth_date", "birthplace")
    fields = ("name", "id_number_masked", "sex", "birth_date", "birthplace")
    readonly_fields = fields


@admin.register(LegalPersonRecord)
class LegalPersonRecordAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "credit_code", "kind", "legal_rep_name", "region_code")
    search_fields = ("name", "credit_code")
    exclude = ("legal_rep_id_index",)


if admin.site.is_registered(Client):  # the toolkit registers its own admin for the swapped model
    admin.site.unregister(Client)


@admin.register(Client)
class ClientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "client_id",
        "department",
        "client_type",
        "authorization_grant_type",
        "skip_authorization",
    )
    fields = (
        "name",
        "department",
        "description",
        "contact",
        "client_type",
        "authorization_grant_type",
        "redirect_uris",
        "post_logout_redirect_uris",
        "allowed_scopes",
        "skip_authorization",
        "algorithm",
    )
    raw_id_fields = ("department",)
