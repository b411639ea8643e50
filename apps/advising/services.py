"""Writes of the advising app: assignments (by office admins) and the access log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.advising.models import AccessRecord, Assignment

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
    return len(wanted - already)


@transaction.atomic
def assignment_remove(*, admin, advisor_id: int, student_id: int) -> bool:
    """The advisor no longer advises the student. Returns whether they did."""
    _check_admin(admin)
    deleted, _by_model = Assignment.objects.filter(
        office_id=admin.office_id, advisor_id=advisor_id, student_id=student_id
    ).delete()
    return bool(deleted)


def access_record(*, advisor, what: str, student=None, detail: str = "", ip=None) -> None:
    """Log an advisor's read of a student's page or an export (append-only)."""
    AccessRecord.objects.create(
        office_id=advisor.office_id,
        advisor=advisor,
        student=student,
        what=what,
        detail=detail[:500],
        ip=ip or None,
    )
