"""The access log becomes the office's audit trail as well: who (`actor`, was
`advisor`: office admins act too) did what to whose (`subject`, was `student`:
advisors and volunteers are subjects of changes too), with the new kinds of
change. Renames only; no row changes."""

from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("advising", "0004_comments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="accessrecord", old_name="advisor", new_name="actor"),
        migrations.RenameField(model_name="accessrecord", old_name="student", new_name="subject"),
    ]
