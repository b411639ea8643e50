"""What the outbox asks before it sends an advisor's comment to a student.

The same questions the follow-ups guards ask of a reminder, asked by the same
function (apps/followups/guards.py: recipient_verdict), for the "comments from my
advisor" topic: is the thread still there, is the
student still active and still wanting these emails, and is it night where they
are (then it waits for the morning)? One thing differs: a comment is never folded
into the daily digest, even for digest readers. The digest lists what is due
(thank-yous, check-ins, meetings) and is built by the follow-ups app, which cannot
see the advising app's comments; and an advisor's comment is a person writing, like
a request or an answer, which always come one by one.
"""

from apps.accounts.enums import Role
from apps.advising.digest import DIGEST_EMAIL
from apps.advising.models import CommentThread
from apps.core.models import OutboundEmail
from apps.core.outbox import SEND, Verdict, outbox_register_guard
from apps.followups.enums import Topic
from apps.followups.guards import recipient_verdict
from apps.followups.notifications import notification_preference_get

COMMENT_EMAIL = "advising/comment"


def guard_comment(row: OutboundEmail) -> Verdict:
    name, _sep, pk = row.subject_ref.partition(":")
    if (
        name != "commentthread"
        or not pk.isdigit()
        or not CommentThread.objects.filter(pk=int(pk)).exists()
    ):
        return Verdict("cancel", reason="thread gone")
    return recipient_verdict(row.recipient, topic=Topic.COMMENTS)


def guard_digest(row: OutboundEmail) -> Verdict:
    """The weekly digest (apps/advising/digest.py): still an active advisor who
    wants it? It is made at 08:00 their time, so no quiet hours to wait out."""
    user = row.recipient
    if user is None or not user.is_active or user.role != Role.ADVISOR:
        return Verdict("cancel", reason="not an active advisor")
    if not notification_preference_get(user=user).advisor_digest:
        return Verdict("cancel", reason="unsubscribed")
    return SEND


_registered = False


def register() -> None:
    """Called from AdvisingConfig.ready(); once per process."""
    global _registered
    if _registered:
        return
    outbox_register_guard(COMMENT_EMAIL, guard_comment)
    outbox_register_guard(DIGEST_EMAIL, guard_digest)
    _registered = True
