"""What the follow-ups app shows on pages of the apps on its left (apps/core/slots.py).
Registered from FollowupsConfig.ready().

- `interviews.volunteer_home`: on a volunteer's home, what came of their advice, in
  the words of the students who kept in touch (the check-in's outcome). Only the
  volunteer whose profile it is sees it; one query."""

from django.template.loader import render_to_string

from apps.core.slots import slot_register
from apps.followups.selectors import advice_outcomes_for_volunteer

VOLUNTEER_HOME = "interviews.volunteer_home"


def volunteer_outcomes(request, profile) -> str:
    if not request.user.is_authenticated or request.user.pk != profile.user_id:
        return ""
    outcomes = advice_outcomes_for_volunteer(volunteer=profile)
    if not outcomes:
        return ""
    return render_to_string(
        "followups/_volunteer_outcomes.html", {"outcomes": outcomes}, request=request
    )


def register() -> None:
    slot_register(VOLUNTEER_HOME, volunteer_outcomes)
