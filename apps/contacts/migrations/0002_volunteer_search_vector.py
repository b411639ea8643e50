import django.contrib.postgres.search
from django.db import migrations

# A GIN index makes `search_vector @@ query` an index scan on PostgreSQL. SQLite has
# neither tsvector nor GIN (the directory falls back to icontains there), so the index
# is created only when the database is PostgreSQL, which Meta.indexes cannot express.
INDEX_NAME = "contacts_volunteer_search_gin"


def create_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} "
            "ON contacts_volunteerprofile USING gin (search_vector)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="volunteerprofile",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                blank=True, editable=False, null=True
            ),
        ),
        migrations.RunPython(create_gin_index, drop_gin_index, elidable=False),
    ]
