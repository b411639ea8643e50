"""The office's whole journey of issue 9 in real browsers, with a real Celery worker
(a separate process, on Redis and the test database) sending every email to a real
SMTP server: an office admin imports a CSV of students with their advisor; the
student joins by the emailed link, asks a volunteer, meets and lets the thank-you
window pass; the advisor sees the flag and comments on the pitch; the student reads
the emailed comment, replies and resolves it; the advisor's Monday digest arrives
listing the missed thank-you and the reply."""

import os
import re
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from apps.accounts.models import User
from apps.advising.digest import DIGEST_EMAIL, advisor_digests_create
from apps.advising.models import Assignment, CommentThread
from apps.core.models import OutboundEmail
from apps.followups.enums import Kind
from apps.followups.models import FollowUp
from apps.followups.notifications import notification_preference_update
from apps.interviews import services as iv
from apps.interviews.models import Interview
from config.celery import app as celery_app
from tests.e2e.conftest import Mailbox, log_in
from tests.factories.accounts import PASSWORD
from tests.factories.contacts import make_volunteer
from tests.factories.students import student_profile_set
from tests.faults.conftest import CeleryProcesses, _database_url, _drop_broker_connections

pytestmark = [
    pytest.mark.browser,
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

BROKER = "redis://127.0.0.1:6379/13"
PITCH = "I study economics and want to learn how people move into health-care policy."


@pytest.fixture
def worker(smtp, live_server, settings, tmp_path):
    """A Celery worker process sending to the test SMTP server; this process (the
    live server's) hands it every email through Redis, as in production."""
    with redis.Redis.from_url(BROKER) as client:
        client.flushdb()
    settings.EMAIL_OUTBOX_DISPATCH = "celery"
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_write_url
    conf.broker_url = conf.broker_write_url = BROKER
    _drop_broker_connections()
    directory = tmp_path / "celery"
    directory.mkdir()
    procs = CeleryProcesses(
        directory,
        {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "false",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": BROKER,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
            "EMAIL_OUTBOX_DISPATCH": "celery",
            "SITE_URL": live_server.url,
        },
    )
    try:
        yield procs.worker("journey")
    finally:
        procs.kill_all()
        _drop_broker_connections()
        conf.broker_url, conf.broker_write_url = saved


def test_import_join_meet_miss_the_thank_you_comment_reply_digest(
    page_for, smtp, worker, office, office_admin, advisor, alumni, consulting
):
    # An office admin imports a CSV: one student, with Dana as their advisor.
    admin_page = page_for()
    log_in(admin_page, office_admin.email, PASSWORD)
    admin_page.goto("/office/people/import/")
    admin_page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "students.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "email,name,role,advisor_email\n"
                    f"nia@northfield.test,Nia Newcomer,student,{advisor.email}\n"
                ).encode(),
            }
        ]
    )
    admin_page.get_by_role("button", name="Check the file").click()
    admin_page.get_by_role("button", name="Send 1 invitation").click()
    admin_page.get_by_text("1 invitation sent.").wait_for(timeout=30_000)

    # The worker sent the invitation; Nia joins by its link, on her phone.
    invitation = smtp.wait_for("nia@northfield.test", timeout=30)
    nia_page = page_for(390, 844)
    nia_page.goto(Mailbox.first_link(invitation))
    nia_page.get_by_label("Full name").fill("Nia Newcomer")
    nia_page.locator("#id_password1").fill("a-long-unusual-passphrase")
    nia_page.locator("#id_password2").fill("a-long-unusual-passphrase")
    nia_page.get_by_role("button", name="Create my account").click()
    nia_page.wait_for_url("**/student/")
    nia = User.objects.get(email="nia@northfield.test")
    assert Assignment.objects.filter(advisor=advisor, student=nia).exists()
    # Emails may come at any hour of the test run, not only between 08:00 and 21:00.
    notification_preference_update(user=nia, quiet_hours=False)
    student_profile_set(
        nia, programme="Economics", graduation_year=2027, fields=[consulting], pitch=PITCH
    )

    # She asks a volunteer from the directory; they agree a time; she meets them.
    make_volunteer(alumni, fields=[consulting])
    nia_page.goto("/directory/")
    nia_page.get_by_role("link", name="Ask for a conversation").first.click()
    nia_page.get_by_role("button", name="Send request").click()
    nia_page.wait_for_url("**/interviews/*/")
    assert "would like to hear" in smtp.wait_for(alumni.email, timeout=30)["Subject"]
    interview = Interview.objects.get(student=nia)
    soon = timezone.now() + timedelta(days=2)
    iv.interview_accept(
        user=alumni, interview=interview, format="video", duration_minutes=30, slots=[soon]
    )
    Interview.objects.filter(pk=interview.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    nia_page.goto(f"/interviews/{interview.pk}/")
    nia_page.get_by_role("button", name="Meeting held").click()
    nia_page.wait_for_load_state("networkidle")
    thank_you = FollowUp.objects.get(interview=interview, kind=Kind.THANK_YOU)

    # Two days pass and the thank-you window closes with none sent.
    two_days = timedelta(days=2)
    FollowUp.objects.filter(pk=thank_you.pk).update(due_at=thank_you.due_at - two_days)
    Interview.objects.filter(pk=interview.pk).update(starts_at=timezone.now() - two_days)

    # Dana sees the flag on her caseload and comments on Nia's pitch.
    dana_page = page_for()
    log_in(dana_page, advisor.email, PASSWORD)
    dana_page.goto("/advising/?flag=missed_thank_you")
    row = dana_page.get_by_role("row", name=re.compile("Nia Newcomer"))
    assert "missed thank-you" in row.inner_text()
    row.get_by_role("link", name="Nia Newcomer").click()
    dana_page.get_by_label("Comment on the pitch").fill("Lead with the health-care goal.")
    dana_page.get_by_role("button", name="Comment").first.click()
    dana_page.get_by_text("Lead with the health-care goal.").wait_for()

    # The worker emails it to Nia; she opens it, replies and resolves.
    comment_mail = smtp.wait_for_subject("nia@northfield.test", "commented on your pitch")
    nia_page.goto(Mailbox.first_link(comment_mail))
    thread = nia_page.locator(f"#thread-{CommentThread.objects.get(student=nia).pk}")
    thread.get_by_text("Lead with the health-care goal.").wait_for()
    thread.locator("textarea").fill("Thanks, I moved it to the first line.")
    thread.get_by_role("button", name="Reply").click()
    nia_page.get_by_text("Thanks, I moved it to the first line.").wait_for()
    thread.get_by_role("button", name="Mark resolved").click()
    thread.get_by_text("Resolved by Nia Newcomer").wait_for()

    # Monday morning: Dana's digest lists the missed thank-you and Nia's reply.
    monday = _next_monday_0805(advisor)
    assert advisor_digests_create(now=monday) == 1
    # The digest was made for Monday; it is Monday now.
    OutboundEmail.objects.filter(kind=DIGEST_EMAIL).update(due_at=timezone.now())
    from apps.core.tasks import outbox_sweep

    outbox_sweep()
    digest = smtp.wait_for_subject(advisor.email, "Your students this week", timeout=30)
    text = Mailbox.text(digest)
    assert "Nia Newcomer (1 missed)" in text
    assert "“Thanks, I moved it to the first line.”" in text


def _next_monday_0805(advisor):
    from zoneinfo import ZoneInfo

    local = timezone.now().astimezone(ZoneInfo(advisor.time_zone))
    days = (7 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=8, minute=5, second=0, microsecond=0)
