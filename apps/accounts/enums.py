from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    ALUMNI = "alumni", _("Alumni volunteer")
    ADVISOR = "advisor", _("Career advisor")


class Approval(models.TextChoices):
    """Alumni who sign up on the open volunteer page wait for an office admin."""

    APPROVED = "approved", _("Approved")
    PENDING = "pending", _("Waiting for approval")
    REJECTED = "rejected", _("Not approved")


SLOT_MINUTES_CHOICES = [
    (15, _("15 minutes")),
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("60 minutes")),
]
KEEP_IN_TOUCH_MONTHS_CHOICES = [
    (1, _("Every month")),
    (3, _("Every 3 months")),
    (6, _("Every 6 months")),
    (12, _("Every 12 months")),
]
