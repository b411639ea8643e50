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
