from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from apps.accounts.context_processors import navigation


def followups_nav(request):
    """The student's "Follow-ups" entry with a count of what is due within a week.
    The count is fetched by htmx after the page loads (followups_badge), so pages
    do not pay a query for it. Runs after accounts' navigation and replaces its list."""
    context = navigation(request)
    user = getattr(request, "user", None)
    if not context["nav_items"] or user is None or not user.is_student:
        return {}
    list_url = reverse("followup_list")
    badge = format_html(
        '{} <span hx-get="{}" hx-trigger="load" hx-swap="outerHTML"></span>',
        _("Follow-ups"),
        reverse("followups_badge"),
    )
    items = [
        {**item, "label": badge} if item["url"] == list_url else item
        for item in context["nav_items"]
    ]
    return {"nav_items": items}
