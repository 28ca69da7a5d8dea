"""Admin for accounts: allowed, since accounts hold no case data."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Model
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import TokenProxy

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "preferred_language"]}),
        ("Status", {"fields": ["is_active", "is_staff", "is_superuser", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal: list[str] = []
    list_filter = ["is_active", "is_staff"]


class DeviceAdmin(admin.ModelAdmin):
    """Second-factor devices: seen and removed (a lost phone), never read. Their keys and
    backup codes are credentials, so no field of them is shown or editable."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]
    search_fields = ["user__email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# The packages' own admins show the TOTP key and the backup codes: replace them. API tokens are
# not listed at all (a token's key is its name everywhere in DRF's admin); signing out
# everywhere revokes them.
for model in (TOTPDevice, StaticDevice):
    admin.site.unregister(model)
    admin.site.register(model, DeviceAdmin)
admin.site.unregister(TokenProxy)
