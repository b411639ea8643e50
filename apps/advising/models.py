"""Advisors and their students: who advises whom, and who read what."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Assignment(TimeStampedModel):
    """An advisor is assigned a student (made by an office admin). A student may have
    more than one advisor. Every advisor of the office may read every student of
    it; the assigned ones, and office admins, may also write about them."""

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advisee_assignments"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advisor_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["advisor", "student"], name="assignment_once"),
        ]
        indexes = [
            # "Unassigned students" and a student's advisors.
            models.Index(fields=["student"], name="assignment_student"),
        ]

    def __str__(self):
        return f"{self.advisor} advises {self.student}"


class AccessRecord(models.Model):
    """An advisor read a student's page or exported a caseload: who, whose, what,
    when and from which address. Append-only: written by
    services.access_record, never changed or deleted by the app."""

    class What(models.TextChoices):
        STUDENT_PAGE = "student_page", _("Student page")
        CASELOAD_CSV = "caseload_csv", _("Caseload export")

    office = models.ForeignKey("accounts.Office", on_delete=models.CASCADE, related_name="+")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # Null for an export of many students.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    what = models.CharField(max_length=20, choices=What.choices)
    # The query string of an export: which students it held.
    detail = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["office", "-at"], name="access_office_at")]

    def __str__(self):
        return f"{self.advisor} {self.what} {self.student or ''} at {self.at}"
