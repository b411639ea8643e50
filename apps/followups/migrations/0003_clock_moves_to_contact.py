"""The keep-in-touch clock moves from each check-in to the contact
(Contact.last_interaction_at, kept by contacts.services.contact_record_interaction):
copy the most recent interaction any of the contact's check-ins knew, then drop the
check-in's copy."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_clock_to_contacts(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    FollowUp = apps.get_model("followups", "FollowUp")
    latest = FollowUp.objects.filter(
        contact=OuterRef("pk"), kind="keep_in_touch", last_interaction_at__isnull=False
    ).order_by("-last_interaction_at", "-pk")
    # One UPDATE, in the database, whatever the number of contacts.
    Contact.objects.filter(
        pk__in=FollowUp.objects.filter(
            kind="keep_in_touch", last_interaction_at__isnull=False
        ).values("contact_id")
    ).update(
        last_interaction_at=Subquery(latest.values("last_interaction_at")[:1]),
        last_interaction=Subquery(latest.values("last_interaction")[:1]),
    )


def copy_clock_to_checkins(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    FollowUp = apps.get_model("followups", "FollowUp")
    contact = Contact.objects.filter(pk=OuterRef("contact_id"))
    FollowUp.objects.filter(kind="keep_in_touch").update(
        last_interaction_at=Subquery(contact.values("last_interaction_at")[:1]),
        last_interaction=Subquery(contact.values("last_interaction")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_contact_last_interaction"),
        ("followups", "0002_interaction"),
    ]

    operations = [
        migrations.RunPython(copy_clock_to_contacts, copy_clock_to_checkins),
        migrations.RemoveField(model_name="followup", name="last_interaction_at"),
        migrations.RemoveField(model_name="followup", name="last_interaction"),
    ]
