"""What makes the directory page cheaper to serve keeps it the same page: its rows
are values with the model's own figures, its filter forms share their fields
without sharing a change, and what is kept per process (the filters, the count and
pager) is what would be written afresh for the request."""

import re
from datetime import date

import pytest
from django.http import QueryDict
from django.utils import timezone

from apps.accounts.models import User
from apps.contacts.directory import DirectoryCardRow
from apps.contacts.forms_directory import DirectoryFilterForm
from apps.contacts.models import VolunteerProfile
from apps.contacts.views_directory import (
    directory_filter_options,
    directory_filters_html,
    directory_filters_kept,
)
from apps.contacts.volunteers import EARLIEST_GRADUATION_YEAR
from tests.factories.contacts import volunteer_named
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/directory/"


def test_page_rows_are_values_with_the_models_figures_and_a_user_made_when_asked(
    login_as, office, student, django_assert_num_queries
):
    volunteer_named(office, "Ann Answers", employer="Acme")
    VolunteerProfile.objects.filter(user__full_name="Ann Answers").update(
        requests_received=10, requests_answered=7, response_seconds_total=7 * 30 * 3600
    )
    volunteer_named(office, "Bo New")

    [ann, bo] = login_as(student).get(DIRECTORY).context["page"].object_list

    assert (type(ann), ann.user_full_name, bo.user_full_name) == (
        DirectoryCardRow,
        "Ann Answers",
        "Bo New",
    )
    for row in (ann, bo):
        profile = VolunteerProfile.objects.get(pk=row.pk)
        assert (row.response_rate, row.typical_response_hours) == (
            profile.response_rate,
            profile.typical_response_hours,
        )
    assert (ann.response_rate, ann.typical_response_hours, bo.response_rate) == (70, 30, None)
    # The user is the one select_related with only() gave: its id and name, the rest
    # read when asked for.
    with django_assert_num_queries(0):
        user = ann.user
    assert (type(user), user.pk, user.full_name) == (User, ann.user_id, "Ann Answers")
    assert ann.user is user
    with django_assert_num_queries(1):
        assert user.email == "ann.answers@alumni.test"


def test_filter_forms_share_their_fields_and_not_the_one_a_form_changes(office):
    law = FieldFactory(office=office, name="Law")
    plain = DirectoryFilterForm(None, office_id=office.pk)
    asked = DirectoryFilterForm(QueryDict(f"field={law.pk}&q=tax"), office_id=office.pk)

    assert plain.fields is not asked.fields
    assert plain.fields["q"] is asked.fields["q"] is DirectoryFilterForm.base_fields["q"]
    # The field asked for is looked up in the office's fields, on a copy of its own.
    assert asked.fields["field"] is not DirectoryFilterForm.base_fields["field"]
    assert list(asked.fields["field"].queryset) == [law]
    assert list(plain.fields["field"].queryset) == []
    assert list(DirectoryFilterForm.base_fields["field"].queryset) == []
    assert (asked.filters().field_id, asked.filters().q) == (law.pk, "tax")
    # The year inputs say this year; the class's own fields are left as declared.
    year = timezone.localdate().year
    for name in ("year_from", "year_to"):
        assert plain.fields[name].widget.attrs == {
            "min": EARLIEST_GRADUATION_YEAR,
            "max": year,
            "inputmode": "numeric",
        }
        assert plain.fields[name] is asked.fields[name]
        assert "max" not in DirectoryFilterForm.base_fields[name].widget.attrs


def test_filter_forms_of_a_new_year_offer_it(office, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2031, 1, 1))

    form = DirectoryFilterForm(QueryDict("year_to=2031"), office_id=office.pk)

    assert form.fields["year_to"].widget.attrs["max"] == 2031
    assert form.filters().year_to == 2031


def _form(office, query: str, *, majors=("Maths",), fields=((1, "Law"),)):
    form = DirectoryFilterForm(QueryDict(query) if query else None, office_id=office.pk)
    form.majors, form.field_choices = list(majors), list(fields)
    if form.is_bound:
        form.filters()
    return form


def _written(form, **flags):
    options = directory_filter_options(form)
    return options, directory_filters_html(form, options, **flags)


@pytest.mark.parametrize(
    "query",
    ["", "q=consult", "q=a+%3Cb%3E&location=Oslo&accepting=on", "major=maths&year_from=1"],
)
def test_kept_filters_are_the_filters_written_afresh(office, query):
    flags = {"filters_open": "location" in query, "forgives_typos": True}

    first = directory_filters_kept(_form(office, query), **flags)
    again = directory_filters_kept(_form(office, query), **flags)

    assert again is first
    assert first == _written(_form(office, query), **flags)


def test_kept_filters_follow_what_they_are_made_from(office):
    flags = {"filters_open": False, "forgives_typos": True}
    _options, plain = directory_filters_kept(_form(office, "q=x"), **flags)

    _options, new_major = directory_filters_kept(
        _form(office, "q=x", majors=("Maths", "Physics")), **flags
    )
    _options, new_field = directory_filters_kept(
        _form(office, "q=x", fields=((1, "Law"), (2, "Tax"))), **flags
    )
    _options, wrong_year = directory_filters_kept(_form(office, "q=x&year_from=1"), **flags)
    _options, other_search = directory_filters_kept(_form(office, "q=y"), **flags)
    _options, opened = directory_filters_kept(
        _form(office, "q=x"), filters_open=True, forgives_typos=True
    )

    assert "Physics" not in plain and '<option value="Physics">Physics</option>' in new_major
    assert "Tax" not in plain and '<option value="2">Tax</option>' in new_field
    assert "is-invalid" not in plain and 'id="id_year_from" class="form-control is-invalid"' in (
        wrong_year
    )
    assert 'value="x"' in plain and 'value="y"' in other_search
    assert 'aria-expanded="false"' in plain and 'aria-expanded="true"' in opened


def test_the_pager_keeps_each_requests_own_query_string(login_as, office, student):
    for n in range(25):
        volunteer_named(office, f"Vol {n:02d}")
    browser = login_as(student)

    # The same count and page: only the query string differs.
    plain = browser.get(DIRECTORY, {"page": "2"}).content.decode()
    located = browser.get(DIRECTORY, {"page": "2", "location": ""}).content.decode()
    again = browser.get(DIRECTORY, {"page": "2"}).content.decode()

    def links(html):
        return re.findall(r'href="(\?page=[^"]*)"', html)

    assert "Page 2 of 2" in plain and "Page 2 of 2" in located
    assert links(plain) == ["?page=1"] == links(again)
    assert links(located) == ["?page=1&amp;location="]


def test_the_cards_forms_and_the_layout_share_the_pages_csrf_token(login_as, office, student):
    for n in range(3):
        volunteer_named(office, f"Vol {n}")

    html = login_as(student).get(DIRECTORY).content.decode()

    # Three cards' forms and the layout's sign-out form, and the layout's htmx header.
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    header = re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    assert (len(tokens), len(header), len(set(tokens + header))) == (4, 1, 1)
