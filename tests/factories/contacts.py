import factory
from factory.django import DjangoModelFactory

from apps.contacts.models import Contact
from apps.contacts.services import contact_create


class ContactFactory(DjangoModelFactory):
    """Made through the service, as the app makes them. Pass `student=`."""

    class Meta:
        model = Contact

    full_name = factory.Sequence(lambda n: f"Contact {n}")
    organisation = ""
    email = ""

    @classmethod
    def _create(cls, model_class, student, **kwargs):
        return contact_create(student=student, **kwargs)
