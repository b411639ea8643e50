"""QuickSelect writes exactly the HTML of Django's Select, without its templates."""

import pytest
from django import forms

from apps.core.widgets import QuickSelect

CHOICES = [
    ("", "Any"),
    ("a&b", "Arts & <Business>"),
    (3, "Three"),
    ("x", 'Quote "x"'),
]


@pytest.mark.parametrize("value", [None, "", "a&b", 3, "3", "missing"])
@pytest.mark.parametrize(
    "attrs", [None, {"class": "form-select"}, {"class": "form-select", "required": True}]
)
def test_quick_select_renders_as_djangos_select(value, attrs):
    quick = QuickSelect(attrs=attrs, choices=CHOICES)
    django = forms.Select(attrs=attrs, choices=CHOICES)

    assert quick.render("pick", value, attrs={"id": "id_pick"}) == django.render(
        "pick", value, attrs={"id": "id_pick"}
    )


def test_quick_select_renders_groups_as_djangos_select():
    choices = [("Group <1>", [(1, "One"), (2, "Two")]), (3, "Three")]

    assert QuickSelect(choices=choices).render("g", 2) == forms.Select(choices=choices).render(
        "g", 2
    )


def test_quick_select_in_a_form_field_renders_as_djangos(db):
    class Form(forms.Form):
        quick = forms.ChoiceField(choices=CHOICES, widget=QuickSelect, required=False)
        plain = forms.ChoiceField(choices=CHOICES, required=False)

    form = Form({"quick": "a&b", "plain": "a&b"})

    assert str(form["quick"]).replace("quick", "X") == str(form["plain"]).replace("plain", "X")
