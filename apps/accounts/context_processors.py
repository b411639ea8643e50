from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
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
def nav_links(
    role: str, is_office_admin: bool, urlconf: str, prefix: str
) -> tuple[tuple[NavEntry, str], ...]:
    """A role's navigation as (entry, url) pairs. Every page of a signed-in person
    draws it: its URLs are reversed once per process (per URL conf and script
    prefix), not on each request (8 reverse() calls were ~0.5 ms of a 4 ms page)."""
    entries = NAVIGATION.get(role, []) + (OFFICE_ADMIN_NAVIGATION if is_office_admin else [])
    return tuple((entry, reverse(entry.url_name, urlconf=urlconf)) for entry in entries)


def navigation_links(user, path: str) -> tuple[tuple[tuple[NavEntry, str], ...], int | None]:
    """The person's navigation as (entry, url) pairs and the index of the one the
    page at `path` is under (None if none): what the context processor and the
    layout's header (accounts.templatetags.site_layout) both draw."""
    if user is None or not user.is_authenticated or user.office_id is None:
        return (), None
    links = nav_links(
        user.role, user.is_office_admin, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    )
    return links, nav_active(links, path)


def nav_active(links: tuple[tuple[NavEntry, str], ...], path: str) -> int | None:
    # The longest link the page is under is the one active: /advising/dashboard/
    # is under the caseload's /advising/ too.
    return max(
        (index for index, (_, url) in enumerate(links) if path.startswith(url)),
        key=lambda index: len(links[index][1]),
        default=None,
    )


def nav_items(links: tuple[tuple[NavEntry, str], ...], active: int | None) -> list[dict]:
    return [
        {
            "url": url,
            "label": entry.label,
            "active": index == active,
            "badge_url_name": entry.badge_url_name,
        }
        for index, (entry, url) in enumerate(links)
    ]


def navigation(request):
    # The layout draws the navigation itself (accounts.templatetags.site_layout);
    # `nav_items` stays for a page that wants it, worked out only if it is read.
    user = getattr(request, "user", None)
    return {"nav_items": SimpleLazyObject(lambda: nav_items(*navigation_links(user, request.path)))}
