"""A student's data in this app, for their export, and its erasure (issue 11, data
rights). Called by advising.rights, which gathers every app's part."""

from apps.core.data_export import ExportTable
from apps.students.models import ResearchNote, StudentProfile


def student_profile_for_export(user) -> list[ExportTable]:
    def profile_rows():
        profile = StudentProfile.objects.filter(user=user).prefetch_related("fields").first()
        if profile is None:
            return
        yield {
            "programme": profile.programme,
            "graduation_year": profile.graduation_year,
            "fields": [f.name for f in profile.fields.all()],
            "interest_tags": profile.interest_tags,
            "target_companies": profile.target_companies,
            "pitch": profile.pitch,
            "updated_at": profile.updated_at,
        }

    def note_rows():
        notes = ResearchNote.objects.filter(student=user).select_related("field")
        for note in notes.order_by("created_at", "pk").iterator(chunk_size=500):
            yield {
                "id": note.pk,
                "title": note.title,
                "field": note.field.name if note.field else "",
                "body": note.body,
                "created_at": note.created_at,
                "updated_at": note.updated_at,
            }

    return [
        ExportTable(
            "student_profile",
            [
                "programme",
                "graduation_year",
                "fields",
                "interest_tags",
                "target_companies",
                "pitch",
                "updated_at",
            ],
            profile_rows,
            csv=False,
        ),
        ExportTable(
            "research_notes",
            ["id", "title", "field", "body", "created_at", "updated_at"],
            note_rows,
        ),
    ]


def student_erase(user) -> None:
    """Remove the profile's free text (pitch, interests, target companies) and every
    research note. The profile row keeps its programme, graduation year and fields,
    which the office's cohort filters group by: alone they name no one."""
    StudentProfile.objects.filter(user=user).update(interest_tags=[], target_companies=[], pitch="")
    ResearchNote.objects.filter(student=user).delete()
