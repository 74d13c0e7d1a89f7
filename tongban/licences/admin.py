"""Django admin for the licence library's reference data: grants (用证授权) are made and ended
through the services (audited); the usage log (用证记录) is read-only. Licences, types and seal
keys change only through the services and commands (their seals and audit trail)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from tongban.core.errors import DomainError

from . import usage
from .models import LicenceGrant, LicenceUsage


@admin.register(LicenceGrant)
class LicenceGrantAdmin(admin.ModelAdmin):
    list_display = (
        "licence_type",
        "department",
        "client_id",
        "personal",
        "case_number_required",
        "granted_at",
        "revoked_at",
    )
    list_filter = ("personal", "case_number_required", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("client_id", "department__name", "licence_type__name", "licence_type__code")
    raw_id_fields = ("licence_type", "department")
    fields = ("licence_type", "department", "client_id", "basis", "personal", "case_number_required")
    actions = ["end_grants"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        try:
            grant = usage.do_grant_use(
                actor=request.user,
                type_code=obj.licence_type.code,
                department=obj.department_id,
                client_id=obj.client_id,
                basis=obj.basis,
                personal=obj.personal,
                case_number_required=obj.case_number_required,
            )
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = grant.pk

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="终止所选用证授权")
    def end_grants(self, request, queryset):
        ended = 0
        for grant in queryset.filter(revoked_at__isnull=True):
            try:
                usage.do_end_grant(actor=request.user, grant_id=grant.pk, reason="平台管理员在管理后台终止")
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            ended += 1
        self.message_user(request, f"已终止 {ended} 项用证授权")


@admin.register(LicenceUsage)
class LicenceUsageAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "action",
        "actor",
        "department_id",
        "identifier",
        "type_code",
        "holder_code_masked",
        "purpose",
        "outcome",
        "reason_code",
    )
    list_filter = ("action", "outcome", "reason_code")
    search_fields = ("identifier", "case_number", "actor", "client_id")
    date_hierarchy = "at"
    show_full_result_count = False  # the log has millions of rows

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
