from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import Role


@dataclass(frozen=True)
class NavEntry:
    """One link of the main navigation, which is built here and nowhere else.
    `badge_url_name` names a URL whose HTML htmx swaps in after the label once the
    page has loaded (templates/base.html): a count kept by an app to the right, such
    as the follow-ups due, costs no page a query and accounts imports nothing of it."""

    url_name: str
    label: str
    badge_url_name: str | None = None


# What each role may use; later issues add their pages here.
NAVIGATION = {
    Role.STUDENT: [
        NavEntry("student_home", _("My progress")),
        NavEntry("student_profile", _("Profile")),
        NavEntry("contact_list", _("Contacts")),
        NavEntry("target_list", _("Target list")),
        NavEntry("directory", _("Directory")),
        NavEntry("interview_list", _("Conversations")),
        NavEntry("referral_map", _("Network")),
        NavEntry("followup_list", _("Follow-ups"), badge_url_name="followups_badge"),
    ],
    Role.ALUMNI: [
        NavEntry("alumni_home", _("Volunteer home")),
        NavEntry("inbox", _("Requests")),
        NavEntry("volunteer_profile", _("My volunteer profile")),
    ],
    Role.ADVISOR: [
        NavEntry("caseload", _("Caseload")),
        NavEntry("advising_dashboard", _("Dashboard")),
    ],
}
OFFICE_ADMIN_NAVIGATION = [NavEntry("office_home", _("Office"))]


@lru_cache(maxsize=32)
def _nav_urls(names: tuple[str, ...], urlconf: str, prefix: str) -> tuple[str, ...]:
    # Every page of a signed-in person draws the navigation: its URLs are
    # reversed once per process (per URL conf and script prefix), not on each
    # request (8 reverse() calls were ~0.5 ms of a 4 ms page).
    return tuple(reverse(name, urlconf=urlconf) for name in names)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.office_id is None:
        return {"nav_items": []}
    entries = list(NAVIGATION.get(user.role, []))
    if user.is_office_admin:
        entries += OFFICE_ADMIN_NAVIGATION
    path = request.path
    urls = _nav_urls(
        tuple(entry.url_name for entry in entries),
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
    )
    # The longest link the page is under is the one active: /advising/dashboard/
    # is under the caseload's /advising/ too.
    active = max((url for url in urls if path.startswith(url)), key=len, default=None)
    items = []
    for entry, url in zip(entries, urls, strict=True):
        items.append(
            {
                "url": url,
                "label": entry.label,
                "active": url == active,
                "badge_url_name": entry.badge_url_name,
            }
        )
    return {"nav_items": items}
