"""Advisors' comments on a student's pitch, question list or shared conversation:
started on the advisor's page of the student, shown to the student beside the
thing, replied to and resolved by either side, emailed to the student under their
"comments from my advisor" preference."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.advising.models import THREAD_COMMENTS_MAX, Comment, CommentThread
from apps.advising.selectors_comments import (
    _with_comments,
    comment_replies_for_advisor,
    student_education_record,
    thread_list_for_slot,
    thread_list_for_thing,
)
from apps.advising.services import assignments_add
from apps.advising.services_comments import (
    comment_reply,
    comment_thread_resolve,
    comment_thread_start,
)
from apps.core import statements
from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_send_due
from apps.followups.notifications import notification_preference_update
from tests.advising.conftest import NOW, PITCH

ON = CommentThread.On
PROFILE_QUERIES = 8


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def page(student) -> str:
    return f"/advising/students/{student.pk}/"


def start_url(student) -> str:
    return reverse("advising_comment_start", args=[student.pk])


def _start(advisor, student, body="Lead with the health-care goal.", on=ON.PITCH, interview=None):
    return comment_thread_start(
        advisor=advisor, student=student, on=on, interview_id=interview, body=body
    )


def _emails():
    return list(
        OutboundEmail.objects.filter(kind="advising/comment")
        .order_by("pk")
        .values_list("to", "recipient", "subject_ref", "reply_to")
    )


# --- Happy path -----------------------------------------------------------------------


def test_an_assigned_advisor_comments_on_the_pitch(advised, advisor, login_as):
    response = login_as(advisor).post(
        start_url(advised), {"on": "pitch", "body": "  Lead with the health-care goal. "}
    )

    [thread] = CommentThread.objects.all()
    assert response.status_code == 302
    assert response["Location"] == page(advised)
    assert (thread.office_id, thread.student, thread.on, thread.interview_id) == (
        advised.office_id,
        advised,
        "pitch",
        None,
    )
    assert (thread.started_by, thread.resolved_at, thread.comment_count) == (advisor, None, 1)
    assert list(thread.comments.values_list("author", "by_student", "body")) == [
        (advisor.pk, False, "Lead with the health-care goal.")
    ]


def test_starting_a_thread_emails_the_student_once(advised, advisor):
    thread = _start(advisor, advised)

    assert _emails() == [
        (["sam@northfield.test"], advised.pk, f"commentthread:{thread.pk}", [advisor.email])
    ]
    email = OutboundEmail.objects.get(kind="advising/comment")
    assert email.subject == "Dana Advisor commented on your pitch"
    assert "Lead with the health-care goal." in email.text
    assert f"{settings.SITE_URL}/me/profile/#thread-{thread.pk}" in email.text
    assert f'href="{settings.SITE_URL}/me/profile/#thread-{thread.pk}"' in email.html
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_email_links_to_where_each_thing_is(advised, advisor, preparing, shared):
    questions = _start(advisor, advised, on=ON.QUESTIONS, interview=preparing.pk)
    conversation = _start(advisor, advised, on=ON.CONVERSATION, interview=shared.pk)

    texts = dict(
        OutboundEmail.objects.filter(kind="advising/comment").values_list("subject_ref", "text")
    )
    assert (
        f"/interviews/{preparing.pk}/prepare/#thread-{questions.pk}"
        in texts[f"commentthread:{questions.pk}"]
    )
    assert (
        f"/interviews/{shared.pk}/#thread-{conversation.pk}"
        in texts[f"commentthread:{conversation.pk}"]
    )


def test_an_advisors_reply_is_emailed_and_the_students_is_not(advised, advisor):
    thread = _start(advisor, advised)
    comment_reply(user=advised, thread=thread, body="Like this?")
    comment_reply(user=advisor, thread=thread, body="Yes, much better.")

    assert [s for _to, _r, s, _rt in _emails()] == [f"commentthread:{thread.pk}"] * 2
    latest = OutboundEmail.objects.filter(kind="advising/comment").latest("pk")
    assert latest.subject == "Dana Advisor replied about your pitch"
    assert "Yes, much better." in latest.text
    assert list(thread.comments.values_list("by_student", flat=True)) == [False, True, False]


def test_the_student_sees_the_thread_beside_the_pitch_and_replies(advised, advisor, login_as):
    thread = _start(advisor, advised)
    browser = login_as(advised)

    html = browser.get("/me/profile/").content.decode()
    assert f'id="thread-{thread.pk}"' in html
    assert "Your advisor's comments on your pitch" in html
    assert "Lead with the health-care goal." in html

    response = browser.post(
        f"/comments/{thread.pk}/reply/", {"body": "Done!", "next": "/me/profile/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/profile/"
    assert list(thread.comments.values_list("author", "by_student", "body"))[-1] == (
        advised.pk,
        True,
        "Done!",
    )
    # No email to anyone for the student's reply: the advisor's weekly digest has it.
    assert len(_emails()) == 1


def test_the_student_sees_threads_on_the_question_list_and_the_conversation(
    advised, advisor, preparing, shared, login_as
):
    _start(advisor, advised, body="Put salary last.", on=ON.QUESTIONS, interview=preparing.pk)
    _start(advisor, advised, body="Follow up on SQL.", on=ON.CONVERSATION, interview=shared.pk)
    browser = login_as(advised)

    prepare = browser.get(f"/interviews/{preparing.pk}/prepare/").content.decode()
    conversation = browser.get(f"/interviews/{shared.pk}/").content.decode()

    assert "Put salary last." in prepare
    assert "Follow up on SQL." not in prepare
    assert "Follow up on SQL." in conversation
    assert "Put salary last." not in conversation


def test_a_student_without_comments_sees_no_section(advised, login_as):
    html = login_as(advised).get("/me/profile/").content.decode()

    assert "advisor-comments" not in html


def test_the_student_resolves_and_an_advisor_reopens(advised, advisor, login_as):
    thread = _start(advisor, advised)

    resolved = login_as(advised).post(f"/comments/{thread.pk}/resolve/")
    thread.refresh_from_db()
    assert resolved["Location"] == f"/me/profile/#thread-{thread.pk}"
    assert (thread.resolved_at, thread.resolved_by) == (NOW, advised)
    html = login_as(advised).get("/me/profile/").content.decode()
    assert "Resolved by Sam Student on 3 Mar 2026." in html
    assert f'action="/comments/{thread.pk}/reply/"' not in html

    reopened = login_as(advisor).post(f"/comments/{thread.pk}/reopen/")
    thread.refresh_from_db()
    assert reopened["Location"] == f"{page(advised)}#thread-{thread.pk}"
    assert (thread.resolved_at, thread.resolved_by) == (None, None)


def test_a_resolved_thread_takes_no_reply(advised, advisor):
    thread = _start(advisor, advised)
    comment_thread_resolve(user=advisor, thread=thread)

    with pytest.raises(ValidationError, match="reopen it to reply"):
        comment_reply(user=advised, thread=thread, body="One more thing")
    assert thread.comments.count() == 1


def test_a_thread_is_bounded(advised, advisor):
    thread = _start(advisor, advised)
    for n in range(THREAD_COMMENTS_MAX - 1):
        comment_reply(user=advised, thread=thread, body=f"Reply {n}")

    with pytest.raises(ValidationError, match="start a new one"):
        comment_reply(user=advisor, thread=thread, body="And another")
    assert thread.comments.count() == THREAD_COMMENTS_MAX


def test_the_advisor_page_shows_threads_by_thing_and_marks_replies_new(
    advised, advisor, preparing, shared, login_as, time_machine, settings
):
    pitch = _start(advisor, advised)
    questions = _start(advisor, advised, on=ON.QUESTIONS, interview=preparing.pk)
    # Hours pass between the advisor's visits; the staff idle timeout is not what
    # this test is about.
    settings.STAFF_IDLE_MINUTES = 24 * 60
    browser = login_as(advisor)
    browser.get(page(advised))
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    comment_reply(user=advised, thread=pitch, body="Rewritten, have a look.")

    response = browser.get(page(advised))

    assert [t.pk for t in response.context["pitch_threads"]] == [pitch.pk]
    [card] = [i for i in response.context["conversations"] if i.pk == preparing.pk]
    assert [t.pk for t in card.question_threads] == [questions.pk]
    html = response.content.decode()
    pitch_html = html.split(f'id="thread-{pitch.pk}"')[1].split("</article>")[0]
    assert "Rewritten, have a look.</div>" in pitch_html
    assert pitch_html.count('<span class="badge text-bg-warning">new</span>') == 1
    # Seen now: no longer new on the next visit.
    time_machine.move_to(NOW + timedelta(hours=2), tick=False)
    again = browser.get(page(advised)).content.decode()
    assert '<span class="badge text-bg-warning">new</span>' not in again


# --- Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something first."),
        ("   ", "Write something first."),
        ("x" * 2001, "At most 2000 characters, please (this has 2001)."),
    ],
)
def test_an_empty_or_too_long_comment_is_refused(advised, advisor, login_as, body, error):
    response = login_as(advisor).post(start_url(advised), {"on": "pitch", "body": body})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not CommentThread.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_refused_reply_keeps_what_was_typed_and_saves_nothing(advised, advisor, login_as):
    thread = _start(advisor, advised)

    response = login_as(advised).post(f"/comments/{thread.pk}/reply/", {"body": "y" * 2001})

    assert response.status_code == 400
    html = response.content.decode()
    assert "At most 2000 characters" in html
    assert "y" * 2001 in html
    assert thread.comments.count() == 1


def test_a_conversation_not_shared_cannot_be_commented_on(advised, advisor, private, login_as):
    response = login_as(advisor).post(
        start_url(advised), {"on": "conversation", "interview": private.pk, "body": "Hm."}
    )

    assert response.status_code == 400
    assert "The student has not shared this conversation with you." in response.content.decode()
    assert not CommentThread.objects.exists()


def test_another_students_conversation_is_no_such_conversation(
    advised, advisor, student2, login_as
):
    from tests.factories.interviews import InterviewFactory

    theirs = InterviewFactory(student=student2)

    response = login_as(advisor).post(
        start_url(advised), {"on": "questions", "interview": theirs.pk, "body": "Hm."}
    )

    assert response.status_code == 400
    assert "There is no such conversation." in response.content.decode()
    assert not CommentThread.objects.exists()


def test_no_pitch_no_comment_on_it(student, office_admin):
    with pytest.raises(ValidationError, match="no pitch"):
        _start(office_admin, student)


def test_an_unknown_thing_is_refused(advised, advisor, login_as):
    response = login_as(advisor).post(start_url(advised), {"on": "résumé", "body": "Hm."})

    assert response.status_code == 400
    assert not CommentThread.objects.exists()


# --- Who may do what ------------------------------------------------------------------


def test_an_office_admin_comments_without_being_assigned(advised, office_admin, login_as):
    response = login_as(office_admin).post(start_url(advised), {"on": "pitch", "body": "Good."})

    assert response.status_code == 302
    assert CommentThread.objects.get().started_by == office_admin


def test_an_unassigned_advisor_reads_but_may_not_write(
    advised, advisor, unassigned_advisor, login_as
):
    thread = _start(advisor, advised)
    browser = login_as(unassigned_advisor)

    html = browser.get(page(advised)).content.decode()
    started = browser.post(start_url(advised), {"on": "pitch", "body": "Me too."})
    replied = browser.post(f"/comments/{thread.pk}/reply/", {"body": "Me too."})
    resolved = browser.post(f"/comments/{thread.pk}/resolve/")

    assert "Lead with the health-care goal." in html
    assert f'action="/comments/{thread.pk}/reply/"' not in html
    assert f'action="{start_url(advised)}"' not in html
    assert (started.status_code, replied.status_code, resolved.status_code) == (403, 403, 403)
    thread.refresh_from_db()
    assert (CommentThread.objects.count(), thread.comments.count(), thread.resolved_at) == (
        1,
        1,
        None,
    )


def test_the_assigned_advisor_gets_the_forms(advised, advisor, login_as):
    thread = _start(advisor, advised)

    html = login_as(advisor).get(page(advised)).content.decode()

    assert f'action="/comments/{thread.pk}/reply/"' in html
    assert f'action="{start_url(advised)}"' in html


def test_another_offices_advisor_gets_404(advised, advisor, other_admin, login_as):
    thread = _start(advisor, advised)
    browser = login_as(other_admin)

    assert browser.post(start_url(advised), {"on": "pitch", "body": "Hi"}).status_code == 404
    assert browser.post(f"/comments/{thread.pk}/reply/", {"body": "Hi"}).status_code == 404
    assert browser.post(f"/comments/{thread.pk}/resolve/").status_code == 404
    assert thread.comments.count() == 1


def test_another_student_gets_404_on_the_thread(advised, advisor, student2, login_as):
    thread = _start(advisor, advised)
    browser = login_as(student2)

    assert browser.post(f"/comments/{thread.pk}/reply/", {"body": "Hi"}).status_code == 404
    assert browser.post(f"/comments/{thread.pk}/resolve/").status_code == 404
    assert browser.post(f"/comments/{thread.pk}/reopen/").status_code == 404
    assert "Lead with the health-care goal." not in (browser.get("/me/profile/").content.decode())
    assert thread.comments.count() == 1


def test_a_student_may_not_start_a_thread(advised, login_as):
    response = login_as(advised).post(start_url(advised), {"on": "pitch", "body": "Me?"})

    assert response.status_code == 403
    assert not CommentThread.objects.exists()


def test_a_student_may_not_reply_as_someone_else_through_the_service(advised, advisor, student2):
    thread = _start(advisor, advised)

    with pytest.raises(PermissionDenied):
        comment_reply(user=student2, thread=thread, body="Hi")


def test_a_volunteer_reaches_no_thread_and_sees_no_comment(
    advised, advisor, shared, alumni, login_as
):
    thread = _start(
        advisor, advised, body="Ask Alex for names.", on=ON.CONVERSATION, interview=shared.pk
    )
    browser = login_as(alumni)

    assert browser.post(f"/comments/{thread.pk}/reply/", {"body": "Hi"}).status_code == 403
    assert browser.post(start_url(advised), {"on": "pitch", "body": "Hi"}).status_code == 403
    inbox = browser.get(f"/inbox/{shared.pk}/")
    assert inbox.status_code == 200
    assert "Ask Alex for names." not in inbox.content.decode()
    assert "advisor-comments" not in inbox.content.decode()


def test_a_visitor_is_sent_to_sign_in(advised, advisor, nobody):
    thread = _start(advisor, advised)

    response = nobody.post(f"/comments/{thread.pk}/reply/", {"body": "Hi"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Email preferences ------------------------------------------------------------------


def test_the_preference_off_means_no_email(advised, advisor):
    notification_preference_update(user=advised, comments=False)

    thread = _start(advisor, advised)
    comment_reply(user=advisor, thread=thread, body="And another thing.")

    assert _emails() == []


def test_switching_off_after_it_was_queued_cancels_it(advised, advisor):
    _start(advisor, advised)
    notification_preference_update(user=advised, comments=False)

    assert outbox_send_due() == {"cancelled": 1}


def test_it_goes_when_wanted(advised, advisor, mailoutbox):
    _start(advisor, advised)

    assert outbox_send_due() == {"sent": 1}
    assert [m.to for m in mailoutbox] == [["sam@northfield.test"]]


def test_it_waits_out_the_quiet_hours(advised, advisor, time_machine):
    type(advised).objects.filter(pk=advised.pk).update(time_zone="America/New_York")
    advised.refresh_from_db()
    # 23:00 in New York.
    time_machine.move_to(NOW + timedelta(hours=13), tick=False)
    _start(advisor, advised)

    assert outbox_send_due() == {"deferred": 1}


def test_digest_readers_still_get_comments_one_by_one(advised, advisor):
    notification_preference_update(user=advised, delivery="digest")
    _start(advisor, advised)

    assert outbox_send_due() == {"sent": 1}


def test_unsubscribing_from_all_reminders_keeps_comments(advised, client):
    from apps.followups.notifications import notification_unsubscribe

    preference = notification_unsubscribe(user=advised, topic="all")

    assert (preference.thank_you, preference.meeting, preference.comments) == (
        False,
        False,
        True,
    )


def test_the_comments_link_in_the_email_switches_them_off(advised, advisor, nobody):
    _start(advisor, advised)
    email = OutboundEmail.objects.get(kind="advising/comment")
    url = email.headers["List-Unsubscribe"].strip("<>").removeprefix(settings.SITE_URL)

    nobody.post(url)

    from apps.followups.notifications import notification_preference_get

    preference = notification_preference_get(user=advised)
    assert (preference.comments, preference.thank_you) == (False, True)


# --- For the weekly digest ------------------------------------------------------------


def test_replies_for_an_advisor_are_on_threads_they_started_or_joined(
    advised, advisor, office_admin, student2, time_machine
):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student2.pk])
    mine = _start(advisor, advised)
    joined = _start(office_admin, advised, body="From the office.")
    comment_reply(user=advisor, thread=joined, body="Agreed.")
    others = _start(office_admin, advised, body="Only the admin here.")
    time_machine.move_to(NOW + timedelta(days=1), tick=False)
    on_mine = comment_reply(user=advised, thread=mine, body="Reply to Dana")
    on_joined = comment_reply(user=advised, thread=joined, body="Reply to both")
    comment_reply(user=advised, thread=others, body="Reply to the admin")
    comment_reply(user=advisor, thread=mine, body="Dana's own reply")

    replies = comment_replies_for_advisor(advisor=advisor, since=NOW + timedelta(hours=1))

    assert [c.pk for c in replies] == [on_mine.pk, on_joined.pk]
    assert [c.thread.student for c in replies] == [advised, advised]
    assert list(comment_replies_for_advisor(advisor=advisor, since=NOW + timedelta(days=2))) == []


# --- The student's own record -----------------------------------------------------------


def test_the_education_record_holds_the_threads(advised, advisor):
    thread = _start(advisor, advised)
    comment_reply(user=advised, thread=thread, body="Thanks")

    record = student_education_record(student=advised)

    assert record["comment_threads"] == [
        {
            "on": "pitch",
            "interview_id": None,
            "started_at": NOW,
            "resolved_at": None,
            "comments": [
                {
                    "at": NOW,
                    "by": "Dana Advisor",
                    "by_student": False,
                    "body": "Lead with the health-care goal.",
                },
                {"at": NOW, "by": "Sam Student", "by_student": True, "body": "Thanks"},
            ],
        }
    ]


# --- Queries --------------------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 3, 12])
def test_the_advisors_page_reads_threads_in_constant_queries(
    threads, advised, advisor, preparing, login_as, django_assert_num_queries
):
    for n in range(threads):
        thread = _start(
            advisor, advised, body=f"Comment {n}", on=ON.QUESTIONS, interview=preparing.pk
        )
        comment_reply(user=advised, thread=thread, body=f"Reply {n}")
    browser = login_as(advisor)

    # Session, user; the student; profile, its fields; advisors; target list;
    # conversations, their questions, shared notes; timeline entries, contacts added,
    # interactions, thank-yous; last visit, threads, their comments with authors,
    # coaching notes counted; the access record.
    with django_assert_num_queries(19):
        response = browser.get(page(advised))

    [card] = response.context["conversations"]
    assert len(card.question_threads) == threads


@pytest.mark.parametrize("threads", [1, 3, 12])
def test_the_students_slot_reads_threads_in_two_queries(
    threads, advised, advisor, login_as, django_assert_num_queries
):
    for n in range(threads):
        thread = _start(advisor, advised, body=f"Comment {n}")
        comment_reply(user=advised, thread=thread, body=f"Reply {n}")
    browser = login_as(advised)

    # Session, user; the profile, the office's fields, the research notes; the
    # slot: threads, their comments with authors.
    with django_assert_num_queries(PROFILE_QUERIES):
        html = browser.get("/me/profile/").content.decode()

    assert html.count('<article class="card mb-2" id="thread-') == threads


def _threads_seen(threads):
    return [
        (
            t.pk,
            t.on,
            t.interview_id,
            t.started_by.full_name,
            t.resolved_by and t.resolved_by.full_name,
            [(c.pk, c.author.full_name, c.body, c.thread is t) for c in t.comment_list],
        )
        for t in threads
    ]


def test_the_slots_threads_are_compiled_once_and_are_the_orms(
    advised, advisor, preparing, student2, django_assert_num_queries
):
    statements.statements_clear()
    on_pitch = [_start(advisor, advised, body=f"Pitch {n}") for n in range(3)]
    comment_reply(user=advised, thread=on_pitch[0], body="Reply")
    comment_thread_resolve(user=advisor, thread=on_pitch[1])
    _start(advisor, advised, body="Questions", on=ON.QUESTIONS, interview=preparing.pk)
    orm = _with_comments(CommentThread.objects.filter(student=advised, on=ON.PITCH))
    orm = list(orm.order_by("-created_at", "-pk"))

    first = thread_list_for_thing(student=advised, on=ON.PITCH)
    with django_assert_num_queries(2):
        again = thread_list_for_thing(student=advised, on=ON.PITCH)
        seen = _threads_seen(again)
    with django_assert_num_queries(2):
        questions = thread_list_for_thing(
            student=advised, on=ON.QUESTIONS, interview_id=preparing.pk
        )
    with django_assert_num_queries(1):
        assert thread_list_for_thing(student=student2, on=ON.PITCH) == []

    assert seen == _threads_seen(first) == _threads_seen(orm)
    assert [c[2] for c in seen[-1][5]] == ["Pitch 0", "Reply"]
    assert seen[1][4] == advisor.full_name  # resolved, by the advisor
    assert [t.comment_list[0].body for t in questions] == ["Questions"]
    assert [t.pk for t in thread_list_for_thing(student=advised, on=ON.PITCH, limit=2)] == [
        t.pk for t in orm[:2]
    ]
    kept = {shape[1:3] for shape in statements._statements("default")}
    assert ("advising.threads_on_thing", True) in kept
    assert ("advising.threads_on_thing", False) in kept
    assert ("advising.thread_comments", 3) in kept
    statements.statements_clear()


def test_a_thing_known_to_have_no_thread_costs_no_query(
    advised, advisor, shared, student2, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert thread_list_for_slot(student=advised, on=ON.PITCH) == []
    with django_assert_num_queries(0):
        assert thread_list_for_slot(student=advised, on=ON.PITCH) == []
    # What is kept is per thing and per student.
    with django_assert_num_queries(1):
        assert thread_list_for_slot(student=advised, on=ON.QUESTIONS, interview_id=shared.pk) == []
    with django_assert_num_queries(1):
        assert thread_list_for_slot(student=student2, on=ON.PITCH) == []


def test_a_thread_started_after_the_page_was_seen_shows_at_once(
    advised, advisor, shared, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(advised)
    assert "advisor-comments" not in browser.get("/me/profile/").content.decode()
    assert "advisor-comments" not in browser.get(f"/interviews/{shared.pk}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        _start(advisor, advised, body="Pitch first.")
    with django_capture_on_commit_callbacks(execute=True):
        _start(advisor, advised, body="About SQL.", on=ON.CONVERSATION, interview=shared.pk)

    assert "Pitch first." in browser.get("/me/profile/").content.decode()
    assert "About SQL." in browser.get(f"/interviews/{shared.pk}/").content.decode()


def test_the_slot_reads_the_database_when_the_cache_is_unreachable(
    advised, advisor, monkeypatch, django_assert_num_queries
):
    thread = _start(advisor, advised)

    def unreachable(*args, **kwargs):
        raise ConnectionError("no cache")

    monkeypatch.setattr(cache, "get_many", unreachable)
    monkeypatch.setattr(cache, "set", unreachable)
    with django_assert_num_queries(2):
        assert thread_list_for_slot(student=advised, on=ON.PITCH) == [thread]
    with django_assert_num_queries(1):
        assert thread_list_for_slot(student=advised, on=ON.QUESTIONS, interview_id=1) == []


def test_the_slot_shows_the_latest_twenty_threads(advised, advisor, login_as, time_machine):
    for n in range(21):
        time_machine.move_to(NOW + timedelta(minutes=n), tick=False)
        _start(advisor, advised, body=f"Comment number {n:02}")

    html = login_as(advised).get("/me/profile/").content.decode()

    assert "Comment number 20" in html
    assert "Comment number 01" in html
    assert "Comment number 00" not in html
    assert "Older comments are not shown here." in html


def test_pitch_is_unchanged_by_commenting(advised, advisor):
    _start(advisor, advised)

    assert Comment.objects.count() == 1
    from apps.students.selectors import student_profile_find

    assert student_profile_find(user=advised).pitch == PITCH
