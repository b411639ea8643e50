"""Form widgets rendered in Python where Django's templates cost too much per use.

Django renders a select through a template that includes another template for
every option and another for every option's attributes: on the People page, the
caseload and the dashboard (a filter of 42 fields, a select of 42 advisors) that
was more time than the pages' queries. QuickSelect and QuickNumberInput write the
same HTML, byte for byte (tests/core/test_widgets.py and
tests/advising/test_people_select.py compare them with Django's), each option or
attribute with one f-string instead of templates, option dictionaries and
format_html.
"""

from html import escape

from django import forms
from django.utils.safestring import mark_safe


def _escaped(value) -> str:
    """What format_html makes of a value (conditional_escape), without its lazy
    wrapper's cost per call."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing
    for False."""
    return "".join(
        f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        # Through iter(): list() would ask a ModelChoiceIterator its len(), a COUNT.
        choices = list(iter(self.choices))
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return self._render_groups(name, value, attrs)
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        values = self.format_value(value)
        parts = [f'<select name="{_escaped(name)}"', _attrs(attrs), ">"]
        has_selected = False
        for option_value, label in choices:
            if option_value is None:
                option_value = ""
            selected = (not has_selected or self.allow_multiple_selected) and str(
                option_value
            ) in values
            has_selected |= selected
            parts.append(
                f'\n  <option value="{_escaped(str(option_value))}"'
                f"{' selected' if selected else ''}>{_escaped(label)}</option>\n"
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above

    def _render_groups(self, name, value, attrs):
        """Choices in groups (<optgroup>s), from Django's own option dictionaries."""
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_escaped(widget["name"])}"', _attrs(widget["attrs"]), ">"]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_escaped(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{_escaped(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{_escaped(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


class QuickNumberInput(forms.NumberInput):
    """Django's NumberInput, byte for byte, written with one f-string instead of its
    template and the attributes' include (the caseload's and the dashboard's year
    filter)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<input type="{_escaped(widget["type"])}" name="{_escaped(widget["name"])}"']
        if widget["value"] is not None:
            parts.append(f' value="{_escaped(widget["value"])}"')
        parts.append(_attrs(widget["attrs"]))
        parts.append(">")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above
