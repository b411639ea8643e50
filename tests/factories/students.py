import factory
from factory.django import DjangoModelFactory

from apps.students.models import Field


class FieldFactory(DjangoModelFactory):
    class Meta:
        model = Field

    name = factory.Sequence(lambda n: f"Field {n}")
