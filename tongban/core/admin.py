from django.contrib import admin

from .admin_audit import AuditedAdminMixin
from .models import AuditEvent, CalendarDay, CalendarYear, Department, Region


@admin.register(Region)
class RegionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "gb_code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    readonly_fields = ("prefix",)


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "credit_code", "region", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "credit_code")
    raw_id_fields = ("region", "parent")


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("year", "source", "imported_at")


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Staff edit single days here; whole years come through `manage.py calendar import`."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        from .services import do_set_calendar_day

        do_set_calendar_day(actor=request.user, date=obj.date, kind=obj.kind, name=obj.name)

    def delete_model(self, request, obj):
        from .services import do_set_calendar_day

        do_set_calendar_day(actor=request.user, date=obj.date, kind=None)

    def delete_queryset(self, request, queryset):
        from .services import do_set_calendar_day

        for day in queryset.values_list("date", flat=True):
            do_set_calendar_day(actor=request.user, date=day, kind=None)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("object_id", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
