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


def stage_of_rank(rank: int) -> str:
    """The stage whose index in STAGE_ORDER is `rank`, "" for none (-1)."""
    return STAGE_ORDER[rank] if 0 <= rank < len(STAGE_ORDER) else ""


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


class Industry(models.TextChoices):
    """The sector a volunteer works in. A fixed list, unlike an office's career fields
    (which are functions and subjects as much as sectors), so a data scientist at a
    hospital and one at a bank can be told apart, and a filter value is checkable."""

    CONSULTING = "consulting", _("Consulting and professional services")
    FINANCE = "finance", _("Banking, finance and insurance")
    TECHNOLOGY = "technology", _("Technology and software")
    HEALTHCARE = "healthcare", _("Healthcare and life sciences")
    ENERGY = "energy", _("Energy, utilities and environment")
    GOVERNMENT = "government", _("Government and public sector")
    NONPROFIT = "nonprofit", _("Nonprofit and social impact")
    EDUCATION = "education", _("Education and research")
    MEDIA = "media", _("Media, arts and entertainment")
    LAW = "law", _("Law")
    MANUFACTURING = "manufacturing", _("Manufacturing and engineering")
    RETAIL = "retail", _("Retail and consumer goods")
    OTHER = "other", _("Other")


class OpenTo(models.TextChoices):
    """What a volunteer is open to beyond the conversation itself, each a step of an
    informational interview (questions ahead, referrals, keeping in touch) or a kind
    of student. Never a job, an internship or a résumé review: the product refuses
    requests that ask for those."""

    QUESTIONS_AHEAD = "questions_ahead", _("Reading your questions beforehand")
    INTRODUCTIONS = "introductions", _("Suggesting others to talk to")
    KEEPING_IN_TOUCH = "keeping_in_touch", _("Keeping in touch afterwards")
    CAREER_CHANGERS = "career_changers", _("Career changers")
    FIRST_YEARS = "first_years", _("First- and second-year students")
    LONGER = "longer", _("A longer conversation (30 minutes or more)")
