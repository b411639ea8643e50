"""Coaching notes: advisors' notes about a student, on the advisor's page of the
student only. Written by the assigned advisors and office admins, changed and
deleted by their author alone, never shown to the student or a volunteer (but in
the student's own record)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.advising.models import CoachingNote
from apps.advising.selectors_comments import student_education_record
from apps.advising.services_comments import coaching_note_add, coaching_note_edit
from tests.advising.conftest import NOW

SECRET = "Worried about confidence; suggest mock interviews."


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def page(student) -> str:
    return f"/advising/students/{student.pk}/"


def add_url(student) -> str:
    return reverse("advising_coaching_note_add", args=[student.pk])


def _note(advisor, student, body=SECRET) -> CoachingNote:
    return coaching_note_add(advisor=advisor, student=student, body=body)


# --- Happy path -----------------------------------------------------------------------


def test_an_assigned_advisor_writes_a_note(advised, advisor, login_as):
    browser = login_as(advisor)

    response = browser.post(add_url(advised), {"body": f"  {SECRET}  "})

    assert response.status_code == 302
    assert response["Location"] == f"{page(advised)}#coaching-notes"
    [note] = CoachingNote.objects.all()
    assert (note.office_id, note.student, note.author, note.body) == (
        advised.office_id,
        advised,
        advisor,
        SECRET,
    )
    html = browser.get(page(advised)).content.decode()
    section = html.split('id="coaching-notes"')[1].split("</section>")[0]
    assert "(only advisors see these)" in section
    assert SECRET in section
    assert f'href="/advising/coaching-notes/{note.pk}/edit/"' in section


def test_an_office_admin_writes_a_note(advised, office_admin, login_as):
    response = login_as(office_admin).post(add_url(advised), {"body": "Doing well."})

    assert response.status_code == 302
    assert CoachingNote.objects.get().author == office_admin


def test_the_author_edits_and_deletes_their_note(advised, advisor, login_as, time_machine):
    note = _note(advisor, advised)
    browser = login_as(advisor)
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)

    form = browser.get(f"/advising/coaching-notes/{note.pk}/edit/")
    edited = browser.post(f"/advising/coaching-notes/{note.pk}/edit/", {"body": "Better now."})

    assert form.status_code == 200
    assert SECRET in form.content.decode()
    assert edited.status_code == 302
    note.refresh_from_db()
    assert (note.body, note.updated_at, note.was_edited) == (
        "Better now.",
        NOW + timedelta(minutes=5),
        True,
    )
    assert "· edited" in browser.get(page(advised)).content.decode()

    deleted = browser.post(f"/advising/coaching-notes/{note.pk}/delete/")

    assert deleted.status_code == 302
    assert not CoachingNote.objects.exists()


def test_notes_are_paginated_newest_first(advised, advisor, login_as, time_machine):
    for n in range(23):
        time_machine.move_to(NOW + timedelta(minutes=n), tick=False)
        _note(advisor, advised, body=f"Note {n:02}")
    browser = login_as(advisor)

    first = browser.get(page(advised)).context["notes_page"]
    second = browser.get(page(advised), {"page": 2}).context["notes_page"]

    assert [n.body for n in first.object_list] == [f"Note {n:02}" for n in range(22, 2, -1)]
    assert [n.body for n in second.object_list] == ["Note 02", "Note 01", "Note 00"]


# --- Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something first."),
        ("x" * 5001, "At most 5000 characters, please (this has 5001)."),
    ],
)
def test_an_empty_or_too_long_note_is_refused(advised, advisor, login_as, body, error):
    response = login_as(advisor).post(add_url(advised), {"body": body})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not CoachingNote.objects.exists()


def test_a_refused_edit_changes_nothing(advised, advisor, login_as):
    note = _note(advisor, advised)

    response = login_as(advisor).post(f"/advising/coaching-notes/{note.pk}/edit/", {"body": " "})

    assert response.status_code == 400
    note.refresh_from_db()
    assert note.body == SECRET


# --- Who may do what ------------------------------------------------------------------


def test_an_unassigned_advisor_reads_but_may_not_write(
    advised, advisor, unassigned_advisor, login_as
):
    note = _note(advisor, advised)
    browser = login_as(unassigned_advisor)

    html = browser.get(page(advised)).content.decode()
    added = browser.post(add_url(advised), {"body": "Mine."})

    assert SECRET in html
    assert f'action="{add_url(advised)}"' not in html
    assert f"/advising/coaching-notes/{note.pk}/edit/" not in html
    assert added.status_code == 403
    assert CoachingNote.objects.count() == 1


@pytest.mark.parametrize("persona", ["office_admin", "unassigned_advisor"])
def test_only_the_author_changes_or_deletes_a_note(persona, advised, advisor, request, login_as):
    note = _note(advisor, advised)
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(f"/advising/coaching-notes/{note.pk}/edit/").status_code == 403
    assert (
        browser.post(f"/advising/coaching-notes/{note.pk}/edit/", {"body": "Hm"}).status_code == 403
    )
    assert browser.post(f"/advising/coaching-notes/{note.pk}/delete/").status_code == 403
    note.refresh_from_db()
    assert note.body == SECRET


def test_an_author_no_longer_assigned_no_longer_writes(advised, advisor, office_admin):
    from apps.advising.services import assignment_remove

    note = _note(advisor, advised)
    assignment_remove(admin=office_admin, advisor_id=advisor.pk, student_id=advised.pk)

    with pytest.raises(PermissionDenied):
        coaching_note_edit(advisor=advisor, note=note, body="Changed")


def test_another_offices_advisor_gets_404(advised, advisor, other_admin, login_as):
    note = _note(advisor, advised)
    browser = login_as(other_admin)

    assert browser.post(add_url(advised), {"body": "Hi"}).status_code == 404
    assert browser.get(f"/advising/coaching-notes/{note.pk}/edit/").status_code == 404
    assert browser.post(f"/advising/coaching-notes/{note.pk}/delete/").status_code == 404
    assert CoachingNote.objects.count() == 1


@pytest.mark.parametrize("persona", ["advised", "student2", "alumni"])
def test_students_and_volunteers_reach_no_note(persona, advised, advisor, request, login_as):
    note = _note(advisor, advised)
    browser = login_as(request.getfixturevalue(persona))

    assert browser.post(add_url(advised), {"body": "Hi"}).status_code == 403
    assert browser.get(f"/advising/coaching-notes/{note.pk}/edit/").status_code == 403
    assert browser.post(f"/advising/coaching-notes/{note.pk}/delete/").status_code == 403
    assert CoachingNote.objects.count() == 1


def test_the_student_never_sees_a_coaching_note(advised, advisor, preparing, shared, login_as):
    from apps.advising.services_comments import comment_thread_start

    _note(advisor, advised)
    # Comments on every thing, so each slot renders.
    for on, interview in (
        ("pitch", None),
        ("questions", preparing.pk),
        ("conversation", shared.pk),
    ):
        comment_thread_start(
            advisor=advisor, student=advised, on=on, interview_id=interview, body="A comment"
        )
    browser = login_as(advised)

    for url in (
        "/",
        "/me/profile/",
        f"/interviews/{preparing.pk}/prepare/",
        f"/interviews/{shared.pk}/",
        f"/interviews/{shared.pk}/notes/",
        "/interviews/",
    ):
        response = browser.get(url, follow=True)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert SECRET not in html, url
        assert "Coaching note" not in html, url


def test_a_volunteer_never_sees_a_coaching_note(advised, advisor, shared, alumni, login_as):
    _note(advisor, advised)
    browser = login_as(alumni)

    for url in ("/", "/inbox/", f"/inbox/{shared.pk}/"):
        html = browser.get(url, follow=True).content.decode()
        assert SECRET not in html, url


# --- The student's own record -----------------------------------------------------------


def test_the_education_record_holds_the_notes(advised, advisor):
    _note(advisor, advised)

    assert student_education_record(student=advised)["coaching_notes"] == [
        {"at": NOW, "updated_at": NOW, "by": "Dana Advisor", "body": SECRET}
    ]


# --- Queries --------------------------------------------------------------------------


@pytest.mark.parametrize("notes", [1, 3, 30])
def test_the_page_reads_notes_in_constant_queries(
    notes, advised, advisor, login_as, django_assert_num_queries
):
    for n in range(notes):
        _note(advisor, advised, body=f"Note {n}")
    browser = login_as(advisor)

    # The page's reads (test_student_page counts them; with no conversation here,
    # their questions and notes are not read), and one for the page of notes.
    with django_assert_num_queries(17):
        response = browser.get(page(advised))

    assert len(response.context["notes_page"].object_list) == min(notes, 20)
