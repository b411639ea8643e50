from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    FRIEND_FAMILY = "friend_family", _("Friend or family")
    PROFESSOR_STAFF = "professor_staff", _("Professor or campus staff")
    ALUMNI_DIRECTORY = "alumni_directory", _("Alumni directory")
    ASSOCIATION = "association", _("Professional association")
    NETWORKING_SITE = "networking_site", _("Networking site")
    COLD = "cold", _("Company website or cold outreach")
    REFERRAL = "referral", _("Referral")


class Stage(models.TextChoices):
    """A contact's place in the pipeline, kept up to date by the interviews app."""

    IDENTIFIED = "identified", _("Identified")
    REQUESTED = "requested", _("Requested")
    SCHEDULED = "scheduled", _("Scheduled")
    MET = "met", _("Met")
    THANKED = "thanked", _("Thanked")
    KEEPING_IN_TOUCH = "keeping_in_touch", _("Keeping in touch")
    DECLINED = "declined", _("Declined")
    NO_RESPONSE = "no_response", _("No response")


# The pipeline from least to most advanced. Declined and no response are where a
# conversation ended without a meeting, so they rank below identified (declined
# lowest, so that a tie between the two has one answer). Contact.stage_rank is a
# stage's index here.
STAGE_ORDER = [
    Stage.DECLINED.value,
    Stage.NO_RESPONSE.value,
    Stage.IDENTIFIED.value,
    Stage.REQUESTED.value,
    Stage.SCHEDULED.value,
    Stage.MET.value,
    Stage.THANKED.value,
    Stage.KEEPING_IN_TOUCH.value,
]


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")
    EMAIL = "email", _("Email")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
