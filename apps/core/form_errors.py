"""A service's ValidationError, shown on the page: on the form's fields, or as
flash messages."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def form_errors_add(form, exc: ValidationError) -> None:
    """Each field's errors on that field; errors for a field the form does not have,
    and errors for no field, at the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def errors_to_messages(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)
