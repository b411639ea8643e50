"""The office's request wording (`RequestTemplate`) as a student or an office
admin sees it. An office that has never opened the page has no rows yet:
students then get the built-in wording, and the first visit of an office admin
stores it as the office's default (services/request_templates.py).
Placeholders are the names in `request_check.PLACEHOLDERS`; any other is
refused."""

from django.db.models import QuerySet
from django.http import Http404

from apps.interviews.models import RequestTemplate
from apps.interviews.request_check import (
    DEFAULT_NAME,
    DEFAULT_SUBJECT,
    DEFAULT_TEMPLATE,
    request_template_problems,
    request_text_check,
    request_text_render,
    request_text_values,
)


def request_template_list_for_office(*, office_id: int) -> QuerySet[RequestTemplate]:
    """Active first (the default at the top), then archived."""
    return RequestTemplate.objects.filter(office_id=office_id).order_by(
        "archived_at", "-is_default", "name", "pk"
    )


def request_template_get_for_office(*, office_id: int, pk: int) -> RequestTemplate:
    template = RequestTemplate.objects.filter(office_id=office_id, pk=pk).first()
    if template is None:
        raise Http404
    return template


def request_template_builtin(*, office_id: int) -> RequestTemplate:
    """The wording of an office with no templates of its own; never saved from here."""
    return RequestTemplate(
        office_id=office_id,
        name=str(DEFAULT_NAME),
        subject=DEFAULT_SUBJECT,
        body=DEFAULT_TEMPLATE,
        is_default=True,
    )


def request_template_choices(*, office_id: int) -> list[RequestTemplate]:
    """What the student picks from on the request page, the default first."""
    active = list(
        RequestTemplate.objects.filter(office_id=office_id, archived_at__isnull=True).order_by(
            "-is_default", "name", "pk"
        )
    )
    return active or [request_template_builtin(office_id=office_id)]


SAMPLE = {
    "my_name": "Sam Student",
    "name": "Jordan Lee",
    "organisation": "Harbour Health",
    "field_name": "Health care management",
    "programme": "Economics",
}


def request_template_preview(*, office, subject: str, body: str) -> dict:
    """A template as a student would see it, with sample people: the filled subject
    and body, what is wrong with the placeholders, and the request checker's warnings."""
    problems = request_template_problems(subject) + request_template_problems(body)
    if problems:
        return {"problems": problems, "subject": "", "body": "", "warnings": []}
    values = request_text_values(office_name=office.name, minutes=office.slot_minutes, **SAMPLE)
    filled = request_text_render(body, values)
    return {
        "problems": [],
        "subject": request_text_render(subject, values),
        "body": filled,
        "warnings": request_text_check(filled),
    }
