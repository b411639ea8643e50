from django.contrib.postgres.operations import TrigramExtension
from django.db import DatabaseError, migrations, models, transaction

# Typo-tolerant directory search (issue 13): pg_trgm and a GIN trigram index on the
# words a typo is matched against. SQLite has neither (the directory keeps its plain
# icontains search there), so, as in 0002, the extension and the index exist only on
# PostgreSQL, which Meta.indexes cannot express.
INDEX_NAME = "contacts_volunteer_words_trgm"


class TrigramExtensionOnPostgres(TrigramExtension):
    """TrigramExtension already does nothing on SQLite going forwards; going backwards
    it would ask SQLite about pg_extension."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def fill_search_words(apps, schema_editor):
    """The rule of volunteers._search_words, on the historical models: name, employer,
    job title, field names and topics."""
    VolunteerProfile = apps.get_model("contacts", "VolunteerProfile")
    profiles = list(
        VolunteerProfile.objects.select_related("user").prefetch_related("fields").order_by("pk")
    )
    for profile in profiles:
        names = sorted(f.name for f in profile.fields.all())
        parts = [profile.user.full_name, profile.employer, profile.job_title, *names, profile.topics]
        profile.search_words = " ".join(p for p in parts if p and p.strip())
    VolunteerProfile.objects.bulk_update(profiles, ["search_words"], batch_size=500)


# pg_trgm declares its functions with the default cost of 1, as cheap as an integer
# comparison, so the planner scanned all 5,000 profiles of the benchmark office
# computing word_similarity on each (about 200 ms) rather than read the trigram
# index (about 15 ms; bench/README.md). A cost of 100 says what they cost. Changing
# it needs to own the functions: where the database user does not, the directory
# still works, only slower, so a refusal is skipped.
TRIGRAM_FUNCTIONS = ("word_similarity(text, text)", "word_similarity_commutator_op(text, text)")
TRIGRAM_FUNCTION_COST = 100


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} "
        "ON contacts_volunteerprofile USING gin (search_words gin_trgm_ops)"
    )
    for function in TRIGRAM_FUNCTIONS:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute(f"ALTER FUNCTION {function} COST {TRIGRAM_FUNCTION_COST}")
        except DatabaseError:
            pass


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0006_names_on_one_line"),
        ("students", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="volunteerprofile",
            name="industry",
            field=models.CharField(
                blank=True,
                choices=[
                    ("consulting", "Consulting and professional services"),
                    ("finance", "Banking, finance and insurance"),
                    ("technology", "Technology and software"),
                    ("healthcare", "Healthcare and life sciences"),
                    ("energy", "Energy, utilities and environment"),
                    ("government", "Government and public sector"),
                    ("nonprofit", "Nonprofit and social impact"),
                    ("education", "Education and research"),
                    ("media", "Media, arts and entertainment"),
                    ("law", "Law"),
                    ("manufacturing", "Manufacturing and engineering"),
                    ("retail", "Retail and consumer goods"),
                    ("other", "Other"),
                ],
                max_length=20,
                verbose_name="industry",
            ),
        ),
        migrations.AddField(
            model_name="volunteerprofile",
            name="open_to",
            field=models.JSONField(blank=True, default=list, verbose_name="also open to"),
        ),
        migrations.AddField(
            model_name="volunteerprofile",
            name="search_words",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AlterField(
            model_name="volunteerprofile",
            name="programme",
            field=models.CharField(blank=True, max_length=120, verbose_name="programme or major"),
        ),
        TrigramExtensionOnPostgres(),
        migrations.RunPython(fill_search_words, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
