"""Reads of follow-ups, each scoped to the student asking."""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Trunc
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.contacts.models import Contact
from apps.core.figures import RowsFigure
from apps.core.statements import StatementRows, rows_for_ids
from apps.followups.enums import ACTIVE_STATUSES, Kind, Status
from apps.followups.models import FollowUp, Interaction
from apps.followups.notifications import zone
from apps.interviews.enums import State
from apps.interviews.models import Interview, InterviewNotes
from apps.students.models import ResearchNote, StudentProfile
from apps.students.selectors import student_profile_get

DUE_SOON = timedelta(days=7)
RECENTLY_DONE = 10
QUOTE_MAX = 220
# Logged interactions shown under a check-in, and on the log form.
RECENT_INTERACTIONS = 3


# Timeline entries that are not the student talking to the contact.
def followup_list_for_student(*, student) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(student=student)
        .select_related("contact", "interview")
        .order_by("due_at", "pk")
    )


def followup_get_for_student(*, student, pk: int) -> FollowUp:
    followup = followup_list_for_student(student=student).filter(pk=pk).first()
    if followup is None:
        raise Http404
    return followup


@dataclass(slots=True)
class ShownContact:
    """What the follow-ups page shows of a row's contact."""

    pk: int
    full_name: str
    organisation: str
    last_interaction_at: datetime | None
    last_interaction: str
    volunteer_id: int | None
    recent_interactions: list = field(default_factory=list)


@dataclass(slots=True)
class ShownFollowUp:
    """A follow-up as the page shows it: the columns it shows, not a model instance
    (building 30 FollowUps and their Contacts was a third of the page's reads)."""

    pk: int
    kind: str
    status: str
    due_at: datetime
    snoozed_until: datetime | None
    cadence_months: int | None
    done_at: datetime | None
    on_time: bool | None
    sent_via: str
    note: str
    contact: ShownContact


@dataclass
class FollowUpGroups:
    """The follow-ups page. `overdue`, `this_week` and `upcoming` hold the rows
    shown (a section's first few, or one page of the section opened alone);
    `counts` says how many each section has in all."""

    overdue: list[ShownFollowUp]
    this_week: list[ShownFollowUp]
    upcoming: list[ShownFollowUp]
    done: list[ShownFollowUp]
    counts: dict[str, int] = field(default_factory=dict)
    page: Page | None = None

    @property
    def has_any(self) -> bool:
        return bool(any(self.counts.values()) or self.done)


SECTIONS = ("overdue", "this_week", "upcoming")
# Rows of each section on the page before "see all", and per page of one section.
SECTION_PREVIEW = 10
SECTION_PAGE_SIZE = 25


# What the follow-ups page shows of a row and its contact (not the interview, not
# the contact's notes): the rows are read whole only for the 30 shown, as values.
_ROW_FIELDS = (
    "pk",
    "kind",
    "status",
    "due_at",
    "snoozed_until",
    "cadence_months",
    "done_at",
    "on_time",
    "sent_via",
    "note",
    "contact_id",
    "contact__full_name",
    "contact__organisation",
    "contact__last_interaction_at",
    "contact__last_interaction",
    "contact__volunteer",
)

# The section each row of the narrow read falls in, numbered as SECTIONS; the done
# ones _DONE.
_DONE = -1


def _narrow(values: dict, *, with_done: bool):
    """Every active follow-up of the student as (id, section), by due time and id,
    and, with `with_done`, the last few done in the same query. The section is
    worked out in the query from `now` and `soon` (not each due time read and
    compared in Python: a student has tens of active follow-ups, a few hundred at
    most, each a timestamp to load)."""
    narrow = FollowUp.objects.filter(student_id=values["student_id"]).order_by()
    wanted_rows = Q(status__in=ACTIVE_STATUSES)
    if with_done:
        # The last few done, in the same query: a sliced subquery in IN (which both
        # PostgreSQL and SQLite take; a UNION of a sliced query SQLite refuses).
        recent = (narrow.filter(status=Status.DONE).order_by("-done_at", "-pk").values("pk"))[
            :RECENTLY_DONE
        ]
        wanted_rows |= Q(pk__in=recent)
    section = Case(
        When(status=Status.DONE, then=Value(_DONE)),
        When(Q(status=Status.SNOOZED) | Q(due_at__gte=values["soon"]), then=Value(2)),
        When(due_at__lt=values["now"], then=Value(0)),
        default=Value(1),
    )
    return (
        narrow.filter(wanted_rows)
        .annotate(section=section)
        .order_by("due_at", "pk")
        .values_list("pk", "section")
    )


def followup_groups_for_student(
    *, student, now: datetime | None = None, section: str | None = None, page: str | None = None
) -> FollowUpGroups:
    """The follow-ups page: overdue, due within a week, later (and snoozed), each
    with its first SECTION_PREVIEW rows, the last few done, and the last
    interactions logged with each contact shown. With `section`, that section
    alone, SECTION_PAGE_SIZE to a `page`, and nothing done.

    The sections are drawn from a narrow read of every active follow-up (id and
    section, by due time: a student has tens, a few hundred at most), in the same
    query as the ids of the last few done; only the rows shown are loaded, with
    the columns the page shows and, for each check-in, the interactions last
    logged with its contact. Two queries."""
    now = now or timezone.now()
    with_done = section not in SECTIONS
    # Compiled once per process for each of its two shapes (core.statements).
    active = StatementRows(
        shape=("followups.narrow", with_done),
        build=lambda values: _narrow(values, with_done=with_done),
        inputs={"student_id": student.pk, "now": now, "soon": now + DUE_SOON},
        sentinels={
            "student_id": 2_000_000_011,
            "now": datetime(1901, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
            "soon": datetime(1902, 3, 4, 5, 6, 7, 8, tzinfo=UTC),
        },
    )[0:None]
    ids: dict[str, list[int]] = {name: [] for name in SECTIONS}
    done_ids = []
    for pk, number in active:
        if number == _DONE:
            done_ids.append(pk)
        else:
            ids[SECTIONS[number]].append(pk)
    counts = {name: len(ids[name]) for name in SECTIONS}
    one_page = None
    if section in SECTIONS:
        one_page = Paginator(ids[section], SECTION_PAGE_SIZE).get_page(page)
        shown = {name: (list(one_page) if name == section else []) for name in SECTIONS}
    else:
        shown = {name: ids[name][:SECTION_PREVIEW] for name in SECTIONS}
    wanted = [pk for name in SECTIONS for pk in shown[name]]
    rows = {row.pk: row for row in _rows_shown(student_id=student.pk, ids=wanted + done_ids)}
    lists = {name: [rows[pk] for pk in shown[name] if pk in rows] for name in SECTIONS}
    # Newest first, as "-done_at" sorts in PostgreSQL (a row without a time first).
    done = sorted(
        (rows[pk] for pk in done_ids if pk in rows),
        key=lambda row: (row.done_at is None, row.done_at or now, row.pk),
        reverse=True,
    )
    return FollowUpGroups(**lists, done=done, counts=counts, page=one_page)


class _RecentInteractions(Subquery):
    """The contact's last RECENT_INTERACTIONS logged interactions, newest first, as
    one JSON text of [kind, occurred_at, note] arrays (NULL for none), read with its
    row: a subquery per row shown instead of a query of their own. PostgreSQL is
    told the order (json_agg over a sorted subquery "usually works", says its
    manual); SQLite before 3.44 takes none in an aggregate and keeps the
    subquery's, as apps/interviews/selectors/feeds.py relies on."""

    output_field = TextField()

    def __init__(self):
        super().__init__(
            Interaction.objects.filter(contact_id=OuterRef("contact_id"))
            .order_by("-occurred_at", "-pk")
            .values("kind", "occurred_at", "note", "pk")[:RECENT_INTERACTIONS]
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=(
                '(SELECT json_agg(json_build_array(r."kind", r."occurred_at", r."note") '
                'ORDER BY r."occurred_at" DESC, r."pk" DESC)::text FROM (%(subquery)s) r)'
            ),
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=(
                '(SELECT json_group_array(json_array(r."kind", r."occurred_at", r."note")) '
                "FROM (%(subquery)s) r)"
            ),
            **extra_context,
        )


@dataclass(slots=True)
class ShownInteraction:
    """An interaction as the page shows it under a check-in."""

    kind: str
    occurred_at: datetime
    note: str


def _interactions(text: str | None) -> list[ShownInteraction]:
    """_RecentInteractions's JSON as rows. A time comes as PostgreSQL writes a
    timestamptz in the connection's zone (UTC, with its offset) or as SQLite
    stores it (UTC, without one)."""
    if text is None:
        return []
    shown = []
    for kind, occurred_at, note in json.loads(text):
        moment = datetime.fromisoformat(occurred_at)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        shown.append(ShownInteraction(kind, moment, note))
    return shown


# Only a check-in still to do shows the interactions logged with its contact.
_SHOWS_INTERACTIONS = Q(kind=Kind.KEEP_IN_TOUCH, status__in=ACTIVE_STATUSES)


def _rows_shown(*, student_id: int, ids: list[int]) -> list[ShownFollowUp]:
    """The follow-ups shown, with the columns the page shows of them and their
    contacts, and each active check-in's contact's last logged interactions: one
    query, compiled once per process for each number of rows (core.statements)
    instead of built by the ORM on every page."""

    def build(values: dict, followup_ids: list) -> QuerySet[FollowUp]:
        return (
            FollowUp.objects.filter(student_id=values["student_id"], pk__in=followup_ids)
            .annotate(
                shown_interactions=Case(
                    When(_SHOWS_INTERACTIONS, then=_RecentInteractions()),
                    output_field=TextField(),
                )
            )
            # In the order of `ids`, put back in Python: no sort in SQL.
            .order_by()
            .values_list(*_ROW_FIELDS, "shown_interactions")
        )

    return [
        ShownFollowUp(*row[:10], ShownContact(*row[10:16], _interactions(row[16])))
        for row in rows_for_ids(
            shape=("followups.rows_shown",),
            ids=ids,
            build=build,
            inputs={"student_id": student_id},
            sentinels={"student_id": 2_000_000_011},
        )
    ]


@dataclass
class DueSoon:
    """What the student's home shows of the follow-ups due within a week: the first
    few (overdue first, each with `is_overdue`), how many there are and how many are
    overdue, and the earliest thank-you (the home's most pressing next step), which
    may lie beyond the first few."""

    items: list[FollowUp]
    count: int
    overdue: int
    thank_you: FollowUp | None


def _due(values: dict) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(
            student_id=values["student_id"], status=Status.OPEN, due_at__lt=values["soon"]
        )
        .only("kind", "due_at", "contact_id")
        .annotate(contact_name=F("contact__full_name"))
        .order_by("due_at", "pk")
    )


def _due_soon(values: dict) -> QuerySet[FollowUp]:
    return _due(values).annotate(
        due_count=Window(Count("pk")),
        overdue_count=Window(Count("pk", filter=Q(due_at__lt=values["now"]))),
        thank_you_count=Window(Count("pk", filter=Q(kind=Kind.THANK_YOU))),
    )


def followups_due_soon(*, student, limit: int, now: datetime | None = None) -> DueSoon:
    """Bounded whatever the student owes: one query, the first `limit` rows each
    carrying the counts over all due (window counts, so no second read) and its
    contact's name (`contact_name`); one more only when a thank-you is due but not
    among the first `limit`. The first query's statement is compiled once per
    process (StatementRows): the ORM built its window counts on every call."""
    now = now or timezone.now()
    inputs = {"student_id": student.pk, "now": now, "soon": now + DUE_SOON}
    items = StatementRows(
        shape=("followups.due_soon",),
        build=_due_soon,
        inputs=inputs,
        # An id no student has and two times no follow-up is due at, to trace
        # each parameter to its input.
        sentinels={
            "student_id": 2_000_000_033,
            "now": datetime(1901, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
            "soon": datetime(1902, 3, 4, 5, 6, 7, 8, tzinfo=UTC),
        },
    )[:limit]
    if not items:
        return DueSoon([], 0, 0, None)
    for item in items:
        item.is_overdue = item.due_at < now
    first = items[0]
    thank_you = next((item for item in items if item.kind == Kind.THANK_YOU), None)
    if thank_you is None and first.thank_you_count:
        thank_you = _due(inputs).filter(kind=Kind.THANK_YOU).first()
    return DueSoon(items, first.due_count, first.overdue_count, thank_you)


def _profile_with_progress(values: dict) -> QuerySet[StudentProfile]:
    return (
        StudentProfile.objects.filter(user_id=values["student_id"])
        .annotate(
            has_fields=Exists(
                StudentProfile.fields.through.objects.filter(studentprofile=OuterRef("pk"))
            ),
            has_notes=Exists(ResearchNote.objects.filter(student=OuterRef("user_id"))),
        )
        .order_by("pk")
    )


def student_profile_for_home(*, student) -> StudentProfile:
    """students.selectors.student_profile_get_with_progress for the student's home:
    the profile (created empty on first use) with `has_fields` and `has_notes`, its
    statement compiled once per process (StatementRows) rather than built by the
    ORM on every call. (The book's counts stay a query of their own: joined to the
    profile, PostgreSQL sorted the whole book to group it, three times the time of
    the two queries.)"""
    rows = StatementRows(
        shape=("followups.student_profile_for_home",),
        build=_profile_with_progress,
        inputs={"student_id": student.pk},
        sentinels={"student_id": 2_000_000_041},
    )
    found = rows[:1]
    if not found:
        student_profile_get(user=student)
        found = rows[:1]
    return found[0]


def followups_due_count(*, student, now: datetime | None = None) -> int:
    """Open follow-ups due within a week, overdue ones included: the nav badge."""
    now = now or timezone.now()
    return FollowUp.objects.filter(
        student=student, status=Status.OPEN, due_at__lt=now + DUE_SOON
    ).count()


# --- Interactions -------------------------------------------------------------------


def _recent_interactions(lookup: str) -> Prefetch:
    return Prefetch(
        lookup,
        queryset=Interaction.objects.only("contact", "kind", "occurred_at", "note").order_by(
            "-occurred_at", "-pk"
        )[:RECENT_INTERACTIONS],
        to_attr="recent_interactions",
    )


def contact_get_met_for_student(*, student, pk: int) -> Contact:
    """One of the student's contacts they have met (a meeting held, or check-ins
    running or stopped), with its last logged interactions; anything else is a 404."""
    met = Exists(Interview.objects.filter(contact=OuterRef("pk"), state=State.COMPLETED)) | Exists(
        FollowUp.objects.filter(contact=OuterRef("pk"), kind=Kind.KEEP_IN_TOUCH)
    )
    contact = (
        Contact.objects.filter(met, owner=student, pk=pk)
        .prefetch_related(_recent_interactions("interactions"))
        .first()
    )
    if contact is None:
        raise Http404
    return contact


def checkin_active_for_contact(*, contact_id: int, lock: bool = False) -> FollowUp | None:
    """The contact's open or snoozed check-in (at most one, by constraint). `lock`
    for services: SELECT ... FOR UPDATE, inside their transaction."""
    checkins = FollowUp.objects.filter(
        contact_id=contact_id, kind=Kind.KEEP_IN_TOUCH, status__in=ACTIVE_STATUSES
    )
    if lock:
        checkins = checkins.select_for_update()
    return checkins.first()


def interaction_list_recent_for_student(*, student, limit: int) -> QuerySet[Interaction]:
    """The interactions the student logged last, newest first, with the contact:
    an advisor's activity timeline (the note is left in the database)."""
    return (
        Interaction.objects.filter(student=student)
        .select_related("contact")
        .only("kind", "occurred_at", "contact", "contact__full_name", "contact__organisation")
        .order_by("-occurred_at", "-pk")[:limit]
    )


def thank_you_list_done_for_student(*, student, limit: int) -> QuerySet[FollowUp]:
    """The thank-yous the student sent (or marked sent) last, newest first, with the
    contact and whether each went within its window: an advisor's activity
    timeline."""
    return (
        FollowUp.objects.filter(
            student=student, kind=Kind.THANK_YOU, status=Status.DONE, done_at__isnull=False
        )
        .select_related("contact")
        .only("done_at", "on_time", "contact", "contact__full_name", "contact__organisation")
        .order_by("-done_at", "-pk")[:limit]
    )


# What the volunteer's home shows of the advice they gave (apps/followups/slots.py).
OUTCOMES_SHOWN = 5


def advice_outcomes_for_volunteer(*, volunteer, limit: int = OUTCOMES_SHOWN) -> list[FollowUp]:
    """What came of the volunteer's advice, newest first: the outcomes students
    wrote when they checked in with the contact linked to this volunteer, from
    students who are still active. One query, bounded, compiled once per process
    (core.statements): the volunteer's home shows it on every visit, and building
    it cost more than running it."""
    return StatementRows(
        shape=("followups.advice_outcomes",),
        build=_advice_outcomes,
        inputs={"volunteer_id": volunteer.pk},
        sentinels={"volunteer_id": 2_000_000_011},
    )[0:limit]


def _advice_outcomes(values: dict) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(
            contact__volunteer_id=values["volunteer_id"],
            kind=Kind.KEEP_IN_TOUCH,
            status=Status.DONE,
            student__is_active=True,
        )
        .exclude(outcome="")
        .select_related("student")
        .only("outcome", "done_at", "student__full_name")
        .order_by("-done_at", "-pk")
    )


# --- The thank-you note -------------------------------------------------------------


def thank_you_recipient(*, interview: Interview) -> tuple[str, bool]:
    """(address, the student may see it). A volunteer's own address for a meeting
    through Fieldnotes, the contact's otherwise."""
    contact = interview.contact
    if interview.volunteer_id:
        volunteer = interview.volunteer
        address = volunteer.user.email
        visible = volunteer.share_email_on_accept or (
            contact.email.strip().lower() == address.lower()
        )
        return address, visible
    return contact.email.strip(), True


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_MARKUP = re.compile(r"[*_`#>]+")


def first_sentence(text: str) -> str:
    """The first sentence of a note, without Markdown marks, for quoting."""
    for line in (text or "").splitlines():
        line = _MARKUP.sub("", _LIST_MARK.sub("", line)).strip()
        if line:
            sentence = _SENTENCE_END.split(line, maxsplit=1)[0].strip()
            if len(sentence) > QUOTE_MAX:
                sentence = sentence[: QUOTE_MAX - 1].rsplit(" ", 1)[0] + "…"
            return sentence
    return ""


@dataclass
class ThankYouDraft:
    subject: str
    body: str
    # What the draft quotes from the notes, if anything.
    quoted_from: str


def thank_you_draft(*, followup: FollowUp, student) -> ThankYouDraft:
    """A first draft in the student's voice that names something specific from
    their notes: the first sentence of their Advice, else of their Information."""
    interview = followup.interview
    contact = followup.contact
    notes = InterviewNotes.objects.filter(interview_id=interview.pk).first()
    advice = first_sentence(notes.advice) if notes else ""
    information = first_sentence(notes.information) if notes else ""
    first_name = contact.full_name.split(" ")[0] if contact.full_name else ""
    organisation = contact.organisation or (
        interview.volunteer.employer if interview.volunteer_id else ""
    )
    when = interview.starts_at or interview.held_at or followup.created_at
    day = date_format(timezone.localtime(when, zone(student.time_zone)), "l j F")
    if organisation:
        thanks = _(
            "Thank you for taking the time to talk with me on %(day)s about your work at "
            "%(organisation)s."
        ) % {"day": day, "organisation": organisation}
    else:
        thanks = _("Thank you for taking the time to talk with me on %(day)s about your work.") % {
            "day": day
        }
    if advice:
        specific, quoted_from = (
            _("Your advice stayed with me: “%(quote)s” I am already acting on it.")
            % {"quote": advice},
            "advice",
        )
    elif information:
        specific, quoted_from = (
            _("One thing you told me stays with me: “%(quote)s” It gave me a clearer picture.")
            % {"quote": information},
            "information",
        )
    else:
        specific, quoted_from = (
            _("[Name one specific thing you learned from the conversation and why it helps.]"),
            "",
        )
    lines = [
        _("Dear %(name)s,") % {"name": first_name},
        "",
        f"{thanks} {specific}",
        "",
        _("I will let you know how my search goes."),
        "",
        _("With thanks and best wishes,"),
        student.full_name,
        student.email,
    ]
    return ThankYouDraft(
        subject=_("Thank you for our conversation"),
        body="\n".join(lines),
        quoted_from=quoted_from,
    )


# --- Figures per student (an advisor's caseload) -----------------------------------


def student_followup_figures(*, now: datetime) -> dict[str, Expression]:
    """Annotations for a queryset of student users (`OuterRef("pk")` is the
    student), one correlated subquery each (or one together, through
    core.figures.FiguresTogether), as they stand at `now`:

    - thanks_on_time / thanks_late: thank-yous done, sent within the window or
      after it (`on_time`, recorded when it was done);
    - thanks_missing: thank-yous not done whose window has closed (`due_at` before
      `now`): still open, or stopped by the student without being sent. A stopped
      one whose window is still open is not counted yet: until the window closes,
      nothing is late. (A thank-you cannot be snoozed.)
    - overdue_followups: follow-ups of either kind, thank-you or check-in, open
      with `due_at` before `now`. A snoozed check-in is not counted, even once
      its snooze has ended and the sweep has not woken it yet. An overdue open
      thank-you counts here and in thanks_missing.

    Counts are 0, never NULL. Served by the FollowUp (student, status, due_at)
    index.
    """
    theirs = FollowUp.objects.all()
    thanks = Q(kind=Kind.THANK_YOU)
    done = thanks & Q(status=Status.DONE)
    return {
        "thanks_on_time": RowsFigure(theirs, per="student", where=done & Q(on_time=True)),
        "thanks_late": RowsFigure(theirs, per="student", where=done & Q(on_time=False)),
        "thanks_missing": RowsFigure(
            theirs, per="student", where=thanks & ~Q(status=Status.DONE) & Q(due_at__lt=now)
        ),
        "overdue_followups": RowsFigure(
            theirs, per="student", where=Q(status=Status.OPEN, due_at__lt=now)
        ),
    }


# --- Office figures (the dashboard) --------------------------------------------------


def _thank_you_counts(prefix: str, *, now: datetime, filter: Q | None = None) -> dict:
    """On time, late and missing (not sent and the window closed at `now`) among
    thank-you follow-ups, as aggregates named with `prefix` (never empty: "on_time"
    alone would shadow the field it counts on)."""
    base = Q(kind=Kind.THANK_YOU) & (filter or Q())
    done = base & Q(status=Status.DONE)
    return {
        f"{prefix}on_time": Count("pk", filter=done & Q(on_time=True)),
        f"{prefix}late": Count("pk", filter=done & Q(on_time=False)),
        f"{prefix}missing": Count("pk", filter=base & ~Q(status=Status.DONE) & Q(due_at__lt=now)),
    }


def thank_you_figures_for_office(*, cohort, periods, now: datetime) -> list[dict]:
    """For each period, in one query, the thank-yous for the cohort's conversations
    held in it: sent on time (within the office's window, 24 hours unless changed),
    late, and missing (not sent, and its window had closed by `now`)."""
    rows = FollowUp.objects.filter(
        cohort.q("student__"),
        kind=Kind.THANK_YOU,
        interview__held_at__gte=min(p.start for p in periods),
    )
    aggregates = {}
    for i, period in enumerate(periods):
        aggregates |= _thank_you_counts(f"p{i}_", now=now, filter=period.q("interview__held_at"))
    totals = rows.aggregate(**aggregates)
    names = ("on_time", "late", "missing")
    return [{name: totals[f"p{i}_{name}"] for name in names} for i in range(len(periods))]


def _thanked_on_time(cohort, period) -> QuerySet:
    return FollowUp.objects.filter(
        cohort.q("student__"),
        period.q("interview__held_at"),
        kind=Kind.THANK_YOU,
        status=Status.DONE,
        on_time=True,
    ).values("student_id")


def _checked_in(cohort, period) -> QuerySet:
    return FollowUp.objects.filter(
        cohort.q("student__"), period.q("done_at"), kind=Kind.KEEP_IN_TOUCH, status=Status.DONE
    ).values("student_id")


def _logged(cohort, period) -> QuerySet:
    return Interaction.objects.filter(cohort.q("student__"), period.q("occurred_at")).values(
        "student_id"
    )


def followup_student_figures_for_office(*, students, cohort, periods) -> list[dict]:
    """For each period, in one query over `students` (the cohort's users):

    - thanked_on_time: students who sent an on-time thank-you for a conversation
      held in the period;
    - kept_in_touch: students who kept in touch with someone they had met: a
      check-in done, or an interaction logged, in the period.
    """
    aggregates = {}
    for i, period in enumerate(periods):
        aggregates |= {
            f"thanked_on_time_{i}": Count("pk", filter=Q(pk__in=_thanked_on_time(cohort, period))),
            f"kept_in_touch_{i}": Count(
                "pk",
                filter=Q(pk__in=_checked_in(cohort, period)) | Q(pk__in=_logged(cohort, period)),
            ),
        }
    totals = students.aggregate(**aggregates)
    names = ("thanked_on_time", "kept_in_touch")
    return [{name: totals[f"{name}_{i}"] for name in names} for i in range(len(periods))]


def thank_you_series_for_office(*, cohort, period, unit: str, tz, now: datetime) -> dict:
    """Thank-yous for the conversations held in the period per `unit` ("week" or
    "month", in the zone `tz`) of the meeting: {first day: {on_time, late,
    missing}}. Weeks and months without a meeting are absent."""
    rows = (
        FollowUp.objects.filter(
            cohort.q("student__"), period.q("interview__held_at"), kind=Kind.THANK_YOU
        )
        .annotate(bucket=Trunc("interview__held_at", unit, tzinfo=tz))
        .order_by()
        .values("bucket")
        .annotate(**_thank_you_counts("n_", now=now))
    )
    return {
        row["bucket"].date(): {k: row[f"n_{k}"] for k in ("on_time", "late", "missing")}
        for row in rows
    }


def students_following_up(*, cohort, period) -> Q:
    """Filter a queryset of users to those who followed up in the period: a
    follow-up done (a thank-you sent, a check-in) or an interaction logged."""
    done = FollowUp.objects.filter(
        cohort.q("student__"), period.q("done_at"), status=Status.DONE
    ).values("student_id")
    return Q(pk__in=done) | Q(pk__in=_logged(cohort, period))
