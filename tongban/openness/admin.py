"""openness in the Django admin: policies read-only (every write goes through the services, so
that it is authorised, audited and passes the workflow)."""

from django.contrib import admin

from .models import Policy


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "issuer", "state", "validity", "published_on")
    list_filter = ("state", "validity", "subject", "doc_type")
    search_fields = ("number", "title")
    readonly_fields = [f.name for f in Policy._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
