"""Issue 11, item 9, data rights: a student's or volunteer's export of all their
data (/profile/export/), deletion on request (/profile/delete/, carried out after
a grace period or by an office admin at /office/deletions/), and each office's
retention period."""

import csv
import io
import json
import time
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.advising import rights
from apps.advising.dashboard import dashboard_figures
from apps.advising.models import AccessRecord, CoachingNote, CommentThread
from apps.advising.services import assignments_add
from apps.advising.services_comments import coaching_note_add, comment_thread_start
from apps.advising.tasks import data_rights_sweep
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.services import contact_create
from apps.core.models import OutboundEmail
from apps.core.notify import notify
from apps.interviews.enums import State
from apps.interviews.models import Interview, InterviewNotes
from apps.interviews.services import interview_notes_save
from apps.students.models import StudentProfile
from apps.students.selectors import student_profile_get
from apps.students.services import student_profile_update
from tests.factories.accounts import PASSWORD, UserFactory, with_two_factor
from tests.factories.interviews import InterviewFactory, mark_held

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def _zip(response) -> zipfile.ZipFile:
    # Reading the stream to its end closes the response and its file (the test
    # client's closing wrapper); closing it here as well would close the database
    # connection on PostgreSQL.
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _member(archive, name) -> str:
    (path,) = [n for n in archive.namelist() if n.endswith(f"/{name}")]
    return archive.read(path).decode()


def _csv(archive, name) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_member(archive, name))))


@pytest.fixture
def sams_record(student, student2, advisor, office_admin, volunteer):
    """Sam with a pitch, a contact whose name a spreadsheet would run, a held
    conversation with Alex (notes), a coaching note and a comment; Priya has a contact
    of her own, which Sam's export must not hold."""
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    student_profile_update(
        profile=student_profile_get(user=student),
        programme="Economics",
        graduation_year=2027,
        fields=[],
        interest_tags=["health"],
        target_companies=["Harbour Health"],
        pitch="I study economics and want to work in health care.",
    )
    contact_create(
        student=student, full_name="=HYPERLINK(1)", email="h@x.test", notes="met at fair"
    )
    contact_create(student=student2, full_name="Priyas Contact", email="p@x.test")
    interview = InterviewFactory(student=student, volunteer=volunteer, request_message="Hello Alex")
    mark_held(student=student, interview=interview)
    interview_notes_save(student=student, interview=interview, advice="Learn SQL.")
    coaching_note_add(advisor=advisor, student=student, body="Needs practice on the pitch.")
    comment_thread_start(advisor=advisor, student=student, on="pitch", body="Shorter, please.")
    return interview


# --- Export -------------------------------------------------------------------------


def test_export_page_explains_and_offers_the_download(student, login_as):
    response = login_as(student).get(reverse("profile_export"))
    assert response.status_code == 200
    assert b"Download my data (.zip)" in response.content


def test_export_holds_everything_with_formulas_neutralised(sams_record, student, login_as):
    response = login_as(student).post(reverse("profile_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = _zip(response)
    assert "Your Fieldnotes data" in _member(archive, "README.txt")
    contacts = _csv(archive, "contacts.csv")
    assert contacts[0][:2] == ["id", "full_name"]
    assert [row[1] for row in contacts[1:]] == ["'=HYPERLINK(1)", "Alex Alumni"]
    assert "Priyas Contact" not in _member(archive, "contacts.json")
    assert json.loads(_member(archive, "contacts.json"))[0]["full_name"] == "=HYPERLINK(1)"
    coaching = json.loads(_member(archive, "coaching_notes.json"))
    assert [n["body"] for n in coaching] == ["Needs practice on the pitch."]
    assert [c["body"] for c in json.loads(_member(archive, "comments.json"))] == [
        "Shorter, please."
    ]
    notes = json.loads(_member(archive, "interview_notes.json"))
    assert [n["advice"] for n in notes] == ["Learn SQL."]
    profile = json.loads(_member(archive, "student_profile.json"))
    assert profile[0]["pitch"] == "I study economics and want to work in health care."
    account = json.loads(_member(archive, "account.json"))
    assert account[0]["email"] == "sam@northfield.test"
    emails = _csv(archive, "email_log.csv")
    assert emails[0] == ["kind", "subject", "status", "due_at", "sent_at", "created_at"]
    assert "Dana Advisor commented on your pitch" in [row[1] for row in emails[1:]]
    meta = json.loads(_member(archive, "export.json"))
    assert meta["tables"]["contacts"] == 2
    assert (
        AccessRecord.objects.filter(
            actor=student, subject=student, what=AccessRecord.What.DATA_EXPORT
        ).count()
        == 1
    )
    access = json.loads(_member(archive, "access_log.json"))
    assert "Downloaded their own data" in [a["what"] for a in access]


def test_export_is_limited_to_one_every_few_minutes(student, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    browser = login_as(student)
    assert _zip(browser.post(reverse("profile_export"))).namelist()
    time_machine.move_to(NOW + timedelta(minutes=7), tick=False)

    again = browser.post(reverse("profile_export"))

    assert again.status_code == 429
    assert b"try again in 3 minutes" in again.content
    assert AccessRecord.objects.filter(what=AccessRecord.What.DATA_EXPORT).count() == 1
    time_machine.move_to(NOW + timedelta(minutes=10), tick=False)
    assert _zip(browser.post(reverse("profile_export"))).namelist()


def test_volunteer_export_has_their_profile_and_conversations_not_the_students_notes(
    sams_record, student2, volunteer, alumni, login_as
):
    InterviewFactory(student=student2, volunteer=volunteer, state=State.DRAFT, requested_at=None)

    archive = _zip(login_as(alumni).post(reverse("profile_export")))

    profile = json.loads(_member(archive, "volunteer_profile.json"))
    assert profile[0]["employer"] == "Acme Analytics"
    interviews = json.loads(_member(archive, "interviews.json"))
    assert [(i["as"], i["with"]) for i in interviews] == [("volunteer", "Sam Student")]
    assert json.loads(_member(archive, "interview_notes.json")) == []
    assert not [n for n in archive.namelist() if "coaching" in n or "contacts" in n]


@pytest.mark.parametrize("who", ["advisor", "office_admin"])
def test_staff_have_no_export_or_deletion_page(request, who, login_as):
    browser = login_as(request.getfixturevalue(who))
    assert browser.post(reverse("profile_export")).status_code == 403
    assert browser.get(reverse("profile_delete")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.post(reverse("profile_export")).status_code == 302
    assert client.get(reverse("profile_delete")).status_code == 302


def test_export_of_2000_contacts_is_quick(student, login_as):
    Contact.objects.bulk_create(
        Contact(owner=student, full_name=f"Person {i}", email=f"p{i}@x.test", notes="x" * 200)
        for i in range(2000)
    )
    browser = login_as(student)
    started = time.monotonic()

    archive = _zip(browser.post(reverse("profile_export")))

    elapsed = time.monotonic() - started
    assert len(_csv(archive, "contacts.csv")) == 2001
    assert len(json.loads(_member(archive, "contacts.json"))) == 2000
    print(f"export of 2,000 contacts: {elapsed:.2f} s")
    assert elapsed < 5, elapsed


# --- Deletion: asking ---------------------------------------------------------------


def test_asking_needs_the_password_and_saves_nothing_without_it(student, login_as):
    browser = login_as(student)
    response = browser.post(reverse("profile_delete"), {"password": "wrong", "confirm": "on"})

    assert response.status_code == 400
    assert b"That is not your password." in response.content
    response = browser.post(reverse("profile_delete"), {"password": PASSWORD})
    assert response.status_code == 400
    student.refresh_from_db()
    assert student.erasure_requested_at is None
    assert not AccessRecord.objects.filter(what=AccessRecord.What.ERASURE_REQUESTED).exists()


def test_asking_records_it_emails_and_can_be_cancelled(student, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    browser = login_as(student)

    response = browser.post(reverse("profile_delete"), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.erasure_requested_at == NOW
    assert b"will be deleted on 17 March 2026" in browser.get(reverse("profile_delete")).content
    (email,) = OutboundEmail.objects.filter(recipient=student)
    assert email.subject == "Your Fieldnotes account will be deleted"
    assert "/profile/delete/" in email.text
    browser.post(reverse("profile_delete"), {"action": "cancel"})
    student.refresh_from_db()
    assert student.erasure_requested_at is None
    assert list(
        AccessRecord.objects.filter(subject=student).order_by("pk").values_list("what", flat=True)
    ) == [AccessRecord.What.ERASURE_REQUESTED, AccessRecord.What.ERASURE_CANCELLED]


# --- Deletion: the office admin's page ------------------------------------------------


def _ask(*users):
    for user in users:
        User.objects.filter(pk=user.pk).update(erasure_requested_at=NOW)


@pytest.mark.parametrize("n", [1, 3])
def test_admin_sees_pending_requests_in_constant_queries(
    n, office, office_admin, login_as, django_assert_num_queries
):
    people = [UserFactory(office=office, full_name=f"Leaving {i}") for i in range(n)]
    _ask(*people)
    browser = login_as(office_admin)

    # session, user, count, page
    with django_assert_num_queries(4):
        response = browser.get(reverse("office_erasures"))

    assert response.status_code == 200
    assert [row[0].full_name for row in response.context["rows"]] == [
        f"Leaving {i}" for i in range(n)
    ]


def test_admin_of_another_office_sees_and_erases_nothing(student, other_admin, login_as):
    _ask(student)
    browser = login_as(other_admin)

    assert list(browser.get(reverse("office_erasures")).context["rows"]) == []
    response = browser.post(reverse("office_erasure_carry_out", args=[student.pk]))

    assert response.status_code == 404
    student.refresh_from_db()
    assert student.erased_at is None


def test_an_advisor_and_a_student_cannot_carry_it_out(student, student2, advisor, login_as):
    _ask(student)
    url = reverse("office_erasure_carry_out", args=[student.pk])
    assert login_as(advisor).post(url).status_code == 403
    assert login_as(student2).post(url).status_code == 403
    assert login_as(advisor).get(reverse("office_erasures")).status_code == 403
    assert login_as(advisor).get(url).status_code == 403


def test_carrying_out_asks_to_confirm_first(student, office_admin, login_as):
    _ask(student)
    url = reverse("office_erasure_carry_out", args=[student.pk])

    response = login_as(office_admin).get(url)

    assert response.status_code == 200
    assert b"Delete Sam Student's account now?" in response.content
    student.refresh_from_db()
    assert student.erased_at is None


def test_a_request_not_made_cannot_be_carried_out(student, office_admin, login_as):
    url = reverse("office_erasure_carry_out", args=[student.pk])
    assert login_as(office_admin).post(url).status_code == 404


# --- Deletion: carrying it out --------------------------------------------------------


def test_erasure_removes_personal_data_and_keeps_the_dashboards_counts(
    sams_record, student, office, office_admin, login_as, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    with_two_factor(student)
    pending = notify(user=student, template="advising/erasure_requested", context={"url": "x"})
    about = OutboundEmail.objects.create(
        dedupe_key="about-sam",
        kind="meeting",
        subject_ref=f"interview:{sams_record.pk}",
        from_email="x@x.test",
        to=["alex@alumni.test"],
        subject="Meeting with Sam",
        text="Sam",
        due_at=NOW,
    )
    waiting = InterviewFactory(student=student, state=State.REQUESTED)
    agreed = InterviewFactory(
        student=student, state=State.SCHEDULED, answered_at=timezone.now() - timedelta(days=1)
    )
    _ask(student)
    period = {"start": date(2020, 1, 1), "end": date(2030, 12, 31)}
    before = dashboard_figures(office=office, **period)

    response = login_as(office_admin).post(reverse("office_erasure_carry_out", args=[student.pk]))

    assert response.status_code == 302
    assert dashboard_figures(office=office, **period) == before
    student.refresh_from_db()
    assert student.full_name == "A former member"
    assert student.email == f"erased-{student.pk}@erased.invalid"
    assert not student.is_active and not student.has_usable_password()
    assert not Authenticator.objects.filter(user=student).exists()
    assert StudentProfile.objects.get(user=student).pitch == ""
    assert (
        list(Contact.objects.filter(owner=student).values_list("full_name", "email", "notes"))
        == [("Erased contact", "", "")] * 4
    )
    # The duplicate-matching keys are copies of the name and organisation: gone too.
    assert set(
        Contact.objects.filter(owner=student).values_list(
            "match_name", "match_org", "match_linkedin"
        )
    ) == {("erased contact", "", "")}
    interview = Interview.objects.get(pk=sams_record.pk)
    assert (interview.state, interview.request_message) == (State.COMPLETED, "")
    assert not InterviewNotes.objects.filter(interview__student=student).exists()
    waiting.refresh_from_db()
    agreed.refresh_from_db()
    assert (waiting.state, agreed.state) == (State.WITHDRAWN, State.CANCELLED)
    assert agreed.cancel_reason == "The student has left Fieldnotes."
    assert not CoachingNote.objects.filter(student=student).exists()
    assert not CommentThread.objects.filter(student=student).exists()
    pending.refresh_from_db()
    about.refresh_from_db()
    assert (pending.status, pending.text) == (OutboundEmail.Status.CANCELLED, "")
    assert about.status == OutboundEmail.Status.CANCELLED
    record = AccessRecord.objects.get(what=AccessRecord.What.ERASED)
    assert (record.actor, record.subject_id) == (office_admin, student.pk)
    assert record.detail == f"account #{student.pk}: carried out by an office admin"
    assert "Sam" not in record.detail
    assert rights.account_erase(user_id=student.pk, reason="again") is False
    assert AccessRecord.objects.filter(what=AccessRecord.What.ERASED).count() == 1


def test_an_erased_account_cannot_sign_in(student, client):
    rights.account_erase(user_id=student.pk, reason="test")
    response = client.post(
        reverse("account_login"), {"login": "sam@northfield.test", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_erased_volunteer_stays_in_the_students_conversations_as_a_former_volunteer(
    sams_record, student, student2, volunteer, alumni, login_as
):
    waiting = InterviewFactory(student=student2, volunteer=volunteer, state=State.REQUESTED)

    rights.account_erase(user_id=alumni.pk, reason="test")

    contact = Interview.objects.get(pk=sams_record.pk).contact
    assert (contact.full_name, contact.email) == ("A former volunteer", "")
    assert (contact.match_name, contact.match_org) == ("a former volunteer", "")
    assert Interview.objects.get(pk=waiting.pk).state == State.EXPIRED
    profile = VolunteerProfile.objects.get(user=alumni)
    assert (profile.employer, profile.accepting_requests) == ("", False)
    assert profile.deactivated_at is not None
    page = login_as(student).get(reverse("interview_detail", args=[sams_record.pk]))
    assert b"Conversation with A former volunteer" in page.content
    # The student's own words ("Hello Alex") are theirs and stay; the volunteer's
    # name, employer and details are gone.
    assert b"Alex Alumni" not in page.content
    assert b"Acme Analytics" not in page.content


def test_an_erased_account_is_never_reactivated(student, office_admin):
    from apps.accounts.services import members_set_active

    rights.account_erase(user_id=student.pk, reason="test")

    assert members_set_active(admin=office_admin, member_ids=[student.pk], active=True) == 0
    student.refresh_from_db()
    assert not student.is_active


def test_staff_accounts_are_not_erased_here(advisor):
    assert rights.account_erase(user_id=advisor.pk, reason="test") is False
    advisor.refresh_from_db()
    assert advisor.erased_at is None


def test_the_nightly_sweep_erases_requests_after_the_grace_period(
    student, student2, time_machine, django_capture_on_commit_callbacks, settings
):
    time_machine.move_to(NOW, tick=False)
    _ask(student)
    User.objects.filter(pk=student2.pk).update(erasure_requested_at=NOW + timedelta(days=1))
    time_machine.move_to(NOW + timedelta(days=14), tick=False)

    assert [u.pk for u in rights.erasures_due()] == [student.pk]
    assert rights.account_erase(user_id=student.pk, reason="grace period over")
    student.refresh_from_db()
    student2.refresh_from_db()
    assert student.erased_at is not None
    assert student2.erased_at is None


def test_the_sweep_task_queues_one_erasure_per_due_request(student, time_machine, monkeypatch):
    time_machine.move_to(NOW, tick=False)
    _ask(student)
    time_machine.move_to(NOW + timedelta(days=15), tick=False)
    sent = []
    monkeypatch.setattr(
        "apps.advising.tasks.current_app.send_task", lambda name, args: sent.append((name, args))
    )

    result = data_rights_sweep()

    assert sent == [
        ("apps.advising.tasks.account_erase", [student.pk, "asked for; grace period over"])
    ]
    assert result == {"requests": 1, "warned": 0, "erased": 0}


# --- Retention ----------------------------------------------------------------------


def test_retention_warns_then_erases_unused_accounts(office, student, student2, time_machine):
    office.retention_years = 2
    office.save()
    User.objects.filter(pk__in=[student.pk, student2.pk]).update(
        date_joined=NOW - timedelta(days=1000), last_login=NOW - timedelta(days=800)
    )
    User.objects.filter(pk=student2.pk).update(last_login=NOW - timedelta(days=100))
    time_machine.move_to(NOW, tick=False)

    assert rights.retention_sweep() == {"warned": 1, "erased": 0}
    (email,) = OutboundEmail.objects.filter(recipient=student)
    assert email.subject == "Your unused Fieldnotes account will be deleted"
    assert "deleted on 2 April 2026" in email.text
    time_machine.move_to(NOW + timedelta(days=29), tick=False)
    assert rights.retention_sweep() == {"warned": 0, "erased": 0}
    time_machine.move_to(NOW + timedelta(days=30), tick=False)
    assert rights.retention_sweep() == {"warned": 0, "erased": 1}
    student.refresh_from_db()
    student2.refresh_from_db()
    assert student.erased_at is not None and student2.erased_at is None
    record = AccessRecord.objects.get(what=AccessRecord.What.ERASED)
    assert record.detail == f"account #{student.pk}: unused for 2 years"


def test_signing_in_after_the_warning_keeps_the_account(office, student, time_machine):
    office.retention_years = 1
    office.save()
    User.objects.filter(pk=student.pk).update(
        date_joined=NOW - timedelta(days=1000), last_login=NOW - timedelta(days=400)
    )
    time_machine.move_to(NOW, tick=False)
    assert rights.retention_sweep() == {"warned": 1, "erased": 0}
    User.objects.filter(pk=student.pk).update(last_login=NOW + timedelta(days=5))
    time_machine.move_to(NOW + timedelta(days=40), tick=False)

    assert rights.retention_sweep() == {"warned": 0, "erased": 0}
    student.refresh_from_db()
    assert student.erased_at is None


def test_no_retention_period_keeps_every_account(office, student, time_machine):
    User.objects.filter(pk=student.pk).update(
        date_joined=NOW - timedelta(days=5000), last_login=None
    )
    time_machine.move_to(NOW, tick=False)
    assert rights.retention_sweep() == {"warned": 0, "erased": 0}


def test_office_admin_sets_the_retention_period(office, office_admin, login_as):
    browser = login_as(office_admin)
    form = browser.get(reverse("office_settings")).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "retention_years"}
    data["quiet_hours_start"] = "21:00"
    data["quiet_hours_end"] = "08:00"

    bad = browser.post(reverse("office_settings"), {**data, "retention_years": "50"})
    assert bad.status_code == 400
    response = browser.post(reverse("office_settings"), {**data, "retention_years": "3"})

    assert response.status_code == 302
    office.refresh_from_db()
    assert office.retention_years == 3


def test_the_erase_accounts_command_repeats_erasures_and_skips_done_ones(student, student2):
    from django.core.management import call_command

    rights.account_erase(user_id=student.pk, reason="test")
    out = io.StringIO()

    call_command("erase_accounts", str(student.pk), str(student2.pk), stdout=out)

    assert out.getvalue().strip() == "erased 1, skipped 1"
    student2.refresh_from_db()
    assert student2.erased_at is not None
    assert AccessRecord.objects.filter(
        subject=student2, what=AccessRecord.What.ERASED
    ).get().detail == (f"account #{student2.pk}: repeated after a restore")
