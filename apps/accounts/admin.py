from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from apps.accounts.models import Invitation, Office, User


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "office",
        "role",
        "is_office_admin",
        "approval",
        "is_active",
    ]
    list_filter = ["office", "role", "approval", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Person",
            {
                "fields": [
                    "full_name",
                    "time_zone",
                    "office",
                    "role",
                    "is_office_admin",
                    "approval",
                    "rejection_reason",
                ]
            },
        ),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "office", "role", "password1", "password2"],
            },
        )
    ]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "office", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["office", "role"]
    readonly_fields = ["token_digest"]
