from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from apps.accounts import services
from apps.accounts.forms import OfficeSignOnForm
from apps.accounts.models import Invitation, Office, OfficeSignOn, User


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


class OfficeSignOnAdminForm(OfficeSignOnForm):
    class Meta(OfficeSignOnForm.Meta):
        fields = ["office", *OfficeSignOnForm.Meta.fields]


@admin.register(OfficeSignOn)
class OfficeSignOnAdmin(admin.ModelAdmin):
    """The platform admin sets an office's campus sign-in here; the client secret is
    write-only, as on the office admin's page."""

    form = OfficeSignOnAdminForm
    list_display = ["office", "protocol", "enabled", "campus_name", "email_domains"]
    list_filter = ["protocol", "enabled"]
    list_select_related = ["office"]

    def save_model(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("office", "client_secret")}
        saved = services.office_sign_on_update(
            admin=request.user,
            office=form.cleaned_data["office"],
            client_secret=form.cleaned_data.get("client_secret", ""),
            **data,
        )
        obj.pk, obj.oidc_client_secret_encrypted = saved.pk, saved.oidc_client_secret_encrypted
