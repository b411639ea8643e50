"""The People page's selects (core.widgets.QuickSelect) write exactly the HTML of
Django's Select, and QuickNumberInput that of its NumberInput: on the People page,
the caseload's filters and the dashboard's."""

from datetime import date

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.advising.forms import CaseloadFilterForm
from apps.advising.forms_dashboard import DashboardFilterForm
from apps.advising.forms_people import (
    AssignmentRuleForm,
    PeopleBulkForm,
    PeopleFilterForm,
    QuickCheckboxInput,
)
from apps.core.widgets import QuickNumberInput, QuickSelect
from tests.factories.students import FieldFactory

CHOICES = [
    ("", gettext_lazy("Any")),
    ("a&b", "Arts & <Business>"),
    (3, "Three"),
    ("x", 'Quote "x"'),
    (None, "None"),
    ("3", "Three again"),
    ("safe", mark_safe("<b>Safe</b>")),
]


@pytest.mark.parametrize("value", [None, "", "a&b", 3, "3", "missing", ["x", "3"]])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"class": "form-select"},
        {"class": "form-select", "required": True, "disabled": False, "data-x": 'a"b'},
    ],
)
def test_people_select_renders_as_djangos_select(value, attrs):
    ours = QuickSelect(attrs=attrs, choices=CHOICES)
    django = forms.Select(attrs=attrs, choices=CHOICES)

    assert ours.render("pick", value, attrs={"id": "id_pick"}) == django.render(
        "pick", value, attrs={"id": "id_pick"}
    )


def test_people_select_renders_groups_as_djangos_select():
    choices = [("Group <1>", [(1, "One"), (2, "Two")]), (3, "Three")]

    assert QuickSelect(choices=choices).render("g", 2) == forms.Select(choices=choices).render(
        "g", 2
    )


@pytest.mark.parametrize(
    "data", [{}, {"role": "student", "status": "deactivated", "programme": "Law & <Politics>"}]
)
def test_the_filter_forms_selects_render_as_djangos(data):
    form = PeopleFilterForm(data, programmes=["Economics", "Law & <Politics>"])
    form.is_valid()

    for name in ("role", "status", "programme"):
        field = form.fields[name]
        django = forms.Select(attrs=field.widget.attrs, choices=field.choices)
        bound = form[name]
        assert str(bound) == bound.as_widget(widget=django), name


def test_the_bulk_forms_selects_render_as_djangos(office_admin, advisor):
    advisors = User.objects.filter(pk__in=[office_admin.pk, advisor.pk]).order_by("pk")
    forms_ = [
        PeopleBulkForm(advisors=advisors, advisor_choices=[(a.pk, str(a)) for a in advisors]),
        PeopleBulkForm({"action": "assign", "advisor": advisor.pk}, advisors=advisors),
    ]

    for form in forms_:
        form.is_valid()
        for name in ("action", "advisor"):
            field = form.fields[name]
            django = forms.Select(attrs=field.widget.attrs, choices=field.choices)
            bound = form[name]
            assert str(bound) == bound.as_widget(widget=django), name


def test_the_rule_forms_advisor_select_reads_its_queryset_as_djangos(office_admin, advisor):
    """As many queries as Django's Select (list() of a ModelChoiceIterator would
    add a COUNT)."""

    def rendered(widget=None):
        advisors = User.objects.filter(pk__in=[office_admin.pk, advisor.pk]).order_by("pk")
        form = AssignmentRuleForm({"advisor": advisor.pk}, programmes=["Law"], advisors=advisors)
        field = form.fields["advisor"]
        if widget is not None:
            field.widget = widget(attrs=field.widget.attrs, choices=field.choices)
        with CaptureQueriesContext(connection) as queries:
            html = str(form["advisor"])
        return html, len(queries)

    ours, django = rendered(), rendered(forms.Select)

    assert ours == django
    assert f'<option value="{advisor.pk}" selected>Dana Advisor</option>' in ours[0]


@pytest.mark.parametrize("value", [None, "", "2027", 2027, 'x"<y>&', mark_safe("<b>")])
@pytest.mark.parametrize(
    "attrs",
    [None, {"class": "form-control", "min": 1950, "max": "2100", "required": True, "x": False}],
)
def test_people_number_input_renders_as_djangos(value, attrs):
    ours = QuickNumberInput(attrs=attrs)
    django = forms.NumberInput(attrs=attrs)

    assert ours.render("year", value, attrs={"id": "id_year"}) == django.render(
        "year", value, attrs={"id": "id_year"}
    )


FILTER_DATA = [
    {},
    {"programme": "Law & <Politics>", "year": "2027", "scope": "office", "stage": "met"},
    {"year": "abc", "flag": "stalled", "field": "7"},
    {"year": "1900", "programme": "nowhere"},
]


@pytest.mark.parametrize("data", FILTER_DATA)
def test_the_caseload_filters_render_as_djangos(data, office):
    field = FieldFactory(office=office, name="R&D <labs>")
    form = CaseloadFilterForm(
        {**data, "field": str(field.pk)} if "field" in data else data,
        programmes=["Economics", "Law & <Politics>"],
        fields=[(field.pk, field.name)],
    )
    form.is_valid()

    for name in ("scope", "programme", "year", "field", "stage", "flag"):
        _assert_as_djangos(form, name)


@pytest.mark.parametrize("data", FILTER_DATA)
def test_the_dashboard_filters_render_as_djangos(data):
    form = DashboardFilterForm(
        data, programmes=["Economics", "Law & <Politics>"], today=date(2026, 3, 3)
    )
    form.is_valid()

    for name in ("programme", "year"):
        _assert_as_djangos(form, name)


def _assert_as_djangos(form, name):
    field = form.fields[name]
    if isinstance(field.widget, forms.Select):
        django = forms.Select(attrs=field.widget.attrs, choices=field.choices)
    else:
        django = forms.NumberInput(attrs=field.widget.attrs)
    bound = form[name]
    assert str(bound) == bound.as_widget(widget=django), name


@pytest.mark.parametrize("value", [None, "", True, False, "on", 'x"<y>&', 0, 1])
@pytest.mark.parametrize(
    "attrs", [None, {"class": "form-check-input", "required": True, "disabled": False}]
)
def test_people_checkbox_renders_as_djangos(value, attrs):
    ours = QuickCheckboxInput(attrs=attrs)
    django = forms.CheckboxInput(attrs=attrs)

    assert ours.render("without_advisor", value, attrs={"id": "id_x"}) == django.render(
        "without_advisor", value, attrs={"id": "id_x"}
    )


@pytest.mark.parametrize(
    "data", [{}, {"year": "2027", "without_advisor": "on"}, {"year": "abc", "without_advisor": ""}]
)
def test_the_filter_forms_year_and_checkbox_render_as_djangos(data):
    form = PeopleFilterForm(data, programmes=["Economics"])
    form.is_valid()

    for name, django in (("year", forms.NumberInput), ("without_advisor", forms.CheckboxInput)):
        bound = form[name]
        assert str(bound) == bound.as_widget(widget=django(attrs=bound.field.widget.attrs)), name
