"""Server-side checks of a request message, so a student hears before sending that
it reads like a job application. Rules only: no external service sees the text."""

import re

from django.utils.translation import gettext as _

MAX_WORDS = 150

# Asking for a job, an internship or a referral to one: the single biggest mistake
# of an informational interview.
_JOB_ASK = re.compile(
    r"\b("
    r"(any|open|current|available)\s+(job|jobs|positions?|roles?|openings?|vacanc(y|ies))"
    r"|(job|internship|position|role)\s+(opening|openings|opportunit(y|ies)|offer)"
    r"|hire\s+me|hiring|get\s+hired|employ\s+me"
    r"|(give|offer|find|get)\s+me\s+(a|an)\s+(job|internship|position|role)"
    r"|(refer|recommend)\s+me\s+(for|to)\s+(a|an|the)?\s*(job|role|position|internship|opening)"
    r"|(looking|searching|applying)\s+for\s+(a|an)\s+(job|internship|position)"
    r"|(my|attached)\s+(cv|résumé|resume)"
    r"|apply\s+(for|to)\s+(a|an|the|your)"
    r")\b",
    re.IGNORECASE,
)
_SHORT_ASK = re.compile(
    r"\b(\d{1,2}\s*(-|–|to)?\s*\d{0,2}\s*-?\s*(min|mins|minute|minutes)"
    r"|(short|brief|quick)\s+(call|chat|conversation|meeting|talk)"
    r"|(few|couple\s+of)\s+minutes"
    r"|informational\s+interview)\b",
    re.IGNORECASE,
)


_NEGATED = re.compile(r"\b(not|never|no|\w+n't)\s+(\w+\s+){0,3}$", re.IGNORECASE)


def _asks_for_a_job(text: str) -> bool:
    """A job ask, unless it is denied: "I am not looking for a job" is the right thing
    to say."""
    return any(
        not _NEGATED.search(text[max(0, m.start() - 40) : m.start()])
        for m in _JOB_ASK.finditer(text)
    )


def request_text_check(text: str) -> list[dict]:
    """Warnings for a request message, each {"code", "message"}; empty when fine.
    The student may still send."""
    warnings = []
    words = len(text.split())
    if _asks_for_a_job(text):
        warnings.append(
            {
                "code": "job_ask",
                "message": _(
                    "This reads like a request for a job or internship. Informational interviews "
                    "are for advice and information; people feel used when asked for a job. "
                    "Ask about their work and path instead."
                ),
            }
        )
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


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


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
    """The office's template with the names, field and the usual short ask filled in.
    Unknown placeholders are left as they are."""
    values = _Blank(
        name=name.split(" ")[0] if name else "",
        full_name=name,
        organisation=organisation,
        organisation_clause=f" at {organisation}" if organisation else "",
        field=field_name or _("your field"),
        minutes=minutes,
        my_name=student.full_name,
        my_programme=(_("a %(programme)s student") % {"programme": programme})
        if programme
        else _("a student"),
        office=student.office.name,
    )
    try:
        return template.format_map(values)
    except (ValueError, IndexError):
        # A stray brace in an office's template: show it as written.
        return template
