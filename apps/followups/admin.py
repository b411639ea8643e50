from django.contrib import admin

from apps.followups.models import FollowUp, Interaction, NotificationPreference


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the services (and their reminders)."""

    list_display = ("contact", "student", "kind", "status", "due_at", "done_at", "on_time")
    list_filter = ("kind", "status")
    search_fields = ("contact__full_name", "student__email")
    list_select_related = ("contact", "student")
    raw_id_fields = ("student", "contact", "interview")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    """Read-only: logging one resets a check-in's clock, which only the service does."""

    list_display = ("contact", "student", "kind", "occurred_at", "created_at")
    list_filter = ("kind",)
    search_fields = ("contact__full_name", "student__email")
    list_select_related = ("contact", "student")
    raw_id_fields = ("student", "contact")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "delivery", "quiet_hours", "thank_you", "keep_in_touch", "meeting")
    list_filter = ("delivery", "quiet_hours")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
