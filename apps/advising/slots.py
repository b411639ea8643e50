"""What the advising app shows on the student's own pages (apps/core/slots.py): the
threads of advisors' comments beside the thing they are about, to reply to and
resolve. Registered from AdvisingConfig.ready().

Each renderer shows something only to the student the thing belongs to: a
volunteer, an advisor or anyone else gets nothing (none of them reaches these
pages today; the check keeps it so if one ever does). Coaching notes have no slot:
they are never on a student's page. Two queries per slot at most, one when the
thing has no thread, none when the cache already knows it has none
(selectors_comments.thread_list_for_slot)."""

from django.template.loader import render_to_string

from apps.accounts.enums import Role
from apps.advising.models import CommentThread
from apps.advising.selectors_comments import THREADS_SHOWN, thread_list_for_slot
from apps.advising.threads import threads_prepare
from apps.core.slots import slot_register
from apps.interviews.enums import State

PITCH = "students.pitch"
QUESTIONS = "interviews.questions"
CONVERSATION = "interviews.conversation"


def _render(request, *, student_id: int, on: str, interview_id: int | None, label) -> str:
    user = request.user
    if not user.is_authenticated or user.role != Role.STUDENT or user.pk != student_id:
        return ""
    threads = thread_list_for_slot(
        student=user, on=on, interview_id=interview_id, limit=THREADS_SHOWN + 1
    )
    if not threads:
        return ""
    more = len(threads) > THREADS_SHOWN
    threads = threads_prepare(threads[:THREADS_SHOWN], can_write=True)
    return render_to_string(
        "advising/_slot_threads.html",
        {
            "threads": threads,
            "more": more,
            "about": label,
            "slot_id": f"{on}-{interview_id or 0}",
            "next": request.get_full_path(),
        },
        request=request,
    )


def pitch_comments(request, profile) -> str:
    return _render(
        request,
        student_id=profile.user_id,
        on=CommentThread.On.PITCH,
        interview_id=None,
        label=CommentThread.On.PITCH.label,
    )


def question_comments(request, interview) -> str:
    return _render(
        request,
        student_id=interview.student_id,
        on=CommentThread.On.QUESTIONS,
        interview_id=interview.pk,
        label=CommentThread.On.QUESTIONS.label,
    )


def conversation_comments(request, interview) -> str:
    # Only a conversation held has notes to share, so only it can have threads: the
    # other states cost no query.
    if interview.state != State.COMPLETED:
        return ""
    return _render(
        request,
        student_id=interview.student_id,
        on=CommentThread.On.CONVERSATION,
        interview_id=interview.pk,
        label=CommentThread.On.CONVERSATION.label,
    )


def register() -> None:
    slot_register(PITCH, pitch_comments)
    slot_register(QUESTIONS, question_comments)
    slot_register(CONVERSATION, conversation_comments)
