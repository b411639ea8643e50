"""The advisors' weekly digest: on Monday from 08:00 in each advisor's own time
zone, one email about their caseload (their assigned students): who is stalled,
who missed a thank-you, and what students replied to their comments in the week.

A sweep (tasks.advising_digest_sweep, every 15 minutes) makes the emails that are
due and not yet made, keyed `advisor-digest:<advisor>:<ISO year>-W<week>` so a
repeated or concurrent sweep makes each once. They go through the outbox, whose
guard (guards.guard_digest) asks at send time whether the advisor still wants it.
Nothing to say, no email. Advisors turn it off in their email settings or by the
one-click link the email carries (the `advisor_digest` topic).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.advising.models import Assignment
from apps.advising.selectors import (
    FLAG_MISSED_THANKS,
    FLAG_STALLED,
    SCOPE_MINE,
    CaseloadQuery,
    caseload_for_advisor,
)
from apps.advising.selectors_comments import comment_replies_for_advisor
from apps.core.links import site_url
from apps.core.models import OutboundEmail
from apps.core.notify import notification_row
from apps.core.outbox import outbox_bulk_enqueue
from apps.followups.enums import Topic
from apps.followups.models import NotificationPreference
from apps.followups.notifications import unsubscribe_headers, unsubscribe_url, zone

DIGEST_EMAIL = "advising/digest"
DIGEST_WEEKDAY = 0  # Monday
DIGEST_FROM = time(8, 0)
# A sweep missed for a while (beat down, a deploy) still sends the morning's digest;
# after noon it waits for next week rather than arrive in the evening.
DIGEST_UNTIL = time(12, 0)
# Names listed per section; the rest is a count and a link to the filtered caseload.
LISTED = 10


def digest_key(*, advisor_id: int, local: datetime) -> str:
    year, week, _day = local.isocalendar()
    return f"advisor-digest:{advisor_id}:{year}-W{week:02d}"


def _advisors_wanting_it() -> QuerySet[User]:
    """Active advisors with a caseload who have not turned the digest off."""
    return User.objects.filter(role=Role.ADVISOR, is_active=True, office__isnull=False).filter(
        Exists(Assignment.objects.filter(advisor=OuterRef("pk"))),
        ~Exists(NotificationPreference.objects.filter(user=OuterRef("pk"), advisor_digest=False)),
    )


@dataclass(frozen=True)
class Section:
    students: list
    total: int
    url: str


def _section(*, advisor, flag: str, now: datetime) -> Section:
    students = caseload_for_advisor(
        advisor=advisor, query=CaseloadQuery(scope=SCOPE_MINE, flag=flag), now=now
    )
    listed = list(students[:LISTED])
    total = len(listed) if len(listed) < LISTED else students.count()
    for student in listed:
        student.url = site_url("advising_student", student.pk)
    return Section(
        students=listed,
        total=total,
        url=f"{site_url('caseload')}?scope={SCOPE_MINE}&flag={flag}",
    )


def digest_context(*, advisor, now: datetime) -> dict | None:
    """What the advisor's digest says this week; None when there is nothing."""
    stalled = _section(advisor=advisor, flag=FLAG_STALLED, now=now)
    missed = _section(advisor=advisor, flag=FLAG_MISSED_THANKS, now=now)
    replies = list(comment_replies_for_advisor(advisor=advisor, since=now - timedelta(days=7)))
    if not (stalled.total or missed.total or replies):
        return None
    for reply in replies:
        reply.url = site_url("advising_student", reply.thread.student_id)
    url = unsubscribe_url(user_id=advisor.pk, topic=Topic.ADVISOR_DIGEST)
    return {
        "stalled": stalled,
        "missed": missed,
        "replies": replies,
        "stalled_days": advisor.office.stalled_days,
        "caseload_url": site_url("caseload"),
        "unsubscribe_url": url,
        "topic_label": Topic.ADVISOR_DIGEST.label,
        "preferences_url": site_url("notification_settings"),
    }


def advisor_digests_create(*, now: datetime | None = None) -> int:
    """Make the digests due now (Monday morning where each advisor is) that are not
    made yet; returns how many were queued."""
    now = now or timezone.now()
    due = {}
    for advisor in _advisors_wanting_it().select_related("office"):
        local = now.astimezone(zone(advisor.time_zone))
        if local.weekday() == DIGEST_WEEKDAY and DIGEST_FROM <= local.time() < DIGEST_UNTIL:
            due[digest_key(advisor_id=advisor.pk, local=local)] = advisor
    made = set(
        OutboundEmail.objects.filter(dedupe_key__in=list(due)).values_list("dedupe_key", flat=True)
    )
    rows = []
    for key, advisor in due.items():
        if key in made:
            continue
        context = digest_context(advisor=advisor, now=now)
        if context is None:
            continue
        rows.append(
            notification_row(
                user=advisor,
                template=DIGEST_EMAIL,
                context=context,
                key=key,
                about=f"user:{advisor.pk}",
                due_at=now,
                headers=unsubscribe_headers(context["unsubscribe_url"]),
            )
        )
    outbox_bulk_enqueue(rows)
    return len(rows)
