"""Reads of contacts and volunteers, always scoped to the requesting user."""

import time

from django.core.cache import cache
from django.db.models import (
    Count,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404

from apps.contacts.enums import Stage, stage_of_rank
from apps.contacts.models import Contact, VolunteerProfile
from apps.core.figures import FigureFrom, RowsFigure, subquery_latest
from apps.core.statements import StatementRows
from apps.students.selectors import field_choices_cache_keys, field_choices_kept


def contact_list_for_student(
    *,
    student,
    archived: bool = False,
    q: str = "",
    field_id=None,
    stage: str = "",
    source: str = "",
    tag: str = "",
) -> QuerySet[Contact]:
    qs = Contact.objects.filter(owner=student, archived_at__isnull=not archived)
    if q:
        qs = qs.filter(
            Q(full_name__icontains=q)
            | Q(organisation__icontains=q)
            | Q(job_title__icontains=q)
            | Q(email__icontains=q)
            | Q(location__icontains=q)
            | Q(notes__icontains=q)
        )
    if field_id:
        qs = qs.filter(field_id=field_id)
    if stage:
        qs = qs.filter(stage=stage)
    if source:
        qs = qs.filter(source=source)
    if tag:
        # JSON containment is not on SQLite; the tag list is short, so a text match
        # on the quoted tag is exact enough and works on both databases.
        qs = qs.filter(tags__icontains=f'"{tag}"')
    return qs.select_related("field", "referred_by").order_by("full_name", "pk")


# What a row of the contact book shows: the page reads these 25 rows, not the
# notes, tags and match keys of each.
BOOK_ROW_FIELDS = (
    "pk",
    "owner_id",
    "full_name",
    "job_title",
    "organisation",
    "source",
    "stage",
    "target_rank",
    "field__name",
    "referred_by__full_name",
)


def contact_book_page_rows(**filters) -> QuerySet[Contact]:
    """contact_list_for_student narrowed to what a row of the book shows. In the
    order of the index contact_book_page (and its stage and field siblings), so a
    page is read from the index with LIMIT."""
    return contact_list_for_student(**filters).only(*BOOK_ROW_FIELDS)


# The count of a student's book (contacts not archived): kept in the cache with the
# book's version it was counted under, which contacts.services.contact_book_changed
# moves on after every commit that adds, archives, restores or removes one of them.
# A count stored with an old version is never read again; the timeout only bounds
# its life.
BOOK_COUNT_SECONDS = 15 * 60


def contact_book_version_key(owner_id: int) -> str:
    return f"contacts:book-version:{owner_id}"


def contact_book_version(*, owner_id: int) -> int:
    key = contact_book_version_key(owner_id)
    version = cache.get(key)
    if version is None:
        # Lost or never set: a fresh value (nanoseconds), so that no count stored
        # under an earlier version is taken for this one's.
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key)
    return version


def contact_count_for_student(*, student) -> int:
    """How many contacts the student has, archived ones left out. One query when the
    cache does not hold it, none when it does.

    The count is stored with the version it was counted under, and read with the
    current version in one round trip to the cache (two before: the version, then
    the count under it); a count stored under another version is counted again."""
    return _book_count(student=student, found=cache.get_many(_book_count_keys(student.pk)))


def _book_count_keys(owner_id: int) -> tuple[str, str]:
    return contact_book_version_key(owner_id), f"contacts:book-count:{owner_id}"


def _book_count(*, student, found: dict) -> int:
    version_key, count_key = _book_count_keys(student.pk)
    version = found.get(version_key)
    if version is None:
        version = contact_book_version(owner_id=student.pk)
    stored = found.get(count_key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == version:
        return stored[1]
    count = Contact.objects.filter(owner=student, archived_at__isnull=True).count()
    cache.set(count_key, (version, count), BOOK_COUNT_SECONDS)
    return count


def contact_book_count_and_fields(*, student, counted: bool) -> tuple[int | None, list]:
    """What the book's page keeps in the cache, read in one round trip: the count of
    the whole book (contact_count_for_student) when `counted`, else None, and the
    office's field choices for its filter (students.selectors.field_choices_kept),
    each read from the database only when the cache does not hold it."""
    office_id = student.office_id
    keys = list(field_choices_cache_keys(office_id=office_id))
    if counted:
        keys += _book_count_keys(student.pk)
    found = cache.get_many(keys)
    fields = field_choices_kept(office_id=office_id, found=found)
    return (_book_count(student=student, found=found) if counted else None), fields


def contact_get_for_student(*, student, pk: int) -> Contact:
    contact = (
        Contact.objects.filter(owner=student, pk=pk)
        .select_related("field", "referred_by", "volunteer__user")
        .first()
    )
    if contact is None:
        raise Http404
    return contact


REFERRER_OPTIONS = 20


def referrer_options_for_student(
    *, student, q: str = "", exclude_pk=None, selected_pk=None, limit: int = REFERRER_OPTIONS
) -> list[Contact]:
    """Who the "referred by" picker offers: the contact already chosen, then up to
    `limit` of the student's contacts not archived whose name or organisation holds
    `q` (all of them, by name, when `q` is empty). A book of thousands is never
    rendered whole. One query, two with a chosen contact."""
    qs = Contact.objects.filter(owner=student, archived_at__isnull=True).only(
        "pk", "full_name", "organisation"
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    chosen = list(qs.filter(pk=selected_pk)) if selected_pk else []
    q = " ".join(q.split())[:100]
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(organisation__icontains=q))
    found = list(
        qs.exclude(pk__in=[c.pk for c in chosen]).order_by("full_name", "organisation", "pk")[
            :limit
        ]
    )
    return chosen + found


def target_list_for_student(*, student, field_id=None) -> QuerySet[Contact]:
    qs = Contact.objects.filter(owner=student, archived_at__isnull=True, target_rank__isnull=False)
    if field_id is not None:
        qs = qs.filter(field_id=field_id)
    return qs.select_related("field", "referred_by").order_by("field__name", "target_rank", "pk")


def target_list_grouped(*, student) -> tuple[list[dict], list[Contact]]:
    """The student's target list by field, each ranked: one group per active field
    with anyone on it, by field name (`{"field", "contacts"}`), then the contacts
    without a field or in a field the office retired (`"field": None`). Also the
    contacts themselves, in that order. One query."""
    contacts = list(target_list_for_student(student=student))
    return target_groups(contacts), contacts


def target_groups(contacts) -> list[dict]:
    """Ranked contacts (in target_list_for_student's order) by field: one group per
    active field with anyone on it, in the rows' order, then the contacts without a
    field or in a field the office retired."""
    groups: dict[int, dict] = {}
    loose = {"field": None, "contacts": []}
    for contact in contacts:
        field = contact.field
        if field is None or not field.is_active:
            loose["contacts"].append(contact)
        else:
            groups.setdefault(field.pk, {"field": field, "contacts": []})["contacts"].append(
                contact
            )
    return [*groups.values(), *([loose] if loose["contacts"] else [])]


# The board's columns show each stage's first few; "see all" opens one column alone.
BOARD_PREVIEW = 25
# What a card of the board shows.
BOARD_CARD_FIELDS = ("pk", "owner_id", "full_name", "organisation", "stage", "field__name")


def _board_cards(*, student) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(owner=student, archived_at__isnull=True, target_rank__isnull=False)
        .select_related("field")
        .only(*BOARD_CARD_FIELDS)
    )


# A column's order: the target list's (by field name, then rank).
BOARD_ORDER = (F("field__name").asc(), F("target_rank").asc(), F("pk").asc())


def target_board_for_student(*, student, preview: int = BOARD_PREVIEW) -> dict[str, dict]:
    """The target board: for each stage with anyone ranked in it, its first `preview`
    contacts in the target list's order (`"contacts"`) and how many it has
    (`"count"`). One query; only the cards shown leave the database, however long
    the list."""
    rows = (
        _board_cards(student=student)
        .annotate(
            place=Window(RowNumber(), partition_by=F("stage"), order_by=BOARD_ORDER),
            in_stage=Window(Count("pk"), partition_by=F("stage")),
        )
        .filter(place__lte=preview)
        .order_by("stage", "place")
    )
    columns: dict[str, dict] = {}
    for contact in rows:
        column = columns.setdefault(contact.stage, {"contacts": [], "count": contact.in_stage})
        column["contacts"].append(contact)
    return columns


def target_board_column(*, student, stage: str) -> QuerySet[Contact]:
    """One column of the target board whole, in its order (to be paginated)."""
    return _board_cards(student=student).filter(stage=stage).order_by(*BOARD_ORDER)


def contact_list_recently_added(*, student, limit: int) -> QuerySet[Contact]:
    """The contacts the student added last, newest first, archived ones included
    (adding them happened): an advisor's activity timeline. Only what a line of it
    shows is loaded."""
    return (
        Contact.objects.filter(owner=student)
        .only("pk", "owner_id", "full_name", "organisation", "created_at")
        .order_by("-created_at", "-pk")[:limit]
    )


def volunteer_profile_for_user(*, user) -> VolunteerProfile | None:
    """The user's volunteer profile with its office (the month is counted in the
    office's time zone). Fields are not prefetched: a page that lists them asks."""
    return VolunteerProfile.objects.filter(user=user).select_related("office").first()


def _contact_counts(values: dict):
    return (
        Contact.objects.filter(owner_id=values["owner_id"], archived_at__isnull=True)
        .order_by()
        .values_list("stage")
        .annotate(Count("owner"), Count("target_rank"), Count("referred_by"))
    )


def contact_counts_for_student(*, student) -> dict:
    """Totals for the dashboard, in one query: the book's contacts not archived
    (`total`), those on a target list (`targets`), those that came through a
    referral (`referrals`), and how many are at each stage (a key per Stage value,
    0 for none)."""
    # Counted on the owner, not the id: every column read is in the index
    # contact_book_counts, so PostgreSQL counts the book from the index alone, in
    # the index's (owner, stage) order. Grouped by stage, three counts a row rather
    # than eleven filtered counts over the book: the ORM builds and compiles eleven
    # aggregates with their filters on every call, which cost some four times the
    # query's own time.
    # The student's home asks on every visit: compiled once per process
    # (core.statements), then only the owner is bound.
    rows = StatementRows(
        shape=("contacts.contact_counts",),
        build=_contact_counts,
        inputs={"owner_id": student.pk},
        sentinels={"owner_id": 2_000_000_011},
    )
    counts = {"total": 0, "targets": 0, "referrals": 0, **dict.fromkeys(Stage.values, 0)}
    for stage, total, targets, referrals in rows:
        if stage in Stage.values:
            counts[stage] = total
        counts["total"] += total
        counts["targets"] += targets
        counts["referrals"] += referrals
    return counts


# --- Figures per student (an advisor's caseload) -----------------------------------


def student_contact_figures() -> dict[str, Expression]:
    """Annotations for a queryset of student users (`OuterRef("pk")` is the
    student), one correlated subquery each (or, through core.figures.FiguresTogether,
    the counts one subquery together and the stage read from its rank):

    - contacts_count: the student's contacts not archived (not "contacts": that
      is User's reverse relation from Contact.owner, and Django refuses an
      annotation that shadows it);
    - targets: of those, the ones on a target list (`target_rank` set);
    - furthest_stage: the most advanced stage among those, in STAGE_ORDER, or ""
      when there are none; furthest_stage_rank: its index in STAGE_ORDER, -1 when
      none (one aggregate: sort and filter on this, not on a Case over the stage);
    - last_contact_added_at: when the latest contact was added, archived ones
      included (adding them happened), None when there are none;
    - last_interaction_at: the latest keep-in-touch clock over all the student's
      contacts, archived ones included, None when never in touch.

    Counts are 0, never NULL. Served by the Contact indexes that start with owner.
    """
    mine = Contact.objects.filter(owner=OuterRef("pk"))
    current = mine.filter(archived_at__isnull=True)
    contacts, not_archived = Contact.objects.all(), Q(archived_at__isnull=True)
    # Served by the index contact_owner_furthest_stage.
    furthest = current.order_by("-stage_rank")
    return {
        "contacts_count": RowsFigure(contacts, per="owner", where=not_archived),
        "targets": RowsFigure(
            contacts, per="owner", where=not_archived & Q(target_rank__isnull=False)
        ),
        # A contact's stage_rank is its stage's index in STAGE_ORDER: computed with
        # the other figures, the stage is read from the rank, with no query of its own.
        "furthest_stage": FigureFrom(
            Coalesce(Subquery(furthest.values("stage")[:1]), Value("")),
            source="furthest_stage_rank",
            function=stage_of_rank,
        ),
        "furthest_stage_rank": RowsFigure(
            contacts, per="owner", of="stage_rank", default=-1, where=not_archived
        ),
        "last_contact_added_at": subquery_latest(mine, "created_at", per="owner"),
        "last_interaction_at": subquery_latest(mine, "last_interaction_at", per="owner"),
    }


# --- Office figures (the dashboard) --------------------------------------------------


def contact_figures_for_office(*, cohort, periods) -> list[dict]:
    """For each period (core.periods.Period), in one query over the cohort's
    contacts (students.selectors.Cohort):

    - with_targets: students with someone on a target list, among the contacts
      they had added by the period's end and not archived (when a contact was
      ranked is not recorded: its adding stands for it);
    - contacts_added: contacts added in the period, archived ones included;
    - students_adding: the students who added them.
    """
    # Only ranked contacts and those added in a period matter: the rest (most of a
    # large office's contacts) are left out before counting.
    rows = Contact.objects.filter(
        cohort.q("owner__"), created_at__lt=max(p.end for p in periods)
    ).filter(
        Q(target_rank__isnull=False, archived_at__isnull=True)
        | Q(created_at__gte=min(p.start for p in periods))
    )
    aggregates = {}
    for i, period in enumerate(periods):
        ranked = Q(target_rank__isnull=False, archived_at__isnull=True, created_at__lt=period.end)
        added = period.q("created_at")
        aggregates |= {
            f"with_targets_{i}": Count("owner", distinct=True, filter=ranked),
            f"contacts_added_{i}": Count("pk", filter=added),
            f"students_adding_{i}": Count("owner", distinct=True, filter=added),
        }
    totals = rows.aggregate(**aggregates)
    names = ("with_targets", "contacts_added", "students_adding")
    return [{name: totals[f"{name}_{i}"] for name in names} for i in range(len(periods))]


def field_ranking_for_office(*, cohort, period, limit: int = 10) -> list[dict]:
    """The office's fields most explored in the period: by the number of students
    who added a contact in the field, then by contacts added. At most `limit`."""
    return list(
        Contact.objects.filter(
            cohort.q("owner__"), period.q("created_at"), field__office_id=cohort.office_id
        )
        .values("field_id", "field__name")
        .annotate(students=Count("owner", distinct=True), contacts=Count("pk"))
        .order_by("-students", "-contacts", "field__name")[:limit]
    )


def students_adding_contacts(*, cohort, period) -> Q:
    """Filter a queryset of users to those who added a contact in the period."""
    return Q(
        pk__in=Contact.objects.filter(cohort.q("owner__"), period.q("created_at")).values(
            "owner_id"
        )
    )
