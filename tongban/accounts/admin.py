from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class TongbanUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("tongban", {"fields": ("display_name", "department")}))
    list_display = ("username", "display_name", "department", "is_staff")
    raw_id_fields = ("department",)
