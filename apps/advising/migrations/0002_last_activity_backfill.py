"""Fill User.last_activity_at (accounts 0003) for the students there are: the latest
of a contact added, a contact's keep-in-touch clock and a timeline entry of their
interviews that is not the system's own, or when they joined. From here on the
contacts services keep it (accounts.services.user_record_activity). It lives here,
in the right-most app, because it reads the contacts' and interviews' tables."""

from django.db import migrations
from django.db.models import DateTimeField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

# interviews.enums.NOT_INTERACTIONS when this was written: created, nudged, expired.
SYSTEM_KINDS = ["created", "nudged", "expired"]


def _latest(queryset, per: str, field: str):
    return Subquery(
        queryset.filter(**{per: OuterRef("pk")})
        .order_by()
        .values(per)
        .annotate(latest=Max(field))
        .values("latest")
    )


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Contact = apps.get_model("contacts", "Contact")
    InterviewEvent = apps.get_model("interviews", "InterviewEvent")
    events = InterviewEvent.objects.exclude(kind__in=SYSTEM_KINDS)
    User.objects.filter(role="student").update(
        last_activity_at=Greatest(
            Coalesce(_latest(Contact.objects.all(), "owner", "created_at"), "date_joined"),
            Coalesce(
                _latest(Contact.objects.all(), "owner", "last_interaction_at"), "date_joined"
            ),
            Coalesce(_latest(events, "interview__student", "created_at"), "date_joined"),
            output_field=DateTimeField(),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("advising", "0001_initial"),
        ("accounts", "0003_user_last_activity"),
        ("contacts", "0004_contact_last_interaction"),
        ("interviews", "0004_drafts_and_request_templates"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
