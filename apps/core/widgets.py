"""Form widgets rendered in Python where Django's templates cost too much per use.

Django renders a select through a template that includes another template for
every option and another for every option's attributes: on the People page and
the caseload (a filter of 42 fields, a select of 42 advisors) that was more time
than the page's queries. QuickSelect writes the same HTML, byte for byte
(tests/core/test_widgets.py compares it with Django's), without the templates.
"""

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing
    for False."""
    return "".join(
        format_html(' {}="{}"', name, str(value)) if value is not True else f" {name}"
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in group_choices:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        mark_safe(_attrs(option["attrs"])),  # noqa: S308 - escaped by _attrs
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above
