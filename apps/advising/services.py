"""Writes of the advising app: assignments (by office admins) and the access log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.accounts.services import members_changed
from apps.advising.models import AccessRecord, Assignment
from apps.core.middleware import client_ip

# One request assigns at most this many students (a page of the people list, or
# the rows of a CSV, in batches).
MAX_ASSIGN_AT_ONCE = 5000


def _check_admin(admin) -> None:
    if admin.office_id is None or not admin.is_office_admin:
        raise PermissionError("not an office admin")


def _advisor_of_office(admin, advisor_id: int) -> User:
    advisor = User.objects.filter(
        pk=advisor_id, office_id=admin.office_id, role=Role.ADVISOR, is_active=True
    ).first()
    if advisor is None:
        raise ValidationError({"advisor": _("Choose an advisor of your office.")})
    return advisor


@transaction.atomic
def assignments_add(*, admin, advisor_id: int, student_ids: list[int]) -> int:
    """Assign the students to the advisor (one, or many from the people list).
    Students already theirs are left as they are. Returns how many are new; every
    id must be a student of the admin's office, or nothing is saved."""
    _check_admin(admin)
    advisor = _advisor_of_office(admin, advisor_id)
    wanted = set(student_ids)
    if not wanted:
        raise ValidationError({"students": _("Choose at least one student.")})
    if len(wanted) > MAX_ASSIGN_AT_ONCE:
        raise ValidationError(
            {"students": _("Assign at most %(max)s at once.") % {"max": MAX_ASSIGN_AT_ONCE}}
        )
    found = set(
        User.objects.filter(
            pk__in=wanted, office_id=admin.office_id, role=Role.STUDENT
        ).values_list("pk", flat=True)
    )
    if found != wanted:
        raise ValidationError({"students": _("Some of those are not students of your office.")})
    already = set(
        Assignment.objects.filter(advisor=advisor, student_id__in=wanted).values_list(
            "student_id", flat=True
        )
    )
    Assignment.objects.bulk_create(
        [
            Assignment(office_id=admin.office_id, advisor=advisor, student_id=pk, assigned_by=admin)
            for pk in sorted(wanted - already)
        ],
        ignore_conflicts=True,  # a second admin assigning the same at the same moment
        batch_size=1000,
    )
    members_changed(office_id=admin.office_id)
    access_records(
        actor=admin,
        what=AccessRecord.What.ASSIGNED,
        subject_ids=sorted(wanted - already),
        detail=advisor.email,
    )
    return len(wanted - already)


@transaction.atomic
def assignment_remove(*, admin, advisor_id: int, student_id: int) -> bool:
    """The advisor no longer advises the student. Returns whether they did."""
    _check_admin(admin)
    ended = Assignment.objects.filter(
        office_id=admin.office_id, advisor_id=advisor_id, student_id=student_id
    ).select_related("advisor")
    advisor = ended[0].advisor if ended else None
    deleted, _by_model = ended.delete()
    if deleted:
        members_changed(office_id=admin.office_id)
        access_records(
            actor=admin,
            what=AccessRecord.What.UNASSIGNED,
            subject_ids=[student_id],
            detail=advisor.email,
        )
    return bool(deleted)


def access_record(
    *, actor, what: str, subject=None, detail: str = "", ip: str | None = None
) -> None:
    """Log a read of a student's records, an export or a change of who may do what
    (append-only). The address is the current request's unless given."""
    access_records(
        actor=actor,
        what=what,
        subject_ids=[subject.pk if subject is not None else None],
        detail=detail,
        ip=ip,
    )


def access_records(
    *, actor, what: str, subject_ids, detail: str = "", ip: str | None = None
) -> None:
    """One log row per subject (None: about no one account) of a change made to many
    at once; nothing for none."""
    address = ip or client_ip()
    AccessRecord.objects.bulk_create(
        [
            AccessRecord(
                office_id=actor.office_id,
                actor=actor,
                subject_id=subject_id,
                what=what,
                detail=detail[:500],
                ip=address,
            )
            for subject_id in subject_ids
        ],
        batch_size=1000,
    )
