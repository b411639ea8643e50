from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import Role

# What each role may use; later issues add their pages here.
NAVIGATION = {
    Role.STUDENT: [
        ("student_home", _("My progress")),
        ("student_profile", _("Profile")),
        ("contact_list", _("Contacts")),
        ("target_list", _("Target list")),
        ("directory", _("Directory")),
        ("interview_list", _("Conversations")),
        ("referral_map", _("Network")),
        ("followup_list", _("Follow-ups")),
    ],
    Role.ALUMNI: [
        ("alumni_home", _("Volunteer home")),
        ("inbox", _("Requests")),
        ("volunteer_profile", _("My volunteer profile")),
    ],
    Role.ADVISOR: [("advisor_home", _("Students"))],
}
OFFICE_ADMIN_NAVIGATION = [("office_home", _("Office"))]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.office_id is None:
        return {"nav_items": []}
    entries = list(NAVIGATION.get(user.role, []))
    if user.is_office_admin:
        entries += OFFICE_ADMIN_NAVIGATION
    path = request.path
    items = []
    for name, label in entries:
        url = reverse(name)
        items.append({"url": url, "label": label, "active": path.startswith(url)})
    return {"nav_items": items}
