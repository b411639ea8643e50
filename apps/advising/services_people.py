"""Writes of the office's People page: bulk actions on the selected members and
assignment by rule. Each is one transaction: every id is checked first, and one
bad id saves nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.accounts.services import members_changed, members_set_active
from apps.advising.models import AccessRecord, Assignment
from apps.advising.selectors_people import students_for_rule
from apps.advising.services import (
    MAX_ASSIGN_AT_ONCE,
    _check_admin,
    access_records,
    assignments_add,
)

ACTION_ASSIGN = "assign"
ACTION_UNASSIGN = "unassign"
ACTION_DEACTIVATE = "deactivate"
ACTION_REACTIVATE = "reactivate"
ACTIONS = (ACTION_ASSIGN, ACTION_UNASSIGN, ACTION_DEACTIVATE, ACTION_REACTIVATE)


@transaction.atomic
def assignments_remove(*, admin, advisor_id: int, student_ids) -> int:
    """The advisor no longer advises these students (of the admin's office; any
    other id refuses the lot). Returns how many assignments ended."""
    _check_admin(admin)
    # Any advisor of the office, deactivated ones too: their assignments can end.
    if not User.objects.filter(
        pk=advisor_id, office_id=admin.office_id, role=Role.ADVISOR
    ).exists():
        raise ValidationError({"advisor": _("Choose an advisor of your office.")})
    wanted = set(student_ids)
    if not wanted:
        raise ValidationError({"students": _("Choose at least one student.")})
    if len(wanted) > MAX_ASSIGN_AT_ONCE:
        raise ValidationError(
            {"students": _("Choose at most %(max)s at once.") % {"max": MAX_ASSIGN_AT_ONCE}}
        )
    found = User.objects.filter(pk__in=wanted, office_id=admin.office_id, role=Role.STUDENT)
    if found.count() != len(wanted):
        raise ValidationError({"students": _("Some of those are not students of your office.")})
    ending = Assignment.objects.filter(
        office_id=admin.office_id, advisor_id=advisor_id, student_id__in=wanted
    )
    students = sorted(ending.values_list("student_id", flat=True))
    deleted, _by_model = ending.delete()
    members_changed(office_id=admin.office_id)
    advisor_email = User.objects.values_list("email", flat=True).get(pk=advisor_id)
    access_records(
        actor=admin, what=AccessRecord.What.UNASSIGNED, subject_ids=students, detail=advisor_email
    )
    return deleted


def people_bulk_apply(*, admin, action: str, member_ids, advisor_id: int | None = None) -> int:
    """One bulk action of the People page on the selected members. Returns how many
    rows it changed (new assignments, ended assignments, accounts switched)."""
    if action == ACTION_ASSIGN:
        return assignments_add(admin=admin, advisor_id=advisor_id, student_ids=list(member_ids))
    if action == ACTION_UNASSIGN:
        return assignments_remove(admin=admin, advisor_id=advisor_id, student_ids=member_ids)
    if action in (ACTION_DEACTIVATE, ACTION_REACTIVATE):
        return members_set_active(
            admin=admin, member_ids=member_ids, active=action == ACTION_REACTIVATE
        )
    raise ValidationError({"action": _("Choose what to do with the selected people.")})


@transaction.atomic
def assignments_add_by_rule(
    *, admin, advisor_id: int, programme: str = "", year: int | None = None
) -> int:
    """Assign every active student of a programme and/or graduation year to the
    advisor. Students already theirs stay as they are, so applying a rule twice
    adds nothing the second time. Returns how many assignments are new."""
    _check_admin(admin)
    if not programme and year is None:
        raise ValidationError(_("Choose a programme, a graduation year or both."))
    advisor = User.objects.filter(
        pk=advisor_id, office_id=admin.office_id, role=Role.ADVISOR, is_active=True
    ).first()
    if advisor is None:
        raise ValidationError({"advisor": _("Choose an advisor of your office.")})
    missing = list(
        students_for_rule(admin=admin, programme=programme, year=year)
        .exclude(advisor_assignments__advisor=advisor)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Assignment.objects.bulk_create(
        [
            Assignment(office_id=admin.office_id, advisor=advisor, student_id=pk, assigned_by=admin)
            for pk in missing
        ],
        ignore_conflicts=True,  # another admin applying the same rule at the same moment
        batch_size=1000,
    )
    members_changed(office_id=admin.office_id)
    access_records(
        actor=admin, what=AccessRecord.What.ASSIGNED, subject_ids=missing, detail=advisor.email
    )
    return len(missing)
