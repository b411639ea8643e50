"""Reads of contacts and volunteers, always scoped to the requesting user."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from apps.contacts.enums import Stage
from apps.contacts.models import Contact, VolunteerProfile


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


def contact_get_for_student(*, student, pk: int) -> Contact:
    contact = (
        Contact.objects.filter(owner=student, pk=pk)
        .select_related("field", "referred_by", "volunteer__user")
        .first()
    )
    if contact is None:
        raise Http404
    return contact


def contact_find_duplicates(
    *, student, full_name: str, email: str = "", organisation: str = "", exclude_pk=None
) -> QuerySet[Contact]:
    """Probable duplicates of a new contact: the same email, or the same name at the
    same organisation."""
    cond = Q()
    if email.strip():
        cond |= Q(email__iexact=email.strip())
    if full_name.strip() and organisation.strip():
        cond |= Q(full_name__iexact=full_name.strip(), organisation__iexact=organisation.strip())
    if not cond:
        return Contact.objects.none()
    qs = Contact.objects.filter(cond, owner=student)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("full_name")


def target_list_for_student(*, student, field_id=None) -> QuerySet[Contact]:
    qs = Contact.objects.filter(owner=student, archived_at__isnull=True, target_rank__isnull=False)
    if field_id is not None:
        qs = qs.filter(field_id=field_id)
    return qs.select_related("field", "referred_by").order_by("field__name", "target_rank", "pk")


def volunteer_profile_for_user(*, user) -> VolunteerProfile | None:
    """The user's volunteer profile with its office (the month is counted in the
    office's time zone). Fields are not prefetched: a page that lists them asks."""
    return VolunteerProfile.objects.filter(user=user).select_related("office").first()


def contact_counts_for_student(*, student) -> dict:
    """Totals for the dashboard, in one query."""
    counts = Contact.objects.filter(owner=student, archived_at__isnull=True).aggregate(
        total=Count("pk"),
        targets=Count("pk", filter=Q(target_rank__isnull=False)),
        referrals=Count("pk", filter=Q(referred_by__isnull=False)),
        **{stage: Count("pk", filter=Q(stage=stage)) for stage in Stage.values},
    )
    return counts
