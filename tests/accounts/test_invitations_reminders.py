"""The automatic reminder: an invitation unanswered 7 days after its link was sent
gets one email with a fresh link, from the beat sweep."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from apps.accounts.enums import Role
from apps.accounts.models import Invitation, token_digest
from apps.accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from apps.accounts.tasks import accounts_invitation_reminders_sweep
from apps.core.models import OutboundEmail
from config.celery_schedule import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _reminders():
    return sorted(
        OutboundEmail.objects.filter(kind="accounts/invitation_reminder").values_list(
            "to", flat=True
        )
    )


@pytest.fixture
def invitations(office_admin, time_machine):
    """Sent at SENT: one still open, one accepted, one revoked; and one sent a day
    later."""
    time_machine.move_to(SENT, tick=False)
    made = {}
    for name in ("open", "accepted", "revoked"):
        made[name], token = invitation_create(
            inviter=office_admin, email=f"{name}@example.test", role=Role.STUDENT
        )
        if name == "accepted":
            invitation_accept(
                token=token, full_name="Acc Epted", password="amber-orchard-58", time_zone="UTC"
            )
    invitation_revoke(admin=office_admin, invitation=made["revoked"])
    time_machine.move_to(SENT + timedelta(days=1), tick=False)
    made["later"], _ = invitation_create(
        inviter=office_admin, email="later@example.test", role=Role.STUDENT
    )
    return made


def test_the_sweep_is_scheduled():
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}

    assert "apps.accounts.tasks.accounts_invitation_reminders_sweep" in tasks


def test_nothing_is_due_before_seven_days(invitations, time_machine):
    time_machine.move_to(SENT + timedelta(days=7) - timedelta(minutes=1), tick=False)

    assert accounts_invitation_reminders_sweep() == 0
    assert _reminders() == []


def test_only_open_invitations_seven_days_old_are_reminded_once(invitations, time_machine):
    time_machine.move_to(SENT + timedelta(days=7, hours=1), tick=False)

    first = accounts_invitation_reminders_sweep()
    second = accounts_invitation_reminders_sweep()
    time_machine.move_to(SENT + timedelta(days=8, hours=1), tick=False)
    a_day_later = accounts_invitation_reminders_sweep()
    the_next = accounts_invitation_reminders_sweep()

    assert (first, second, a_day_later, the_next) == (1, 0, 1, 0)
    assert _reminders() == [["later@example.test"], ["open@example.test"]]
    invitations["open"].refresh_from_db()
    assert invitations["open"].reminded_at == SENT + timedelta(days=7, hours=1)


def test_an_expired_invitation_is_not_reminded(invitations, time_machine):
    Invitation.objects.filter(pk=invitations["open"].pk).update(expires_at=SENT + timedelta(days=6))
    time_machine.move_to(SENT + timedelta(days=7, hours=1), tick=False)

    assert accounts_invitation_reminders_sweep() == 0


def test_the_reminder_carries_a_fresh_working_link(
    invitations, time_machine, client, mailoutbox, django_capture_on_commit_callbacks
):
    old_digest = invitations["open"].token_digest
    time_machine.move_to(SENT + timedelta(days=7, hours=1), tick=False)

    accounts_invitation_reminders_sweep()
    row = OutboundEmail.objects.get(kind="accounts/invitation_reminder")

    assert row.subject == (
        "Reminder: your invitation to Northfield University Career Center on Fieldnotes"
    )
    assert row.reply_to == ["avery@northfield.test"]
    assert row.dedupe_key == f"invitation-reminder:{invitations['open'].pk}:{SENT.timestamp():.0f}"
    assert "This is the only reminder." in row.text
    assert "until 16 March 2026" in row.text
    token = re.findall(rf"{re.escape(settings.SITE_URL)}/invite/([\w-]+)/", row.text)[0]
    invitations["open"].refresh_from_db()
    assert invitations["open"].token_digest == token_digest(token) != old_digest
    assert f"/invite/{token}/" in row.html
    assert client.get(f"/invite/{token}/").status_code == 200


def test_a_resent_invitation_is_reminded_again_seven_days_after_the_resend(
    invitations, office_admin, time_machine
):
    time_machine.move_to(SENT + timedelta(days=7, hours=1), tick=False)
    accounts_invitation_reminders_sweep()
    time_machine.move_to(SENT + timedelta(days=10), tick=False)
    invitation_resend(admin=office_admin, invitation=invitations["open"])

    time_machine.move_to(SENT + timedelta(days=16), tick=False)
    early = accounts_invitation_reminders_sweep()
    time_machine.move_to(SENT + timedelta(days=17, hours=1), tick=False)
    due = accounts_invitation_reminders_sweep()

    # "later" expired unreminded on day 15: the sweep never ran in its window.
    assert (early, due) == (0, 1)
    assert _reminders() == [["open@example.test"], ["open@example.test"]]
