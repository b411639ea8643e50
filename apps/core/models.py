import functools
import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# A name is one line: a line break in it broke email headers' display names, CSV
# rows and the layout of every list that shows it.
single_line = RegexValidator(
    r"^[^\x00-\x1f\x7f]*\Z",
    _("Write it on one line, without line breaks or tabs."),
    code="single_line",
)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SortIndex(models.Index):
    """An index in a list's sort order, `DESC NULLS LAST` included, so that a page of
    it is read in index order instead of sorting every row. PostgreSQL builds it as
    written; SQLite (the embedded default) refuses NULLS in an index, and its DESC
    already puts nulls last (it sorts them first ascending): it gets the same order
    without the words."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        index = self
        if schema_editor.connection.vendor == "sqlite" and self.expressions:
            index = self.clone()
            index.expressions = tuple(_without_nulls_order(e) for e in self.expressions)
        return models.Index.create_sql(index, model, schema_editor, using=using, **kwargs)


def _without_nulls_order(expression):
    if isinstance(expression, models.OrderBy) and expression.nulls_last:
        expression = expression.copy()
        expression.nulls_last = None
    return expression


class WebURLField(models.URLField):
    """A URL field whose form field assumes https:// when the scheme is left out
    (Django 6's default, chosen now so nothing changes at the upgrade)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


class OutboundEmail(models.Model):
    """The outbox: every message Fieldnotes sends is a row here first, written in
    the same transaction as the change that causes it. A row is one message on one
    channel (`channel`: "email" for every row today; apps/core/channels/), so the
    name says less than the model holds. The database is the only source of truth;
    the broker only carries row ids, so a lost or repeated task never loses or
    doubles a message. See apps/core/outbox.py and docs/reminders.md."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    dedupe_key = models.CharField(max_length=200, unique=True)
    # The name of the channel that delivers it (apps.core.channels.channel_for). No
    # choices: channels are registered at start-up, and a row naming none of them
    # fails at delivery with the reason.
    channel = models.CharField(max_length=20, default="email")
    # What kind of email: guards registered for a kind re-check, at send time,
    # that it is still wanted (thank-you already sent? meeting cancelled?).
    kind = models.CharField(max_length=60)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The office the email belongs to, for its admins' delivery page when there is
    # no recipient account (an invitation). A plain number: core knows no offices.
    office_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    # The object the email is about, for the guards: "<model>:<pk>".
    subject_ref = models.CharField(max_length=80, blank=True)
    from_email = models.CharField(max_length=254)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    # [{"filename", "mimetype", "content_b64"}]
    attachments = models.JSONField(default=list, blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="outbox_pending_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["lease_until"],
                name="outbox_sending_lease",
                condition=models.Q(status="sending"),
            ),
            models.Index(
                fields=["status", "-created_at"],
                name="outbox_status_created",
                condition=models.Q(status="failed"),
            ),
        ]

    def __str__(self):
        return f"{self.dedupe_key} ({self.status})"

    @property
    def message_id(self) -> str:
        """Deterministic, so a resend after a crash is recognisable as the same mail."""
        key = re.sub(r"[^A-Za-z0-9.-]+", ".", self.dedupe_key)
        return f"<outbox-{self.pk}.{key}@fieldnotes>"


@functools.cache
def _choice_labels(choices: type[models.Choices], language: str | None) -> dict:
    return {value: str(label) for value, label in choices.choices}


def choice_label(choices: type[models.Choices], value):
    """What get_FOO_display() gives (the label in the active language, or the value
    itself when it is not a choice), from a table made once per language: Django's
    own rebuilds the choices, translating every label, on each call (some 0.3 ms
    on a busy machine, once per row of a list)."""
    return _choice_labels(choices, get_language()).get(value, value)


# The largest id a row can have (a signed 64-bit key): a larger one names no row,
# and SQLite cannot even bind it.
LARGEST_ID = 2**63 - 1
