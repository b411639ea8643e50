from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Field(TimeStampedModel):
    """A career field, industry or function an office's students explore."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=240, blank=True)
    is_active = models.BooleanField(_("offered to students"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                models.F("office"), models.functions.Lower("name"), name="field_name_per_office"
            ),
        ]

    def __str__(self):
        return self.name


class FieldCertainty(models.TextChoices):
    """How decided the student is about their field: the question list suggests
    questions by it (apps.interviews.selectors.questions.question_focus)."""

    EXPLORING = "exploring", _("Still exploring several fields")
    NARROWING = "narrowing", _("Comparing a few fields")
    DECIDED = "decided", _("Fairly sure of my field")


class StudentProfile(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_profile"
    )
    programme = models.CharField(_("programme or major"), max_length=120, blank=True)
    graduation_year = models.PositiveSmallIntegerField(
        _("graduation year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )
    fields = models.ManyToManyField(
        Field, blank=True, related_name="students", verbose_name=_("career fields")
    )
    interest_tags = models.JSONField(_("other interests"), default=list, blank=True)
    target_companies = models.JSONField(_("target companies"), default=list, blank=True)
    pitch = models.TextField(_("elevator pitch"), blank=True, max_length=2000)
    field_certainty = models.CharField(
        _("how decided I am about my field"),
        max_length=12,
        choices=FieldCertainty.choices,
        blank=True,
    )

    def __str__(self):
        return f"Profile of {self.user}"


class ResearchNote(TimeStampedModel):
    """Background research on a field, done before asking anyone for their time."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="research_notes"
    )
    field = models.ForeignKey(
        Field, on_delete=models.SET_NULL, null=True, blank=True, related_name="research_notes"
    )
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(_("notes (Markdown)"), max_length=20000, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["student", "-updated_at"])]

    def __str__(self):
        return self.title
