"""An office admin invites people from a CSV file: the file is read and each line
judged for a preview, nothing is sent before confirmation, then a task sends the
invitations in batches with a progress bar; the advisor column assigns students,
members at once and invitees when they accept (issue 9)."""

import re

import pytest
from celery import current_app
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.enums import Role
from apps.accounts.models import Invitation, User
from apps.accounts.services import invitation_accept, invitation_create
from apps.advising import services_import, tasks
from apps.advising.models import Assignment, PeopleImport, PeopleImportRow
from apps.core.models import OutboundEmail
from tests.factories.accounts import UserFactory

IMPORT = "/office/people/import/"
Verdict = PeopleImportRow.Verdict
Status = PeopleImport.Status


def upload(text: str | bytes, name: str = "people.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def people(n: int, *, start: int = 0) -> str:
    lines = ["email,name,role"]
    lines += [f"person{i}@new.test,Person {i},student" for i in range(start, start + n)]
    return "\n".join(lines) + "\n"


def verdicts(people_import) -> list[tuple]:
    return list(
        people_import.rows.order_by("line").values_list("line", "email", "role", "verdict", "error")
    )


def invitations() -> list[tuple]:
    return sorted(Invitation.objects.values_list("email", "role", "advisor__email"))


def invitation_emails() -> int:
    return OutboundEmail.objects.filter(kind="accounts/invitation").count()


@pytest.fixture
def queued(monkeypatch):
    """What was handed to Celery by name, instead of a broker."""
    sent = []
    monkeypatch.setattr(current_app, "send_task", lambda name, args: sent.append((name, *args)))
    return sent


def confirm_and_run(admin, people_import, capture):
    with capture(execute=True):
        services_import.people_import_confirm(admin=admin, people_import=people_import)
    tasks.people_import_run(people_import.pk)
    people_import.refresh_from_db()
    return people_import


# --- Reading the file ------------------------------------------------------------------


def test_parse_reads_bom_semicolons_blank_lines_extra_columns_and_email_case(office_admin):
    text = (
        "\ufeffEmail ; Name;ROLE;advisor_email;programme;graduation_year\r\n"
        "\r\n"
        " Nora@New.TEST ;Nora New;Student;;Economics;2027\r\n"
        ";;;;;\r\n"
        "omar@new.test;Omar Old;alumni;;;\r\n"
        "ivy@new.test;Ivy Ink;advisor;;;\r\n"
        "lee@new.test;Lee Low;;;;\r\n"
    )

    people_import = services_import.people_import_parse(admin=office_admin, upload=upload(text))

    assert verdicts(people_import) == [
        (3, "nora@new.test", "student", Verdict.INVITE, ""),
        (5, "omar@new.test", "alumni", Verdict.INVITE, ""),
        (6, "ivy@new.test", "advisor", Verdict.INVITE, ""),
        (7, "lee@new.test", "student", Verdict.INVITE, ""),
    ]
    assert people_import.rows.get(line=3).full_name == "Nora New"
    assert (people_import.total_rows, people_import.ignored_columns) == (
        4,
        ["programme", "graduation_year"],
    )
    assert (people_import.office, people_import.uploaded_by, people_import.status) == (
        office_admin.office,
        office_admin,
        Status.PREVIEWED,
    )


def test_parse_judges_each_line(office_admin, advisor, student, alumni, other_student, other_admin):
    Invitation.objects.all().delete()
    invitation_create(inviter=office_admin, email="pending@new.test", role=Role.STUDENT)
    text = "\n".join(
        [
            "email,name,role,advisor_email",
            "new@new.test,New,student,dana@northfield.test",
            "NEW@new.test,Again,student,",
            "not-an-email,X,student,",
            ",Nobody,student,",
            "odd@new.test,Odd,teacher,",
            "alum@new.test,Alum,alumni,dana@northfield.test",
            "kid@new.test,Kid,student,sam@northfield.test",
            "kid2@new.test,Kid,student,olive@southbank.test",
            "sam@northfield.test,Sam,student,dana@northfield.test",
            "priya@new.test,Priya,student,",
            "alex@alumni.test,Alex,alumni,dana@northfield.test",
            "alex@alumni.test,Alex,alumni,",
            "oscar@southbank.test,Oscar,student,",
            "pending@new.test,Pen,student,",
        ]
    )
    # alex twice: the second line is the duplicate, whatever the first came to.
    people_import = services_import.people_import_parse(admin=office_admin, upload=upload(text))

    assert verdicts(people_import) == [
        (2, "new@new.test", "student", Verdict.INVITE, ""),
        (3, "new@new.test", "student", Verdict.ERROR, "The same email as line 2."),
        (4, "not-an-email", "student", Verdict.ERROR, "“not-an-email” is not an email address."),
        (5, "", "student", Verdict.ERROR, "The email is missing."),
        (
            6,
            "odd@new.test",
            "teacher",
            Verdict.ERROR,
            "Unknown role “teacher”: use student, alumni or advisor.",
        ),
        (
            7,
            "alum@new.test",
            "alumni",
            Verdict.ERROR,
            "Only students are given an advisor: leave advisor_email empty.",
        ),
        (
            8,
            "kid@new.test",
            "student",
            Verdict.ERROR,
            "sam@northfield.test is not an advisor of your office.",
        ),
        (
            9,
            "kid2@new.test",
            "student",
            Verdict.ERROR,
            "olive@southbank.test is not an advisor of your office.",
        ),
        (10, "sam@northfield.test", "student", Verdict.ASSIGN, ""),
        (11, "priya@new.test", "student", Verdict.INVITE, ""),
        (
            12,
            "alex@alumni.test",
            "alumni",
            Verdict.ERROR,
            "Already a member here as alumni volunteer; only students are given an advisor.",
        ),
        (13, "alex@alumni.test", "alumni", Verdict.ERROR, "The same email as line 12."),
        # An account in another office is not this admin's to learn of: invited as
        # any new address (its invitation page tells the address's owner).
        (14, "oscar@southbank.test", "student", Verdict.INVITE, ""),
        (15, "pending@new.test", "student", Verdict.PENDING, ""),
    ]
    assert people_import.rows.get(line=10).member == student
    assert people_import.rows.get(line=2).advisor == advisor


def test_a_member_without_an_advisor_column_is_left_alone(office_admin, student):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload("email\nSAM@northfield.test\n")
    )

    assert verdicts(people_import) == [(2, "sam@northfield.test", "student", Verdict.MEMBER, "")]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "people.csv", "The file is empty."),
        (b"\n\n", "people.csv", "The file is empty."),
        (b"name,role\nNora,student\n", "people.csv", "The first line must name the columns"),
        (b"email,name\n", "people.csv", "The file has a header but no people in it."),
        (b"email\nzo\xe9@new.test\n", "people.csv", "The file is not UTF-8 text."),
        (b"PK\x03\x04\x00\x00binary", "people.csv", "This is not a CSV file."),
        (b"email\na@new.test\n", "people.xlsx", "Choose a CSV file: its name ends in .csv."),
        (
            b"email\n" + b"a" * (2 * 1024 * 1024) + b"@new.test\n",
            "people.csv",
            "The file is larger than 2 MB.",
        ),
        (
            b'email,name\na@new.test,"' + b"x" * 1_500_000 + b'"\n',
            "people.csv",
            "A cell of the file holds more than 131,072 characters",
        ),
    ],
)
def test_an_unusable_file_is_refused_with_a_clear_message(office_admin, data, name, message):
    with pytest.raises(services_import.ImportFileError) as caught:
        services_import.people_import_parse(admin=office_admin, upload=upload(data, name))

    assert str(caught.value).startswith(message)
    assert PeopleImport.objects.count() == 0


def test_at_most_5000_people_per_file(office_admin):
    with pytest.raises(services_import.ImportFileError) as caught:
        services_import.people_import_parse(admin=office_admin, upload=upload(people(5001)))

    assert str(caught.value) == "The file has more than 5,000 people. Split it into smaller files."
    assert PeopleImport.objects.count() == 0


def test_5000_people_are_accepted(office_admin):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(5000))
    )

    assert people_import.rows.filter(verdict=Verdict.INVITE).count() == 5000


# --- The upload page ----------------------------------------------------------------------


def test_upload_page_offers_the_template(office_admin, login_as):
    browser = login_as(office_admin)

    page = browser.get(IMPORT)
    template = browser.get(f"{IMPORT}template.csv")

    assert page.status_code == 200
    assert f'href="{IMPORT}template.csv"' in page.content.decode()
    assert template["Content-Type"] == "text/csv; charset=utf-8"
    assert template.content.decode("utf-8-sig").splitlines() == [
        "email,name,role,advisor_email",
        "ada@example.edu,Ada Lovelace,student,advisor@example.edu",
        "grace@example.org,Grace Hopper,alumni,",
        "alan@example.edu,Alan Turing,advisor,",
    ]


def test_the_invitations_page_leads_to_the_import(office_admin, login_as):
    page = login_as(office_admin).get("/office/invitations/").content.decode()

    assert f'href="{IMPORT}"' in page


def test_the_template_imports_as_it_comes(office_admin, login_as):
    UserFactory(office=office_admin.office, email="advisor@example.edu", role=Role.ADVISOR)
    browser = login_as(office_admin)
    data = browser.get(f"{IMPORT}template.csv").content

    services_import.people_import_parse(admin=office_admin, upload=upload(data))

    assert [r[3] for r in verdicts(PeopleImport.objects.get())] == [Verdict.INVITE] * 3


def test_uploading_goes_to_the_preview_and_sends_nothing(office_admin, login_as):
    response = login_as(office_admin).post(IMPORT, {"file": upload(people(2))})

    people_import = PeopleImport.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        f"{IMPORT}{people_import.pk}/",
    )
    assert Invitation.objects.count() == 0
    assert invitation_emails() == 0


def test_a_bad_upload_says_why_and_saves_nothing(office_admin, login_as):
    response = login_as(office_admin).post(IMPORT, {"file": upload(b"name\nNora\n")})

    assert response.status_code == 400
    assert "The first line must name the columns, with at least “email”." in (
        response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    )
    assert PeopleImport.objects.count() == 0


def test_an_upload_without_a_file_is_a_400(office_admin, login_as):
    response = login_as(office_admin).post(IMPORT, {})

    assert response.status_code == 400
    assert PeopleImport.objects.count() == 0


# --- The preview ------------------------------------------------------------------------------


def test_preview_counts_each_verdict_and_lists_errors_first(
    office_admin, advisor, student, login_as
):
    text = "\n".join(
        [
            "email,role,advisor_email",
            "new@new.test,student,",
            "sam@northfield.test,student,dana@northfield.test",
            "dana@northfield.test,advisor,",
            "bad,student,",
        ]
    )
    people_import = services_import.people_import_parse(admin=office_admin, upload=upload(text))

    page = login_as(office_admin).get(f"{IMPORT}{people_import.pk}/").content.decode()

    assert re.findall(r'fs-4 fw-semibold">(\d+)</div><div class="small">([^<]+)<', page) == [
        ("1", "will be invited"),
        ("1", "members: will only be assigned"),
        ("1", "members: nothing to do"),
        ("0", "already invited: skipped"),
        ("1", "errors: left out"),
    ]
    assert re.findall(r'<th scope="row">(\d+)</th>', page) == ["5", "2", "3", "4"]
    assert "Send 1 invitation and make 1 assignments" in page
    assert f'action="{IMPORT}{people_import.pk}/confirm/"' in page
    assert f'href="{IMPORT}"' in page  # upload a corrected file


def test_preview_filters_by_verdict(office_admin, login_as):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload("email\nbad\ngood@new.test\n")
    )

    page = login_as(office_admin).get(f"{IMPORT}{people_import.pk}/?verdict=error")

    assert re.findall(r'<th scope="row">(\d+)</th>', page.content.decode()) == ["2"]


@pytest.mark.parametrize("n", [1, 3, 60])
def test_preview_query_count_does_not_grow_with_the_lines(
    n, office_admin, login_as, django_assert_num_queries
):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(n))
    )
    browser = login_as(office_admin)

    # Session, user, import, counts, the same file before, page count, page rows.
    with django_assert_num_queries(7):
        response = browser.get(f"{IMPORT}{people_import.pk}/")

    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == min(n, 50)


def test_preview_says_when_the_same_file_was_uploaded_before(office_admin, login_as):
    first = services_import.people_import_parse(admin=office_admin, upload=upload(people(2)))
    second = services_import.people_import_parse(admin=office_admin, upload=upload(people(2)))

    page = login_as(office_admin).get(f"{IMPORT}{second.pk}/").content.decode()

    assert "You uploaded this same file on" in page
    assert f'href="{IMPORT}{first.pk}/"' in page


# --- Confirming and the task -------------------------------------------------------------------


def test_confirm_queues_the_task_on_commit_and_the_task_invites_once(
    office_admin, login_as, queued, django_capture_on_commit_callbacks, mailoutbox
):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(3))
    )
    browser = login_as(office_admin)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = browser.post(f"{IMPORT}{people_import.pk}/confirm/")
    assert queued == []
    for callback in callbacks:
        callback()

    assert (response.status_code, response["Location"]) == (302, f"{IMPORT}{people_import.pk}/")
    assert queued == [("apps.advising.tasks.people_import_run", people_import.pk)]
    assert tasks.people_import_run.name == "apps.advising.tasks.people_import_run"
    assert Invitation.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        tasks.people_import_run(people_import.pk)
        tasks.people_import_run(people_import.pk)

    people_import.refresh_from_db()
    assert invitations() == [
        ("person0@new.test", "student", None),
        ("person1@new.test", "student", None),
        ("person2@new.test", "student", None),
    ]
    assert sorted(m.to[0] for m in mailoutbox) == [
        "person0@new.test",
        "person1@new.test",
        "person2@new.test",
    ]
    assert all(m.reply_to == ["avery@northfield.test"] for m in mailoutbox)
    assert (
        people_import.status,
        people_import.to_process,
        people_import.processed,
        people_import.invited_count,
    ) == (Status.DONE, 3, 3, 3)
    assert set(people_import.rows.values_list("outcome", flat=True)) == {"invited"}


def test_confirming_twice_sends_nothing_twice(
    office_admin, login_as, queued, django_capture_on_commit_callbacks
):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(2))
    )
    browser = login_as(office_admin)
    confirm_and_run(office_admin, people_import, django_capture_on_commit_callbacks)
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"{IMPORT}{people_import.pk}/confirm/", follow=True)
    tasks.people_import_run(people_import.pk)

    assert queued == []
    assert "This file was already confirmed; nothing is sent twice." in response.content.decode()
    assert (Invitation.objects.count(), invitation_emails()) == (2, 2)


def test_the_same_file_uploaded_again_invites_nobody_twice(
    office_admin, queued, django_capture_on_commit_callbacks
):
    first = services_import.people_import_parse(admin=office_admin, upload=upload(people(3)))
    confirm_and_run(office_admin, first, django_capture_on_commit_callbacks)

    again = services_import.people_import_parse(admin=office_admin, upload=upload(people(3)))

    assert [r[3] for r in verdicts(again)] == [Verdict.PENDING] * 3
    # Nothing to send; confirming anyway does nothing, and only once.
    again = confirm_and_run(office_admin, again, django_capture_on_commit_callbacks)
    with pytest.raises(services_import.ImportStateError):
        services_import.people_import_confirm(admin=office_admin, people_import=again)
    assert (again.status, again.processed, again.invited_count) == (Status.DONE, 0, 0)
    assert (Invitation.objects.count(), invitation_emails()) == (3, 3)


def test_two_previews_of_the_same_file_both_confirmed_invite_once(
    office_admin, queued, django_capture_on_commit_callbacks
):
    first = services_import.people_import_parse(admin=office_admin, upload=upload(people(3)))
    second = services_import.people_import_parse(admin=office_admin, upload=upload(people(4)))

    confirm_and_run(office_admin, first, django_capture_on_commit_callbacks)
    second = confirm_and_run(office_admin, second, django_capture_on_commit_callbacks)

    assert (Invitation.objects.count(), invitation_emails()) == (4, 4)
    assert (second.status, second.invited_count, second.skipped_count) == (Status.DONE, 1, 3)
    assert (
        list(second.rows.filter(outcome="skipped").values_list("note", flat=True))
        == ["Already invited."] * 3
    )


def test_the_task_hands_over_when_its_time_is_up(
    office_admin, queued, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services_import, "BATCH_SIZE", 2)
    monkeypatch.setattr(tasks, "RUN_BUDGET_SECONDS", 0)
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(5))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services_import.people_import_confirm(admin=office_admin, people_import=people_import)
    queued.clear()

    tasks.people_import_run(people_import.pk)
    people_import.refresh_from_db()

    assert (people_import.status, people_import.processed, people_import.percent) == (
        Status.RUNNING,
        2,
        40,
    )
    assert queued == [("apps.advising.tasks.people_import_run", people_import.pk)]
    tasks.people_import_run(people_import.pk)
    tasks.people_import_run(people_import.pk)
    people_import.refresh_from_db()
    # The last run did the last line and found nothing left: done, not handed over.
    assert len(queued) == 2
    assert (people_import.status, people_import.processed, Invitation.objects.count()) == (
        Status.DONE,
        5,
        5,
    )


def test_the_task_for_a_gone_import_does_nothing(db, queued):
    tasks.people_import_run(987654)

    assert (Invitation.objects.count(), queued) == (0, [])


def test_an_uploader_no_longer_admin_stops_the_import_and_says_why(
    office_admin, queued, django_capture_on_commit_callbacks
):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(2))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services_import.people_import_confirm(admin=office_admin, people_import=people_import)
    User.objects.filter(pk=office_admin.pk).update(is_office_admin=False)

    tasks.people_import_run(people_import.pk)

    people_import.refresh_from_db()
    assert (people_import.status, people_import.failure) == (
        Status.FAILED,
        "The admin who uploaded the file can no longer invite.",
    )
    assert Invitation.objects.count() == 0


# --- The advisor column -------------------------------------------------------------------------


def test_members_are_assigned_now_and_invitees_on_acceptance(
    office_admin, advisor, student, queued, django_capture_on_commit_callbacks
):
    text = "\n".join(
        [
            "email,name,role,advisor_email",
            "sam@northfield.test,Sam,student,dana@northfield.test",
            "nora@new.test,Nora,student,DANA@northfield.test",
        ]
    )
    people_import = services_import.people_import_parse(admin=office_admin, upload=upload(text))

    people_import = confirm_and_run(office_admin, people_import, django_capture_on_commit_callbacks)

    assert (people_import.invited_count, people_import.assigned_count) == (1, 1)
    assert list(Assignment.objects.values_list("advisor__email", "student__email")) == [
        ("dana@northfield.test", "sam@northfield.test")
    ]
    assert invitations() == [("nora@new.test", "student", "dana@northfield.test")]

    email = OutboundEmail.objects.get(kind="accounts/invitation")
    token = re.search(rf"{re.escape(settings.SITE_URL)}/invite/([\w-]+)/", email.text).group(1)
    nora = invitation_accept(
        token=token, full_name="Nora New", password="amber-orchard-58", time_zone="UTC"
    )

    assignment = Assignment.objects.get(student=nora)
    assert (assignment.advisor, assignment.assigned_by, assignment.office) == (
        advisor,
        office_admin,
        office_admin.office,
    )


def test_an_invitee_whose_advisor_left_is_not_assigned(office_admin, advisor):
    _invitation, token = invitation_create(
        inviter=office_admin, email="nora@new.test", role=Role.STUDENT, advisor=advisor
    )
    User.objects.filter(pk=advisor.pk).update(is_active=False)

    nora = invitation_accept(
        token=token, full_name="Nora New", password="amber-orchard-58", time_zone="UTC"
    )

    assert nora.role == Role.STUDENT
    assert Assignment.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "advisor_persona", "message"),
    [
        (Role.ALUMNI, "advisor", "Only students are given an advisor."),
        (Role.STUDENT, "student", "Choose an advisor of your office."),
        (Role.STUDENT, "other_admin", "Choose an advisor of your office."),
    ],
)
def test_an_invitation_names_only_an_advisor_of_the_office_for_a_student(
    role, advisor_persona, message, office_admin, request
):
    with pytest.raises(Exception) as caught:
        invitation_create(
            inviter=office_admin,
            email="nora@new.test",
            role=role,
            advisor=request.getfixturevalue(advisor_persona),
        )

    assert caught.value.messages == [message]
    assert Invitation.objects.count() == 0


# --- The progress fragment ------------------------------------------------------------------------


def test_progress_polls_while_running_and_stops_with_a_summary(office_admin, login_as):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(4))
    )
    url = f"{IMPORT}{people_import.pk}/progress/"
    browser = login_as(office_admin)
    PeopleImport.objects.filter(pk=people_import.pk).update(
        status=Status.RUNNING, to_process=4, processed=1
    )

    running = browser.get(url).content.decode()
    detail = browser.get(f"{IMPORT}{people_import.pk}/").content.decode()
    PeopleImport.objects.filter(pk=people_import.pk).update(
        status=Status.DONE, processed=4, invited_count=3, skipped_count=1
    )
    done = browser.get(url).content.decode()
    PeopleImport.objects.filter(pk=people_import.pk).update(
        status=Status.FAILED, failure="The admin who uploaded the file can no longer invite."
    )
    failed = browser.get(url).content.decode()

    assert f'hx-get="{url}"' in running
    assert 'hx-trigger="every 1s"' in running
    assert 'role="progressbar"' in running
    assert 'aria-valuenow="25"' in running
    assert 'aria-valuetext="1 of 4 lines"' in running
    assert "fn-w-5" in running
    assert 'hx-trigger="every 1s"' in detail
    assert "/confirm/" not in detail
    assert "hx-trigger" not in done
    assert "3 invitations sent." in done
    assert "0 students assigned to an advisor." in done
    assert 'href="/office/invitations/"' in done
    assert "hx-trigger" not in failed
    assert "The import stopped after 4 of 4 lines." in failed


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["student", "alumni", "advisor", "volunteer"])
def test_only_office_admins_import(persona, office_admin, request, login_as, queued):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(1))
    )
    user = request.getfixturevalue(persona)
    user = user.user if hasattr(user, "user") else user
    browser = login_as(user)
    base = f"{IMPORT}{people_import.pk}/"

    codes = [
        browser.get(IMPORT).status_code,
        browser.post(IMPORT, {"file": upload(people(1))}).status_code,
        browser.get(f"{IMPORT}template.csv").status_code,
        browser.get(base).status_code,
        browser.get(f"{base}progress/").status_code,
        browser.post(f"{base}confirm/").status_code,
    ]

    assert codes == [403] * 6
    assert PeopleImport.objects.count() == 1
    assert (Invitation.objects.count(), queued) == (0, [])


def test_another_offices_import_is_a_404(office_admin, other_admin, login_as, queued):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(1))
    )
    browser = login_as(other_admin)
    base = f"{IMPORT}{people_import.pk}/"

    codes = [
        browser.get(base).status_code,
        browser.get(f"{base}progress/").status_code,
        browser.post(f"{base}confirm/").status_code,
    ]

    assert codes == [404, 404, 404]
    people_import.refresh_from_db()
    assert (people_import.status, queued) == (Status.PREVIEWED, [])


def test_a_visitor_is_sent_to_sign_in(office_admin, nobody):
    response = nobody.get(IMPORT)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_confirming_needs_a_post(office_admin, login_as):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(1))
    )

    assert login_as(office_admin).get(f"{IMPORT}{people_import.pk}/confirm/").status_code == 405


def test_a_poll_that_finds_it_finished_reloads_the_page_for_the_lines_results(
    office_admin, login_as
):
    people_import = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(2))
    )
    url = f"{IMPORT}{people_import.pk}/progress/"
    browser = login_as(office_admin)
    PeopleImport.objects.filter(pk=people_import.pk).update(status=Status.RUNNING, to_process=2)

    running = browser.get(url, HTTP_HX_REQUEST="true")
    PeopleImport.objects.filter(pk=people_import.pk).update(status=Status.DONE, processed=2)
    done = browser.get(url, HTTP_HX_REQUEST="true")
    plain = browser.get(url)

    assert "HX-Refresh" not in running
    assert done["HX-Refresh"] == "true"
    assert "HX-Refresh" not in plain


# --- Previews nobody confirmed ----------------------------------------------------------


def test_a_preview_nobody_confirmed_is_deleted_after_a_week_with_its_rows(
    office_admin, other_admin, time_machine, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime, timedelta

    from config.celery_schedule import BEAT_SCHEDULE

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    stale = services_import.people_import_parse(admin=office_admin, upload=upload(people(3)))
    elsewhere = services_import.people_import_parse(admin=other_admin, upload=upload(people(2)))
    confirmed = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(2, start=10))
    )
    with django_capture_on_commit_callbacks(execute=False):
        services_import.people_import_confirm(admin=office_admin, people_import=confirmed)
    time_machine.move_to(start + timedelta(days=6), tick=False)
    recent = services_import.people_import_parse(
        admin=office_admin, upload=upload(people(1, start=20))
    )

    time_machine.move_to(start + timedelta(days=7, minutes=1), tick=False)
    assert tasks.people_imports_discard_unconfirmed() == 2

    assert set(PeopleImport.objects.values_list("pk", flat=True)) == {confirmed.pk, recent.pk}
    assert not PeopleImportRow.objects.filter(people_import__in=[stale.pk, elsewhere.pk]).exists()
    assert PeopleImportRow.objects.filter(people_import=recent).count() == 1
    assert "apps.advising.tasks.people_imports_discard_unconfirmed" in {
        entry["task"] for entry in BEAT_SCHEDULE.values()
    }
