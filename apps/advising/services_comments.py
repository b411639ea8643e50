"""Writes of advisors' comments and coaching notes.

Every service checks who may do it, whatever the view already checked: an advisor
writes only about a student of their office they are assigned to (office admins
about any), a student only replies to, resolves and reopens threads about
themselves, and a coaching note is changed or deleted by its author alone.
A thread started or answered by an advisor is emailed to the student through the
outbox, when their "comments from my advisor" preference is on; the student's
replies are not emailed (the advisors' weekly digest carries them, and the
advisor's page of the student marks them new).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.advising.guards import COMMENT_EMAIL
from apps.advising.models import (
    COACHING_NOTE_MAX,
    COMMENT_MAX,
    THREAD_COMMENTS_MAX,
    CoachingNote,
    Comment,
    CommentThread,
)
from apps.advising.selectors_comments import (
    THREADS_VERSION_SECONDS,
    advisor_may_write,
    thing_path,
    threads_version_key,
)
from apps.core.links import site_link, site_url
from apps.core.notify import notify
from apps.core.versions import version_replace
from apps.followups.enums import Topic
from apps.followups.notifications import (
    notification_preference_get,
    unsubscribe_headers,
    unsubscribe_url,
)
from apps.interviews.selectors import interview_list_for_advisor, interview_notes_shared
from apps.students.selectors import student_profile_find


def _body(body: str, *, limit: int) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > limit:
        raise ValidationError(
            {
                "body": _("At most %(max)s characters, please (this has %(n)s).")
                % {"max": limit, "n": len(body)}
            }
        )
    return body


def _check_writer(advisor, student) -> None:
    if not advisor_may_write(advisor=advisor, student=student):
        raise PermissionDenied(_("Only the student's advisors and office admins may write here."))


def _check_thing(*, student, on: str, interview_id: int | None) -> None:
    """The thing exists, is the student's, and is one an advisor may read: the
    pitch written, a conversation that is not a draft, notes shared."""
    if on == CommentThread.On.PITCH:
        profile = student_profile_find(user=student)
        if interview_id is not None or profile is None or not profile.pitch:
            raise ValidationError(_("There is no pitch to comment on."))
        return
    if on not in (CommentThread.On.QUESTIONS, CommentThread.On.CONVERSATION):
        raise ValidationError(_("That cannot be commented on."))
    if interview_id is None or not (
        interview_list_for_advisor(student=student).filter(pk=interview_id).exists()
    ):
        raise ValidationError(_("There is no such conversation."))
    if (
        on == CommentThread.On.CONVERSATION
        and not interview_notes_shared().filter(interview_id=interview_id).exists()
    ):
        raise ValidationError(_("The student has not shared this conversation with you."))


def _email_student(*, thread: CommentThread, comment: Comment, advisor, first: bool) -> None:
    """Tell the student, unless they switched these emails off (checked again when
    it goes: apps/advising/guards.py)."""
    student = thread.student
    if not student.is_active or not notification_preference_get(user=student).comments:
        return
    unsubscribe = unsubscribe_url(user_id=student.pk, topic=Topic.COMMENTS)
    notify(
        user=student,
        template=COMMENT_EMAIL,
        context={
            "thread": thread,
            "comment": comment,
            "advisor": advisor,
            "first": first,
            "url": site_link(thing_path(thread)),
            "unsubscribe_url": unsubscribe,
            "topic_label": Topic.COMMENTS.label,
            "preferences_url": site_url("notification_settings"),
        },
        about=thread,
        key=f"comment:{comment.pk}",
        reply_to=[advisor.email],
        headers=unsubscribe_headers(unsubscribe),
    )


def _add_comment(*, thread: CommentThread, author, body: str, by_student: bool) -> Comment:
    comment = Comment.objects.create(
        office_id=thread.office_id,
        thread=thread,
        author=author,
        by_student=by_student,
        body=body,
    )
    CommentThread.objects.filter(pk=thread.pk).update(
        comment_count=F("comment_count") + 1, updated_at=timezone.now()
    )
    thread.comment_count += 1
    return comment


@transaction.atomic
def comment_thread_start(
    *, advisor, student, on: str, body: str, interview_id: int | None = None
) -> CommentThread:
    """An advisor comments on the student's pitch, a conversation's question list
    or a conversation they shared; the student is emailed."""
    _check_writer(advisor, student)
    body = _body(body, limit=COMMENT_MAX)
    _check_thing(student=student, on=on, interview_id=interview_id)
    thread = CommentThread.objects.create(
        office_id=student.office_id,
        student=student,
        on=on,
        interview_id=interview_id,
        started_by=advisor,
    )
    comment = _add_comment(thread=thread, author=advisor, body=body, by_student=False)
    _email_student(thread=thread, comment=comment, advisor=advisor, first=True)
    # The student's pages keep that a thing has no thread (thread_list_for_slot):
    # a new version, once the thread is there to read, makes them look again.
    version_key = threads_version_key(student_id=student.pk)
    transaction.on_commit(
        lambda: version_replace(
            version_key,
            timeout=THREADS_VERSION_SECONDS,
            what=f"student {student.pk}: that a thing has no comment thread",
        )
    )
    return thread


def _check_participant(user, thread: CommentThread) -> bool:
    """Whether `user` writes as the student; PermissionDenied for anyone but the
    student and an advisor who may write about them."""
    if user.role == Role.STUDENT:
        if user.pk != thread.student_id:
            raise PermissionDenied(_("This is not your thread."))
        return True
    _check_writer(user, thread.student)
    return False


@transaction.atomic
def comment_reply(*, user, thread: CommentThread, body: str) -> Comment:
    """The student or an advisor answers in a thread. An advisor's answer is emailed
    to the student; the student's is not emailed (the weekly digest lists it)."""
    by_student = _check_participant(user, thread)
    body = _body(body, limit=COMMENT_MAX)
    # Lock the thread: two replies at once must not both pass the limit.
    thread = CommentThread.objects.select_for_update().select_related("student").get(pk=thread.pk)
    if thread.is_resolved:
        raise ValidationError(_("This thread is resolved: reopen it to reply."))
    if thread.comment_count >= THREAD_COMMENTS_MAX:
        raise ValidationError(
            _("This thread is %(n)s comments long: start a new one.") % {"n": THREAD_COMMENTS_MAX}
        )
    comment = _add_comment(thread=thread, author=user, body=body, by_student=by_student)
    if not by_student:
        _email_student(thread=thread, comment=comment, advisor=user, first=False)
    return comment


@transaction.atomic
def comment_thread_resolve(*, user, thread: CommentThread) -> bool:
    """Mark the thread resolved (by the student or an advisor who may write).
    Returns whether it was open."""
    _check_participant(user, thread)
    changed = CommentThread.objects.filter(pk=thread.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=user, updated_at=timezone.now()
    )
    return bool(changed)


@transaction.atomic
def comment_thread_reopen(*, user, thread: CommentThread) -> bool:
    """Open a resolved thread again. Returns whether it was resolved."""
    _check_participant(user, thread)
    changed = CommentThread.objects.filter(pk=thread.pk, resolved_at__isnull=False).update(
        resolved_at=None, resolved_by=None, updated_at=timezone.now()
    )
    return bool(changed)


# --- Coaching notes ----------------------------------------------------------------


@transaction.atomic
def coaching_note_add(*, advisor, student, body: str) -> CoachingNote:
    _check_writer(advisor, student)
    return CoachingNote.objects.create(
        office_id=student.office_id,
        student=student,
        author=advisor,
        body=_body(body, limit=COACHING_NOTE_MAX),
    )


def coaching_note_check_author(*, advisor, note: CoachingNote) -> None:
    """PermissionDenied unless the advisor wrote the note and may still write about
    the student."""
    if note.author_id is None or note.author_id != advisor.pk:
        raise PermissionDenied(_("Only the advisor who wrote a note may change it."))
    # An author who is no longer assigned keeps reading, but no longer writes.
    _check_writer(advisor, note.student)


@transaction.atomic
def coaching_note_edit(*, advisor, note: CoachingNote, body: str) -> CoachingNote:
    coaching_note_check_author(advisor=advisor, note=note)
    note.body = _body(body, limit=COACHING_NOTE_MAX)
    note.save(update_fields=["body", "updated_at"])
    return note


@transaction.atomic
def coaching_note_delete(*, advisor, note: CoachingNote) -> None:
    coaching_note_check_author(advisor=advisor, note=note)
    note.delete()
