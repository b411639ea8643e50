"""Form fields the apps share."""

from django import forms

from apps.core.models import LARGEST_ID


class IdChoices(forms.ModelMultipleChoiceField):
    """Rows to tick (a ModelMultipleChoiceField). An id no row can have is refused as
    any unknown choice is, before it reaches the database (SQLite cannot even bind
    it: a 500)."""

    def _check_values(self, value):
        for pk in value:
            try:
                out_of_range = not 0 < int(pk) <= LARGEST_ID
            except (TypeError, ValueError):
                continue  # not a number: Django's own message below
            if out_of_range:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)
