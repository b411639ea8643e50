"""How a view reports a service's ValidationError back to the person: as flash
messages on the page it redirects to, or as errors on the form it re-renders."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def error_messages(request, exc: ValidationError) -> None:
    """Every message of the error, as an error flash message."""
    for text in exc.messages:
        messages.error(request, text)


def form_add_errors(form, exc: ValidationError) -> None:
    """A service's errors on the form: under the field they name when the form has
    it, at the top otherwise."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# Text a person wrote that a redirect would drop (a refused message): kept in the
# session for the page the redirect leads to, once. Bounded: a 10 MB post is not
# copied into the session.
UNSENT_MAX_CHARS = 20_000


def unsent_keep(request, key: str, text: str) -> None:
    if text.strip():
        request.session[f"unsent:{key}"] = text[:UNSENT_MAX_CHARS].replace("\x00", "")


def unsent_take(request, key: str) -> str:
    """The text kept under `key`, removed from the session; "" when none."""
    return request.session.pop(f"unsent:{key}", "") if hasattr(request, "session") else ""
