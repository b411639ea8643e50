"""Getting threads ready for a page: the reply form each one carries, and which
comments are new to the advisor reading them. Shared by the advisor's page of a
student (apps/advising/views.py) and the student's slots (apps/advising/slots.py)."""

from datetime import datetime

from apps.advising.forms_comments import CommentForm


def threads_prepare(
    threads, *, can_write: bool, mark_new: bool = False, seen_until: datetime | None = None
) -> list:
    """Give each open thread its reply form (with its own ids: many are on one page)
    when the reader may write. With `mark_new` (an advisor reading), the student's
    comments after `seen_until` (their last visit; every one when they never came)
    are marked `is_new`."""
    for thread in threads:
        thread.reply_form = (
            CommentForm(auto_id=f"id_reply{thread.pk}_%s")
            if can_write and not thread.is_resolved
            else None
        )
        for comment in thread.comment_list:
            comment.is_new = (
                mark_new
                and comment.by_student
                and (seen_until is None or comment.created_at > seen_until)
            )
    return threads
