from django.db.models import QuerySet
from django.http import Http404

from apps.students.models import Field, ResearchNote, StudentProfile


def field_list_for_office(*, office_id: int, include_inactive: bool = False) -> QuerySet[Field]:
    qs = Field.objects.filter(office_id=office_id)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("name")


def field_get_for_office(*, office_id: int, pk: int) -> Field:
    field = Field.objects.filter(office_id=office_id, pk=pk).first()
    if field is None:
        raise Http404
    return field


def student_profile_get(*, user) -> StudentProfile:
    """The student's profile, created empty on first use."""
    profile, _ = StudentProfile.objects.get_or_create(user=user)
    return profile


def research_note_list_for_student(*, student) -> QuerySet[ResearchNote]:
    return ResearchNote.objects.filter(student=student).select_related("field")


def research_note_get_for_student(*, student, pk: int) -> ResearchNote:
    note = research_note_list_for_student(student=student).filter(pk=pk).first()
    if note is None:
        raise Http404
    return note
