"""Reads of advisors' comments and coaching notes.

Who may see what, decided here once:
- a comment thread: the student it is about, and every advisor of their office;
  never a volunteer, never another office (a 404, as if it did not exist);
- a coaching note: the advisors of the student's office only. Students read theirs
  only in their own record (`student_education_record`), never on a page.
Who may write is `advisor_may_write`: the student's assigned advisors and the
office admins.
"""

import logging
from datetime import datetime

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse

from apps.accounts.enums import Role
from apps.advising.models import AccessRecord, Assignment, CoachingNote, Comment, CommentThread
from apps.core.statements import StatementRows, rows_for_ids
from apps.core.versions import version_read

logger = logging.getLogger(__name__)

# Threads shown beside one thing (a pitch, a question list, a conversation), and on
# the advisor's page of a student, newest first; older ones are in the student's
# record. With THREAD_COMMENTS_MAX comments each, a page stays bounded.
THREADS_SHOWN = 20
STUDENT_PAGE_THREADS_SHOWN = 60
COACHING_NOTES_PAGE_SIZE = 20
# How long the cache keeps that a thing has no thread, and the version of a
# student's threads it was found under: what bounds a missed change (a version the
# cache could not replace) is the shorter of the two.
THREADS_NONE_SECONDS = 3600
THREADS_VERSION_SECONDS = 24 * 3600


def advisor_may_write(*, advisor, student) -> bool:
    """May this advisor comment on, and write coaching notes about, this student?
    Office admins of the student's office, and the advisors assigned to them."""
    if (
        advisor.role != Role.ADVISOR
        or not advisor.is_active
        or advisor.office_id is None
        or advisor.office_id != student.office_id
    ):
        return False
    if advisor.is_office_admin:
        return True
    return Assignment.objects.filter(advisor=advisor, student=student).exists()


def _with_comments(threads: QuerySet[CommentThread]) -> QuerySet[CommentThread]:
    return threads.select_related("started_by", "resolved_by").prefetch_related(
        Prefetch(
            "comments",
            queryset=Comment.objects.select_related("author").order_by("created_at", "pk"),
            to_attr="comment_list",
        )
    )


def thing_path(thread: CommentThread) -> str:
    """Where the student sees the thread: on the page of the thing it is about."""
    if thread.on == CommentThread.On.PITCH:
        path = reverse("student_profile")
    elif thread.on == CommentThread.On.QUESTIONS:
        path = reverse("interview_prepare", args=[thread.interview_id])
    else:
        path = reverse("interview_detail", args=[thread.interview_id])
    return f"{path}#thread-{thread.pk}"


def thread_list_for_thing(
    *, student, on: str, interview_id: int | None = None, limit: int = THREADS_SHOWN
) -> list[CommentThread]:
    """The threads on one thing of the student, newest first, each with its comments
    in order (`comment_list`): two queries, one when there are none.

    The student's own pages ask this on every view (a slot beside the pitch, the
    question list and the conversation), so both queries are compiled once per
    process (core.statements) instead of built by the ORM each time, which cost the
    conversation page more than running them."""
    threads = StatementRows(
        shape=("advising.threads_on_thing", interview_id is None),
        build=_threads_on_thing,
        inputs={"student_id": student.pk, "on": on, "interview_id": interview_id},
        sentinels={
            "student_id": 2_000_000_011,
            "on": "on-sentinel",
            # No interview is part of the shape (IS NULL), not a parameter.
            "interview_id": None if interview_id is None else 2_000_000_013,
        },
    )[0:limit]
    _comment_lists_attached(threads)
    return threads


def threads_version_key(*, student_id: int) -> str:
    """The version of the student's threads (core.versions): replaced once a thread
    about them is started (services_comments.comment_thread_start)."""
    return f"advising-threads-version:{student_id}"


def _threads_none_key(*, student_id: int, on: str, interview_id: int | None) -> str:
    return f"advising-threads-none:{student_id}:{on}:{interview_id or 0}"


def thread_list_for_slot(
    *, student, on: str, interview_id: int | None = None, limit: int = THREADS_SHOWN
) -> list[CommentThread]:
    """thread_list_for_thing for the slots on the student's own pages, which most
    students see with no thread at all: the cache keeps that a thing has none, under
    the version of the student's threads it was found under, so such a page asks the
    cache (one round trip) instead of the database. A thread started replaces the
    version once it commits, so it shows on the next view; a thing with threads is
    read as before. The version is read before the threads: a thread started during
    the read leaves "none" kept under the version it replaced."""
    version_key = threads_version_key(student_id=student.pk)
    none_key = _threads_none_key(student_id=student.pk, on=on, interview_id=interview_id)
    try:
        found = cache.get_many([version_key, none_key])
        version = found.get(version_key)
        if version is not None and found.get(none_key) == version:
            return []
        version = version_read(version_key, timeout=THREADS_VERSION_SECONDS, stored=version)
    except Exception:
        logger.warning("threads read from the database: the cache could not be reached")
        version = None
    threads = thread_list_for_thing(student=student, on=on, interview_id=interview_id, limit=limit)
    if not threads and version is not None:
        try:
            cache.set(none_key, version, THREADS_NONE_SECONDS)
        except Exception:
            logger.warning("no thread not kept: the cache could not be reached")
    return threads


def _threads_on_thing(values: dict) -> QuerySet[CommentThread]:
    return (
        CommentThread.objects.filter(
            student_id=values["student_id"], on=values["on"], interview_id=values["interview_id"]
        )
        .select_related("started_by", "resolved_by")
        .order_by("-created_at", "-pk")
    )


def _comment_lists_attached(threads: list[CommentThread]) -> None:
    """`comment_list` on each thread, as `_with_comments` prefetches it (oldest
    first, with the author): one query for all, compiled once per number of
    threads."""
    ids = [thread.pk for thread in threads]

    def build(values: dict, thread_ids: list) -> QuerySet[Comment]:
        return (
            Comment.objects.filter(thread_id__in=thread_ids)
            .select_related("author")
            .order_by("created_at", "pk")
        )

    comments = rows_for_ids(shape=("advising.thread_comments",), ids=ids, build=build)
    by_thread: dict[int, list[Comment]] = {pk: [] for pk in ids}
    for comment in comments:
        by_thread[comment.thread_id].append(comment)
    for thread in threads:
        thread.comment_list = by_thread[thread.pk]
        for comment in thread.comment_list:
            comment.thread = thread  # as the prefetch sets it: no query to go back


def thread_list_for_student_page(
    *, student, limit: int = STUDENT_PAGE_THREADS_SHOWN
) -> list[CommentThread]:
    """Every thread about the student (the advisor's page groups them by thing),
    newest first, with comments: two queries."""
    threads = CommentThread.objects.filter(student=student, office_id=student.office_id)
    return list(_with_comments(threads).order_by("-created_at", "-pk")[:limit])


def thread_for_user(*, user, pk: int) -> CommentThread:
    """A thread the user may read: the student's own, or one about a student of
    the advisor's office. Anyone else (another student, a volunteer, another
    office) gets a 404."""
    threads = CommentThread.objects.select_related("student", "office")
    if user.role == Role.STUDENT:
        thread = threads.filter(pk=pk, student=user).first()
    elif user.role == Role.ADVISOR and user.office_id is not None:
        thread = threads.filter(pk=pk, office_id=user.office_id).first()
    else:
        thread = None
    if thread is None:
        raise Http404
    return thread


def coaching_note_page_list(*, student) -> QuerySet[CoachingNote]:
    """The coaching notes about the student, newest first, for advisors."""
    return (
        CoachingNote.objects.filter(student=student, office_id=student.office_id)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )


def coaching_note_for_advisor(*, advisor, pk: int) -> CoachingNote:
    """A coaching note about a student of the advisor's office, else a 404."""
    if advisor.role != Role.ADVISOR or advisor.office_id is None:
        raise Http404
    note = (
        CoachingNote.objects.filter(pk=pk, office_id=advisor.office_id)
        .select_related("student", "author")
        .first()
    )
    if note is None:
        raise Http404
    return note


def advisor_last_visit(*, advisor, student) -> datetime | None:
    """When this advisor last opened the student's page (the access log), so what
    the student wrote since shows as new to them."""
    return (
        AccessRecord.objects.filter(
            actor=advisor, subject=student, what=AccessRecord.What.STUDENT_PAGE
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def comment_replies_for_advisor(*, advisor, since: datetime) -> QuerySet[Comment]:
    """The students' replies, since `since`, on threads the advisor started or wrote
    in, oldest first, with their thread and student: what the weekly digest lists
    as "replies to your comments". One query."""
    took_part = Comment.objects.filter(thread=OuterRef("thread"), author=advisor)
    return (
        Comment.objects.filter(
            office_id=advisor.office_id,
            by_student=True,
            created_at__gte=since,
            thread__student__is_active=True,
        )
        .filter(
            Exists(took_part)
            | Exists(CommentThread.objects.filter(pk=OuterRef("thread"), started_by=advisor))
        )
        .select_related("thread", "thread__student", "author")
        .order_by("created_at", "pk")
    )


def student_education_record(*, student) -> dict:
    """What the student may inspect of what their advisors wrote about them: every
    comment thread (with its comments) and every coaching note, oldest first. For
    the student's own data export; there is none yet, so this is its advising part."""
    threads = _with_comments(
        CommentThread.objects.filter(student=student, office_id=student.office_id)
    ).order_by("created_at", "pk")
    notes = (
        CoachingNote.objects.filter(student=student, office_id=student.office_id)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    return {
        "comment_threads": [
            {
                "on": thread.on,
                "interview_id": thread.interview_id,
                "started_at": thread.created_at,
                "resolved_at": thread.resolved_at,
                "comments": [
                    {
                        "at": comment.created_at,
                        "by": comment.author.full_name if comment.author else "",
                        "by_student": comment.by_student,
                        "body": comment.body,
                    }
                    for comment in thread.comment_list
                ],
            }
            for thread in threads
        ],
        "coaching_notes": [
            {
                "at": note.created_at,
                "updated_at": note.updated_at,
                "by": note.author.full_name if note.author else "",
                "body": note.body,
            }
            for note in notes
        ],
    }
