"""Give every existing office the default question bank.

A frozen copy of apps.interviews.services.questions.DEFAULT_QUESTIONS as it stood when this
migration was written: a migration must not import app code, which changes later.
Offices that already have questions are left alone, so running it twice adds
nothing. Offices created later get the bank from question_bank_ensure on first use.
"""

from django.db import migrations

DEFAULT_QUESTIONS = [
    ("path", "How did you get into this line of work?"),
    ("path", "What did your path look like from your studies to the role you have now?"),
    ("path", "If you were starting again, what would you do differently?"),
    ("day_to_day", "What does a typical day or week look like for you?"),
    ("day_to_day", "What do you enjoy most about your work, and what is hardest?"),
    ("skills", "What skills and qualities does someone need to do well in this field?"),
    ("skills", "What would you say are the keys to success in your role?"),
    ("skills", "Which courses or experiences best prepared you for this work?"),
    ("outlook", "How do you see this field changing over the next few years?"),
    ("outlook", "Where do you see growth or demand in this area right now?"),
    ("getting_started", "How would you suggest someone like me get started?"),
    ("getting_started", "What kinds of entry-level roles lead to work like yours?"),
    ("organisations", "Which professional organisations would you recommend joining?"),
    ("organisations", "Are there publications, events or online communities I should follow?"),
    ("experience", "How can a student gain relevant experience while still studying?"),
    ("experience", "Are there internships or volunteer roles you would recommend?"),
    ("referrals", "Who else would you suggest I talk to, and may I mention your name?"),
    (
        "referrals",
        "Is there someone in a different part of the field who could give me another view?",
    ),
    ("pay", "What is a typical salary range for someone starting out in this field?"),
    ("pay", "Which benefits or working arrangements are common in this field?"),
]


def seed_question_banks(apps, schema_editor):
    Office = apps.get_model("accounts", "Office")
    Question = apps.get_model("interviews", "Question")
    db = schema_editor.connection.alias
    seeded = set(Question.objects.using(db).values_list("office_id", flat=True).distinct())
    rows = []
    for office_id in Office.objects.using(db).values_list("pk", flat=True):
        if office_id in seeded:
            continue
        positions = {}
        for topic, text in DEFAULT_QUESTIONS:
            positions[topic] = positions.get(topic, 0) + 1
            rows.append(
                Question(
                    office_id=office_id,
                    topic=topic,
                    text=text,
                    position=positions[topic],
                    is_active=True,
                )
            )
    Question.objects.using(db).bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("interviews", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_question_banks, migrations.RunPython.noop),
    ]
