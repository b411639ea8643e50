"""The volunteer's home. It lives in interviews, the right-most app it reads: the
requests waiting for an answer, the conversations coming up, and where the
volunteer stands this month (capacity, pause, response figures)."""

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.accounts.permissions import alumni_only
from apps.accounts.selectors import user_home_intro
from apps.contacts.directory import volunteer_requests_this_month
from apps.contacts.enums import Format
from apps.core.links import route_path, route_path_for_pk
from apps.core.models import choice_label
from apps.core.rendering import day_and_month_names, render_list, time_since_aware
from apps.core.slots import slot_render
from apps.interviews.selectors.volunteer import (
    volunteer_home_profile,
    volunteer_home_rows,
)

HOME_LIST = 3


def _waiting_rows(rows) -> list[dict]:
    """The panels' rows worked out here rather than by template tags row by row
    (a reverse, a translation and a filter each)."""
    if not rows:
        return []
    asked, now, language = _("asked %(ago)s ago"), timezone.now(), get_language()
    result = []
    for row in rows:
        # |timesince of no date was empty.
        ago = time_since_aware(row.requested_at, now, language) if row.requested_at else ""
        result.append(
            {
                "path": route_path_for_pk("inbox_detail", row.pk),
                "name": row.student_name,
                "asked": asked % {"ago": ago},
            }
        )
    return result


def _upcoming_rows(rows) -> list[dict]:
    if not rows:
        return []
    weekdays, months = day_and_month_names(get_language())
    zone = timezone.get_current_timezone()
    result = []
    for row in rows:
        # As the template's |date:"D j M, H:i" showed it: in the viewer's time zone.
        local = row.starts_at.astimezone(zone)
        result.append(
            {
                "path": route_path_for_pk("inbox_detail", row.pk),
                "name": row.student_name,
                "when": f"{weekdays[local.weekday()]} {local.day} {months[local.month]}, "
                f"{local.hour:02d}:{local.minute:02d}",
                "format": choice_label(Format, row.format),
            }
        )
    return result


@alumni_only
def alumni_home(request):
    user = request.user
    profile = volunteer_home_profile(user=user)
    waiting, upcoming = volunteer_home_rows(user=user, profile=profile, limit=HOME_LIST)
    counts = {
        "waiting": profile.waiting_count if profile else 0,
        "held": profile.held_count if profile else 0,
    }
    today = timezone.localdate()
    month = None
    if profile is not None:
        used = volunteer_requests_this_month(volunteer=profile)
        month = {
            "used": used,
            "capacity": profile.capacity_per_month,
            "full": used >= profile.capacity_per_month,
            "paused": bool(profile.paused_until and profile.paused_until >= today),
        }
    return render_list(
        request,
        "interviews/home_alumni.html",
        {
            "profile": profile,
            "waiting": waiting,
            "counts": counts,
            "upcoming": upcoming,
            "month": month,
            "waiting_rows": _waiting_rows(waiting),
            "upcoming_rows": _upcoming_rows(upcoming),
            "links": {"inbox": route_path("inbox"), "profile": route_path("volunteer_profile")},
            "intro": user_home_intro(user=user),
            # Filled by follow-ups (what came of the volunteer's advice); rendered
            # here, not in the template, whose list rendering allows no queries.
            "outcomes": slot_render("interviews.volunteer_home", request=request, obj=profile),
        },
    )
