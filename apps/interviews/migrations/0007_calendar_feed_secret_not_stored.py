"""Calendar feeds keep no secret in the table: the URL's token becomes a stored
nonce followed by an HMAC of it under SECRET_KEY, checked on every request, and the
token column goes. Every feed gets a new URL (the old tokens are not kept): people
subscribed to the old one subscribe again from their calendar settings page."""

import secrets

from django.db import migrations, models


def new_nonces(apps, schema_editor):
    CalendarFeed = apps.get_model("interviews", "CalendarFeed")
    for feed in CalendarFeed.objects.all():
        feed.nonce = secrets.token_urlsafe(16)
        feed.save(update_fields=["nonce"])


class Migration(migrations.Migration):
    dependencies = [("interviews", "0006_interview_job_ask_reason")]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="nonce",
            field=models.CharField(max_length=22, null=True),
        ),
        migrations.RunPython(new_nonces, migrations.RunPython.noop),
        migrations.RemoveField(model_name="calendarfeed", name="token"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="nonce",
            field=models.CharField(max_length=22, unique=True),
        ),
    ]
