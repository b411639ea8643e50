"""Read-mostly views for the people who run the deployment. Writes to these rows go
through the contacts services (and the office's own pages), which the admin's
plain save() would bypass, so adding and editing are off; deleting stays for the
rare clean-up a superuser must do."""

from django.contrib import admin

from apps.contacts.models import Contact, ContactImport, VolunteerProfile


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(ReadOnlyAdmin):
    list_display = [
        "user", "office", "employer", "job_title", "capacity_per_month",
        "accepting_requests", "paused_until", "deactivated_at",
    ]  # fmt: skip
    list_filter = ["office", "accepting_requests"]
    list_select_related = ["user", "office"]
    search_fields = ["user__full_name", "user__email", "employer", "job_title"]
    exclude = ["search_vector"]
    raw_id_fields = ["user"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "owner", "organisation", "source", "stage", "archived_at"]
    list_filter = ["source", "stage"]
    list_select_related = ["owner"]
    search_fields = ["full_name", "organisation", "owner__email"]
    raw_id_fields = ["owner", "referred_by", "volunteer", "field"]


@admin.register(ContactImport)
class ContactImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "owner", "status", "total_rows", "created_count", "created_at"]
    list_filter = ["status"]
    list_select_related = ["owner"]
    search_fields = ["filename", "owner__email"]
    exclude = ["rows"]
    raw_id_fields = ["owner"]
