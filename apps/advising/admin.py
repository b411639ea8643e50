from django.contrib import admin

from apps.advising.models import AccessRecord, Assignment


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["advisor", "student", "office", "created_at"]
    raw_id_fields = ["advisor", "student", "assigned_by"]


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ["at", "actor", "what", "subject", "ip"]
    list_filter = ["what"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
