"""Telling a user something: the one way every app queues "this email, to this
user, about this object".

`notify` renders the template in the user's time zone, with the user as
`recipient` in its context, and puts it in the outbox (apps.core.outbox) in the
caller's transaction, tied to the user (their office's delivery page, their data
export) and to the object it is about (`subject_ref`, which the guards read at
send time: is the meeting still on, is the thank-you still owed?). The sweeps
that make many at once build unsaved rows with `notification_row` and
bulk-insert them.

Mail to an address without an account (an invitation, an interviewee off the
platform) or to a list (the office's admins) goes through
apps.core.emails.email_queue.
"""

from django.db.models import Model

from apps.core.emails import email_queue, email_row
from apps.core.models import OutboundEmail


def about_ref(about: Model | str | None) -> str:
    """The outbox `subject_ref` of what an email is about: "interview:12". A model
    may name itself with a `ref` property; a string is taken as it is."""
    if about is None:
        return ""
    if isinstance(about, str):
        return about
    return getattr(about, "ref", None) or f"{about._meta.model_name}:{about.pk}"


def _to_user(*, user, template: str, context: dict, about=None, **options) -> dict:
    return {
        "template": template,
        "to": [user.email],
        "recipient": user,
        "time_zone": user.time_zone,
        "subject_ref": about_ref(about),
        "context": {"recipient": user, **context},
        **options,
    }


def notify(*, user, template: str, context: dict, **options) -> OutboundEmail | None:
    """Queue `templates/emails/<template>.txt|.html` to `user`, in the caller's
    transaction; it goes once that commits (at `due_at`, if given). Options: `about`
    (the object it is about), `key` (a dedupe key: a second notify with it is a
    no-op and returns None), `due_at`, `reply_to`, `cc`, `headers`, `attachments`,
    `from_email`."""
    return email_queue(**_to_user(user=user, template=template, context=context, **options))


def notification_row(*, user, template: str, context: dict, **options) -> OutboundEmail:
    """What `notify` queues, as an unsaved row, for the sweeps' outbox_bulk_enqueue
    (one INSERT for many)."""
    return email_row(**_to_user(user=user, template=template, context=context, **options))
