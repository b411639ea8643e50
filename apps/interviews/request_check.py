"""Server-side checks of a request message, so a student hears before sending that
it reads like a job application. Rules only: no external service sees the text; the
job-ask detector itself is apps.students.job_ask (the pitch editor reads it too)."""

import re
import string

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.students.job_ask import job_ask_phrases, job_ask_warning

MAX_WORDS = 150

_SHORT_ASK = re.compile(
    r"\b(\d{1,2}\s*(-|–|to)?\s*\d{0,2}\s*-?\s*(min|mins|minute|minutes)"
    r"|(short|brief|quick)\s+(call|chat|conversation|meeting|talk)"
    r"|(few|couple\s+of)\s+minutes"
    r"|informational\s+interview)\b",
    re.IGNORECASE,
)


def _subject_and_message(text: str, subject: str) -> str:
    # A sentence of its own: "Job application" as a subject is read too.
    return f"{subject.strip()}\n{text}" if subject.strip() else text


def request_text_asks_for_a_job(text: str, *, subject: str = "") -> bool:
    """The verdict recorded on a request when it is sent (Interview.job_ask_flagged):
    a request that asks for a job is refused unless the student sends it anyway,
    with a reason (services.requests)."""
    return bool(job_ask_phrases(_subject_and_message(text, subject)))


def request_text_check(text: str, *, subject: str = "") -> list[dict]:
    """Warnings for a request message, each {"code", "message"}; empty when fine.
    Only "job_ask" stops a request being sent (without an explicit "send anyway");
    the others are advice."""
    warnings = []
    words = len(text.split())
    phrases = job_ask_phrases(_subject_and_message(text, subject))
    if phrases:
        warnings.append({"code": "job_ask", "message": job_ask_warning(phrases)})
    if words > MAX_WORDS:
        warnings.append(
            {
                "code": "too_long",
                "message": _(
                    "%(n)s words: busy people read short messages. Aim for %(max)s or fewer."
                )
                % {"n": words, "max": MAX_WORDS},
            }
        )
    if words and not _SHORT_ASK.search(text):
        warnings.append(
            {
                "code": "no_short_ask",
                "message": _(
                    "Ask clearly for a short conversation, for example “15 minutes by phone or "
                    "video”, so it is easy to say yes."
                ),
            }
        )
    return warnings


DEFAULT_NAME = gettext_lazy("Standard request")
DEFAULT_SUBJECT = "Informational interview request"
DEFAULT_TEMPLATE = (
    "Dear {name},\n\n"
    "I am {my_name}, {my_programme}. I am exploring a career in {field} and would value "
    "your perspective on how you built your path{organisation_clause}.\n\n"
    "Would you have {minutes} minutes for a short conversation by phone or video in the "
    "coming weeks? I am not looking for a job; I would simply like to learn from your "
    "experience.\n\n"
    "Thank you for considering it,\n"
    "{my_name}"
)

# Every placeholder a template may use, with what it becomes; the office page lists
# them and templates using any other name are refused.
PLACEHOLDERS = {
    "name": gettext_lazy("the person's first name"),
    "full_name": gettext_lazy("the person's full name"),
    "organisation": gettext_lazy("where they work (may be empty)"),
    "organisation_clause": gettext_lazy("“ at <where they work>”, or nothing if unknown"),
    "field": gettext_lazy("the career field the request is about"),
    "minutes": gettext_lazy("the office's usual slot length, in minutes"),
    "my_name": gettext_lazy("the student's name"),
    "my_programme": gettext_lazy("“a <programme> student”, or “a student”"),
    "office": gettext_lazy("the office's name"),
}


def request_template_problems(text: str) -> list[str]:
    """Why an office's template text cannot be used, or nothing. Only the names in
    PLACEHOLDERS, written as {name}; a literal brace is written twice."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return [
            _(
                "A brace is not matched. Write placeholders as {name}, and a brace that "
                "should appear as it is as {{ or }}."
            )
        ]
    problems = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            written = (
                field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            )
            problem = _(
                "{%(text)s} is not a placeholder: write a plain name in braces, such as {name}."
            ) % {"text": written}
        elif field not in PLACEHOLDERS:
            problem = _(
                "{%(name)s} is not a placeholder Fieldnotes knows. Use one of: %(known)s."
            ) % {
                "name": field,
                "known": ", ".join("{" + k + "}" for k in PLACEHOLDERS),
            }
        else:
            continue
        if problem not in problems:
            problems.append(problem)
    return problems


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def request_text_values(
    *,
    my_name: str,
    office_name: str,
    name: str,
    organisation: str,
    field_name: str,
    minutes: int,
    programme: str = "",
) -> dict:
    return {
        "name": name.split(" ")[0] if name else "",
        "full_name": name,
        "organisation": organisation,
        "organisation_clause": f" at {organisation}" if organisation else "",
        "field": field_name or _("your field"),
        "minutes": minutes,
        "my_name": my_name,
        "my_programme": _programme_phrase(programme),
        "office": office_name,
    }


def _programme_phrase(programme: str) -> str:
    """ "an Economics student", "a Biology student", or "a student". The article
    goes by the first letter: right for nearly every programme name."""
    if not programme:
        return _("a student")
    if programme[:1].upper() in "AEIOU":
        return _("an %(programme)s student") % {"programme": programme}
    return _("a %(programme)s student") % {"programme": programme}


def request_text_render(template: str, values: dict) -> str:
    """Unknown placeholders are left as they are."""
    try:
        return template.format_map(_Blank(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        # A stray brace in a template written before they were checked: show it as written.
        return template


def request_text_fill(
    template: str,
    *,
    student,
    name: str,
    organisation: str,
    field_name: str,
    minutes: int,
    programme: str = "",
) -> str:
    """The office's template with the names, field and the usual short ask filled in."""
    return request_text_render(
        template,
        request_text_values(
            my_name=student.full_name,
            office_name=student.office.name,
            name=name,
            organisation=organisation,
            field_name=field_name,
            minutes=minutes,
            programme=programme,
        ),
    )
