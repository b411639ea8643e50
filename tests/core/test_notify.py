"""apps.core.notify: the one way an app queues "this email, to this user, about
this object"."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from apps.core.models import OutboundEmail
from apps.core.notify import about_ref, notification_row, notify
from tests.factories.accounts import UserFactory

TEMPLATES = {
    "emails/test/notice.txt": "Hello {{ recipient.full_name }}\nWe meet at {{ at|date:'H:i' }}.",
    "emails/test/notice.html": "<p>We meet at {{ at|date:'H:i' }}.</p>",
}
AT = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _templates(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", TEMPLATES)]},
        }
    ]


@pytest.fixture
def user(office):
    return UserFactory(
        office=office, full_name="Sam Student", email="sam@uni.test", time_zone="Europe/Berlin"
    )


def test_notify_queues_the_email_to_the_user_in_their_time_zone(user, office):
    row = notify(user=user, template="test/notice", about=office, context={"at": AT})

    saved = OutboundEmail.objects.get()
    assert row.pk == saved.pk
    assert (saved.kind, saved.to, saved.recipient_id, saved.office_id) == (
        "test/notice",
        ["sam@uni.test"],
        user.pk,
        office.pk,
    )
    assert saved.subject_ref == f"office:{office.pk}"
    # The user is `recipient` in the template; 15:00 UTC is 16:00 in Berlin.
    assert (saved.subject, saved.text, saved.html) == (
        "Hello Sam Student",
        "We meet at 16:00.",
        "<p>We meet at 16:00.</p>",
    )


def test_a_second_notify_with_the_same_key_is_not_queued(user):
    first = notify(user=user, template="test/notice", key="once", context={"at": AT})
    second = notify(user=user, template="test/notice", key="once", context={"at": AT})

    assert first is not None and second is None
    assert OutboundEmail.objects.count() == 1


def test_notify_is_queued_in_the_callers_transaction(user):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(user=user, template="test/notice", context={"at": AT})
        raise RuntimeError("the change that caused it failed")

    assert not OutboundEmail.objects.exists()


def test_the_options_reach_the_row(user):
    row = notify(
        user=user,
        template="test/notice",
        context={"at": AT},
        about="interview:7",
        due_at=AT,
        reply_to=["jo@harbour.test"],
        cc=["copy@uni.test"],
        headers={"X-Test": "1"},
        attachments=[("a.ics", b"BEGIN:VCALENDAR", "text/calendar")],
        from_email="Sam via Fieldnotes <noreply@fieldnotes.test>",
    )

    row.refresh_from_db()
    assert (row.subject_ref, row.due_at, row.reply_to, row.cc, row.headers, row.from_email) == (
        "interview:7",
        AT,
        ["jo@harbour.test"],
        ["copy@uni.test"],
        {"X-Test": "1"},
        "Sam via Fieldnotes <noreply@fieldnotes.test>",
    )
    assert [a["filename"] for a in row.attachments] == ["a.ics"]


def test_notification_row_is_what_notify_would_queue_unsaved(user):
    row = notification_row(
        user=user, template="test/notice", key="sweep:1", due_at=AT, context={"at": AT}
    )

    assert row.pk is None and not OutboundEmail.objects.exists()
    assert (row.dedupe_key, row.to, row.recipient, row.text, row.due_at) == (
        "sweep:1",
        ["sam@uni.test"],
        user,
        "We meet at 16:00.",
        AT,
    )


def test_about_ref_names_the_object(user):
    class WithRef:
        ref = "followup:3"

    assert about_ref(user) == f"user:{user.pk}"
    assert about_ref(WithRef()) == "followup:3"
    assert about_ref("digest") == "digest"
    assert about_ref(None) == ""
