import factory
from factory.django import DjangoModelFactory

from apps.students.models import Field
from apps.students.selectors import student_profile_get
from apps.students.services import student_profile_update


class FieldFactory(DjangoModelFactory):
    class Meta:
        model = Field

    name = factory.Sequence(lambda n: f"Field {n}")


def student_profile_set(student, *, pitch="", programme="", graduation_year=None, fields=()):
    """The student's profile filled in through the service (the profile form has its
    own tests): no tags, no target companies."""
    return student_profile_update(
        profile=student_profile_get(user=student),
        programme=programme,
        graduation_year=graduation_year,
        fields=list(fields),
        interest_tags=[],
        target_companies=[],
        pitch=pitch,
    )
