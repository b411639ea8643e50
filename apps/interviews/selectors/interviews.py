"""Reads of interviews, each scoped to the person asking, and the ids the periodic
sweeps act on."""

from datetime import UTC, date, datetime, timedelta

from django.db.models import (
    Case,
    Exists,
    Expression,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.enums import Approval
from apps.contacts.directory import (
    directory_get_for_student,
    volunteer_available_filter,
    volunteer_member_filter,
    volunteer_requests_this_month,
)
from apps.contacts.models import Contact, VolunteerProfile
from apps.core.compiled import PrimaryKeyRead
from apps.core.figures import RowsFigure
from apps.core.statements import StatementRows
from apps.interviews.enums import (
    NOT_INTERACTIONS,
    OPEN_STATES,
    Channel,
    State,
)
from apps.interviews.models import Interview, InterviewEvent, PreparedQuestion
from apps.interviews.selectors.notes import interview_notes_shared

# No answer for this long and a request lapses (the nudge comes at the office's
# request_nudge_days, 7 by default).
EXPIRE_AFTER_DAYS = 14


def volunteer_availability_problem(
    *, volunteer: VolunteerProfile, today: date | None = None
) -> str | None:
    """Why this volunteer cannot take a request now, or None."""
    today = today or timezone.localdate()
    user = volunteer.user
    if (
        not user.is_active
        or user.approval != Approval.APPROVED
        or volunteer.deactivated_at is not None
    ):
        return _("This volunteer is not available in the directory.")
    if volunteer.paused_until is not None and volunteer.paused_until >= today:
        return _(
            "%(name)s is not taking requests right now: they are taking a break until %(date)s."
        ) % {"name": user.full_name, "date": date_format(volunteer.paused_until, "j F Y")}
    if not volunteer.accepting_requests:
        return _("%(name)s is not taking requests right now.") % {"name": user.full_name}
    if volunteer_requests_this_month(volunteer=volunteer) >= volunteer.capacity_per_month:
        return _("%(name)s has had all the requests they can take this month.") % {
            "name": user.full_name
        }
    return None


def interviews_due_for_nudge(*, now: datetime | None = None) -> list[int]:
    """Unanswered platform requests past their office's nudge days."""
    now = now or timezone.now()
    due = []
    rows = Interview.objects.filter(
        state=State.REQUESTED,
        channel=Channel.PLATFORM,
        nudged_at__isnull=True,
        requested_at__lte=now - timedelta(days=1),
        # Past the expiry age it lapses instead: no reminder about a closing request.
        requested_at__gt=now - timedelta(days=EXPIRE_AFTER_DAYS),
    ).values_list("pk", "requested_at", "student__office__request_nudge_days")
    for pk, requested_at, days in rows:
        if requested_at <= now - timedelta(days=days):
            due.append(pk)
    return due


def interviews_due_for_expiry(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Interview.objects.filter(
            state=State.REQUESTED,
            channel=Channel.PLATFORM,
            requested_at__lte=now - timedelta(days=EXPIRE_AFTER_DAYS),
        ).values_list("pk", flat=True)
    )


# What a row of the student's conversations shows, and nothing more.
STUDENT_LIST_FIELDS = (
    "state",
    "contact_id",
    "volunteer_id",
    "starts_at",
    "requested_at",
    "updated_at",
    "contact__full_name",
    "contact__organisation",
)


def interview_list_for_student(*, student, states=None) -> QuerySet[Interview]:
    """The student's conversations for their list, latest change first: each with
    only the columns a row shows (STUDENT_LIST_FIELDS) and its contact."""
    qs = (
        Interview.objects.filter(student=student)
        .select_related("contact")
        .only(*STUDENT_LIST_FIELDS)
    )
    if states:
        qs = qs.filter(state__in=states)
    return qs.order_by("-updated_at", "-pk")


# A row of the student's conversations list, as a tuple in this order.
STUDENT_ROW_COLUMNS = ("pk", *STUDENT_LIST_FIELDS)


def interview_rows_for_student(*, student, states) -> QuerySet:
    """The student's conversations in `states` for their list, latest change first,
    as tuples of STUDENT_ROW_COLUMNS: the same query as interview_list_for_student
    without building an Interview and a Contact for each row."""
    return (
        interview_list_for_student(student=student, states=states)
        .select_related(None)
        .values_list(*STUDENT_ROW_COLUMNS)
    )


# interview_overview_for_student's row: STUDENT_ROW_COLUMNS (the contact's columns
# by their annotations' names) and the row's bucket.
OVERVIEW_ROW_COLUMNS = (
    *(f for f in STUDENT_ROW_COLUMNS if not f.startswith("contact__")),
    "contact_name",
    "contact_organisation",
    "bucket",
)


def interview_overview_for_student(
    *, student, buckets: dict[str, tuple[str, ...]], latest: int
) -> StatementRows:
    """The student's conversations list in one query: every interview in the states
    of `buckets` (a name for each group of states) whose bucket is "current" (the
    open groups, whole), and the latest `latest` of every other bucket. Latest
    change first, as tuples of OVERVIEW_ROW_COLUMNS: a row of STUDENT_ROW_COLUMNS
    and its bucket (no Interview built a row). The statement is compiled once per
    process (StatementRows): building the three queries it replaces cost the page
    more than running them."""
    names = sorted(buckets)
    bucket = Case(
        *(When(state__in=buckets[name], then=Value(name)) for name in names if name != "current"),
        default=Value("current"),
    )

    def build(values: dict) -> QuerySet[Interview]:
        return (
            Interview.objects.filter(
                student_id=values["student_id"],
                state__in=[state for name in names for state in buckets[name]],
            )
            .annotate(
                contact_name=F("contact__full_name"),
                contact_organisation=F("contact__organisation"),
                bucket=bucket,
                bucket_rank=Window(
                    RowNumber(),
                    partition_by=bucket,
                    order_by=(F("updated_at").desc(), F("pk").desc()),
                ),
            )
            .filter(Q(bucket="current") | Q(bucket_rank__lte=latest))
            .order_by("-updated_at", "-pk")
            .values_list(*OVERVIEW_ROW_COLUMNS)
        )

    return StatementRows(
        shape=(
            "interviews.overview_for_student",
            tuple((name, tuple(buckets[name])) for name in names),
            latest,
        ),
        build=build,
        inputs={"student_id": student.pk},
        sentinels={"student_id": 2_000_000_029},
    )


def interview_list_for_advisor(*, student) -> QuerySet[Interview]:
    """The student's conversations as their advisor reads them: every interview but
    drafts (nobody but the student knows of those), the latest request first, with
    the contact, the prepared questions in order (`prepared_questions`) and the
    notes when the student shared them (`shared_notes`, None otherwise: notes not
    shared are never loaded). Three queries whatever the number."""
    return (
        Interview.objects.filter(student=student)
        .exclude(state=State.DRAFT)
        .select_related("contact")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=PreparedQuestion.objects.order_by("position", "pk"),
                to_attr="prepared_questions",
            ),
            Prefetch("notes", queryset=interview_notes_shared(), to_attr="shared_notes"),
        )
        .order_by(Coalesce(F("requested_at"), F("created_at")).desc(), "-pk")
    )


def interview_events_for_student(*, student, limit: int) -> QuerySet[InterviewEvent]:
    """The latest timeline entries across the student's conversations, newest
    first, with each conversation's contact: an advisor's activity timeline. The
    system's own entries (NOT_INTERACTIONS) and drafts are left out, and so is
    the text of messages: only what a line of the timeline shows is loaded."""
    return (
        InterviewEvent.objects.filter(interview__student=student)
        .exclude(interview__state=State.DRAFT)
        .exclude(kind__in=NOT_INTERACTIONS)
        .select_related("interview__contact")
        .only(
            "kind",
            "created_at",
            "interview",
            "interview__contact",
            "interview__contact__full_name",
            "interview__contact__organisation",
        )
        .order_by("-created_at", "-pk")[:limit]
    )


# The student's interview with what its pages show (the contact, the volunteer's
# sharing choices and email, the office), its SQL compiled once per connection: the
# conversation page reads it on every request.
_interview_with_parties = PrimaryKeyRead(
    lambda: Interview.objects.select_related(
        "contact", "contact__field", "volunteer__user", "student__office"
    )
)


# What the student's conversation page (views.interview_detail) shows of an
# interview, its contact and its volunteer, and nothing more: the page reads it on
# every request, and the full read's five tables and hundred columns cost
# PostgreSQL more to plan than to run.
INTERVIEW_PAGE_FIELDS = (
    "student",
    "contact",
    "volunteer",
    "channel",
    "state",
    "request_subject",
    "request_message",
    "decline_note",
    "duration_minutes",
    "format",
    "location",
    "meeting_url",
    "starts_at",
    "contact__full_name",
    "contact__organisation",
    "contact__job_title",
    "contact__field",
    "volunteer__user",
    "volunteer__phone",
    "volunteer__share_email_on_accept",
    "volunteer__share_phone_on_accept",
    "volunteer__user__email",
)

_interview_page = PrimaryKeyRead(
    lambda: Interview.objects.select_related("contact", "volunteer__user").only(
        *INTERVIEW_PAGE_FIELDS
    )
)


def interview_page_for_student(*, student, pk: int) -> Interview:
    """The student's own interview as their conversation page shows it
    (INTERVIEW_PAGE_FIELDS: its other fields are deferred); anyone else's, or
    none, is a 404."""
    interview = _interview_page.get(pk)
    if interview is None or interview.student_id != student.pk:
        raise Http404
    return interview


def interview_get_for_student(*, student, pk: int) -> Interview:
    """The student's own interview; anyone else's, or none, is a 404."""
    interview = _interview_with_parties.get(pk)
    if interview is None or interview.student_id != student.pk:
        raise Http404
    return interview


def interview_draft_for(*, student, contact=None, volunteer=None) -> Interview | None:
    """The student's unsent request to this contact or volunteer, if any. A volunteer's
    draft may hang off the contact the student had for them before they joined."""
    qs = Interview.objects.filter(student=student, state=State.DRAFT)
    if volunteer is not None:
        qs = qs.filter(Q(volunteer=volunteer) | Q(contact__volunteer=volunteer))
    else:
        qs = qs.filter(contact=contact)
    return qs.select_related("contact", "request_template").order_by("pk").first()


def interview_inbox_for_volunteer(*, user, states=None) -> QuerySet[Interview]:
    """Requests addressed to this alumni volunteer; nothing else."""
    qs = Interview.objects.filter(
        volunteer__user=user, volunteer__office_id=user.office_id
    ).exclude(state=State.DRAFT)
    if states:
        qs = qs.filter(state__in=states)
    return qs.select_related("student", "student__student_profile", "contact").order_by(
        "-requested_at", "-pk"
    )


# What a row of the volunteer's inbox shows, and nothing more.
INBOX_LIST_FIELDS = (
    "state",
    "starts_at",
    "requested_at",
    "student__full_name",
    "student__student_profile__programme",
    "student__student_profile__graduation_year",
)


def interview_inbox_rows_for_volunteer(*, user, states) -> QuerySet[Interview]:
    """The inbox's rows in `states`, latest request first: only the columns a row
    shows (INBOX_LIST_FIELDS), with the student and their profile."""
    return (
        interview_inbox_for_volunteer(user=user, states=states)
        .select_related(None)
        .select_related("student", "student__student_profile")
        .only(*INBOX_LIST_FIELDS)
    )


def interview_get_for_volunteer(*, user, pk: int) -> Interview:
    interview = (
        interview_inbox_for_volunteer(user=user).filter(pk=pk).select_related("volunteer").first()
    )
    if interview is None:
        raise Http404
    return interview


def interview_get_for_participant(*, user, pk: int) -> Interview:
    """For pages both sides see (the .ics): the student or the volunteer, nobody else."""
    interview = (
        interviews_of_participant(user=user, pk=pk)
        .exclude(state=State.DRAFT)
        .select_related("contact", "volunteer__user", "student")
        .first()
    )
    if interview is None:
        raise Http404
    return interview


def volunteer_get_for_request(*, student, pk: int) -> VolunteerProfile:
    """A volunteer the student may ask, or be told plainly why not: anyone in the
    student's directory, and also one of the student's own office who is only
    paused or not taking requests right now (the directory hides them, but a
    student following an old link or their own contact deserves a reason, not a
    404). Anyone else is a 404: another office, deactivated, unapproved, inactive,
    or a profile never filled in."""
    try:
        return directory_get_for_student(student=student, pk=pk)
    except Http404:
        pass
    profile = (
        VolunteerProfile.objects.filter(volunteer_member_filter(office_id=student.office_id), pk=pk)
        .exclude(volunteer_available_filter(today=timezone.localdate()))
        .select_related("user")
        .prefetch_related("fields")
        .first()
    )
    if profile is None:
        raise Http404
    return profile


def open_request_count(*, student) -> int:
    return Interview.objects.filter(
        student=student, state__in=[State.REQUESTED, State.ACCEPTED]
    ).count()


def next_ranked_contact(*, interview: Interview) -> Contact | None:
    """After a decline or expiry: the best-ranked contact on the same field's target
    list who has no open or finished conversation yet."""
    busy = Interview.objects.filter(
        contact=OuterRef("pk"),
        state__in=[*OPEN_STATES, State.COMPLETED],
    )
    return (
        Contact.objects.filter(
            owner_id=interview.student_id,
            field_id=interview.contact.field_id,
            target_rank__isnull=False,
            archived_at__isnull=True,
        )
        .exclude(pk=interview.contact_id)
        .exclude(Exists(busy))
        .order_by("target_rank", "pk")
        .first()
    )


def interviews_of_participant(*, user, **filters) -> QuerySet[Interview]:
    """The user's interviews as student or as volunteer that match `filters`.

    Not `Q(student=user) | Q(volunteer__user=user)`: an OR across the join to the
    volunteer profile cannot use either index, so PostgreSQL read every interview
    in the state asked for, of every office (a sequential scan of 100,000 rows for
    the calendar feed). Here each side walks its own index, (student, state) and
    (volunteer, state), and the outer query fetches the few ids by primary key.
    The result is an ordinary queryset: order, slice, select_related and
    prefetch_related as usual."""
    as_student = Interview.objects.filter(student=user, **filters).order_by().values("pk")
    as_volunteer = Interview.objects.filter(volunteer__user=user, **filters).order_by().values("pk")
    return Interview.objects.filter(pk__in=as_student.union(as_volunteer))


def participant_q(user_id) -> Q:
    """The interviews of a user as student or as volunteer, for a statement that
    reads the interview table once: `user_id` an id or an expression of it (a
    subquery). The user's volunteer profile (if any) is a scalar subquery, not a
    join, so the OR of the two sides is a BitmapOr of the (student, state) and
    (volunteer, state) indexes, planned in a fraction of interviews_of_participant's
    union and `IN`."""
    volunteer = VolunteerProfile.objects.filter(user_id=user_id).order_by().values("pk")
    return Q(student_id=user_id) | Q(volunteer_id=Subquery(volunteer))


def upcoming_for_user(*, user) -> QuerySet[Interview]:
    now = timezone.now()
    return (
        interviews_of_participant(user=user, state=State.SCHEDULED, starts_at__gte=now)
        .select_related("contact", "volunteer__user", "student")
        .order_by("starts_at")
    )


def upcoming_rows_for_student(*, student, limit: int) -> list[Interview]:
    """upcoming_for_user as the student's home lists it: the first `limit`, with the
    time and the contact's name (`contact_name`) and nothing more; the statement
    compiled once per process (StatementRows).

    The same interviews as interviews_of_participant's, in one scan
    (participant_q). On the scale data PostgreSQL planned the union and its `IN` in some 0.3 ms
    against 0.03 ms of running it; this plans in half that."""

    def build(values: dict) -> QuerySet[Interview]:
        return (
            Interview.objects.filter(
                participant_q(values["user_id"]),
                state=State.SCHEDULED,
                starts_at__gte=values["now"],
            )
            .only("starts_at", "contact_id")
            .annotate(contact_name=F("contact__full_name"))
            .order_by("starts_at")
        )

    return StatementRows(
        shape=("interviews.upcoming_rows_for_student",),
        build=build,
        inputs={"user_id": student.pk, "now": timezone.now()},
        # An id no user has and a time no interview starts at.
        sentinels={"user_id": 2_000_000_039, "now": datetime(1903, 4, 5, 6, 7, 8, 9, tzinfo=UTC)},
    )[:limit]


# --- Figures per student (an advisor's caseload) -----------------------------------

# States only an accepted interview reaches (TRANSITIONS: scheduled comes from
# accepted, held and no-show from scheduled).
_ACCEPTED_STATES = (State.ACCEPTED, State.SCHEDULED, State.COMPLETED, State.NO_SHOW)


def student_interview_figures() -> dict[str, Expression]:
    """Annotations for a queryset of student users (`OuterRef("pk")` is the
    student), one correlated subquery each (the counts one together, through
    core.figures.FiguresTogether):

    - requests_sent: interviews ever sent: `requested_at` set and not a draft
      (withdrawn, declined, expired and every later state count);
    - accepted: interviews the contact said yes to: in accepted, scheduled, held
      (completed) or no-show, or cancelled from accepted or scheduled according to
      the timeline's cancellation entry (its `from_state`). A cancelled interview
      without such an entry is not counted;
    - held: in state completed;
    - job_asks: requests sent whose message the request checker read as an ask for
      a job (`job_ask_flagged`, recorded at sending);
    - last_interview_activity_at: the latest timeline entry on any of the
      student's interviews, leaving out the system's own (NOT_INTERACTIONS: a
      draft saved, the reminder, the expiry), None when there is none.

    Counts are 0, never NULL. Served by the Interview (student, state) and
    InterviewEvent (interview, created_at) indexes.
    """
    theirs = Interview.objects.all()
    sent = Q(requested_at__isnull=False) & ~Q(state=State.DRAFT)
    cancelled_after_yes = InterviewEvent.objects.filter(
        interview=OuterRef("pk"),
        to_state=State.CANCELLED,
        from_state__in=(State.ACCEPTED, State.SCHEDULED),
    )
    activity = (
        InterviewEvent.objects.filter(interview__student=OuterRef("pk"))
        .exclude(kind__in=NOT_INTERACTIONS)
        .order_by()
        .values("interview__student")
        .annotate(m=Max("created_at"))
        .values("m")
    )
    return {
        "requests_sent": RowsFigure(theirs, per="student", where=sent),
        "accepted": RowsFigure(
            theirs,
            per="student",
            # The state before the timeline: PostgreSQL evaluates an AND inside a
            # FILTER left to right, and would look up the events of every interview.
            where=Q(state__in=_ACCEPTED_STATES)
            | (Q(state=State.CANCELLED) & Q(Exists(cancelled_after_yes))),
        ),
        "held": RowsFigure(theirs, per="student", where=Q(state=State.COMPLETED)),
        "job_asks": RowsFigure(theirs, per="student", where=Q(job_ask_flagged=True) & sent),
        "last_interview_activity_at": Subquery(activity),
    }
