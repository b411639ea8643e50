"""render_list: a list page's template may not query (the test settings turn the
check on; production renders whatever happens). The row helpers show what the
template filters they stand for show."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django import forms
from django.http import QueryDict
from django.template import engines
from django.template.defaultfilters import timesince_filter
from django.test import RequestFactory, override_settings
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext_lazy
from zen_queries import QueriesDisabledError

from apps.accounts.models import User
from apps.core.rendering import (
    Kept,
    LocalDates,
    date_shown,
    datetime_shown,
    datetime_zone_shown,
    options_html,
    render_list,
    stencil,
    stencil_filled,
    time_since,
    widget_kept,
)

pytestmark = pytest.mark.django_db

LOCMEM = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {"rows.html": "{% for u in rows %}{{ u.email }};{% endfor %}"},
                )
            ]
        },
    }
]


@override_settings(TEMPLATES=LOCMEM)
def test_a_query_from_the_template_fails_under_the_test_settings(student):
    request = RequestFactory().get("/")

    with pytest.raises(QueriesDisabledError):
        render_list(request, "rows.html", {"rows": User.objects.all()})


@override_settings(TEMPLATES=LOCMEM)
def test_rows_loaded_by_the_view_render(student, django_assert_num_queries):
    request = RequestFactory().get("/")
    rows = list(User.objects.all())

    with django_assert_num_queries(0):
        response = render_list(request, "rows.html", {"rows": rows}, status=201)

    assert (response.status_code, response.content.decode()) == (201, f"{student.email};")


@override_settings(TEMPLATES=LOCMEM, TEMPLATE_QUERIES_FORBIDDEN=False)
def test_production_renders_a_template_that_queries(student):
    request = RequestFactory().get("/")

    response = render_list(request, "rows.html", {"rows": User.objects.all()})

    assert response.content.decode() == f"{student.email};"


@pytest.mark.parametrize("language", ["en", "fr", "de", "ja"])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_datetime_and_date_shown_are_what_the_date_filter_shows(language, zone):
    moments = [
        datetime(2026, month, day, hour, minute, tzinfo=UTC)
        for month, day, hour, minute in [
            (1, 1, 0, 0),
            (2, 28, 23, 59),
            (3, 9, 6, 30),
            (5, 17, 12, 5),
            (7, 4, 18, 45),
            (9, 30, 4, 1),
            (11, 1, 5, 59),
            (12, 31, 23, 30),
        ]
    ] + [datetime(999, 6, 6, 6, 6, tzinfo=UTC) + timedelta(days=400)]
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        for moment in moments:
            local = timezone.localtime(moment)
            assert datetime_shown(moment) == (
                dateformat.format(local, "c"),
                dateformat.format(local, "D j M Y, H:i"),
            )
            assert date_shown(moment) == (
                dateformat.format(local, "c"),
                dateformat.format(local, "j M Y"),
            )
            dates = LocalDates(language)
            assert dates.datetime_shown(moment) == datetime_shown(moment)
            assert dates.date_shown(moment) == date_shown(moment)
            assert (
                dates.datetime_zone_shown(moment)
                == datetime_zone_shown(moment)
                == (
                    dateformat.format(local, "c"),
                    dateformat.format(local, "j M Y, H:i T"),
                )
            )


TIME_SINCE_DELTAS = [
    timedelta(0),
    timedelta(seconds=59),
    timedelta(minutes=1),
    timedelta(minutes=2, seconds=30),
    timedelta(hours=1),
    timedelta(hours=1, minutes=1),
    timedelta(hours=23, minutes=59),
    timedelta(days=1),
    timedelta(days=2, hours=5),
    timedelta(days=6, hours=23),
    timedelta(days=7),
    timedelta(days=15, hours=3),
    timedelta(days=31),
    timedelta(days=45, minutes=10),
    timedelta(days=365),
    timedelta(days=400, hours=7),
    timedelta(days=3000),
    -timedelta(days=2),
]


@pytest.mark.parametrize("language", ["en", "fr", "de", "ru", "ja"])
def test_time_since_is_what_the_timesince_filter_shows(language):
    now = datetime(2026, 12, 3, 17, 41, 20, tzinfo=UTC)
    with translation.override(language):
        for delta in TIME_SINCE_DELTAS:
            assert time_since(now - delta, now) == timesince_filter(now - delta, now)
        # Twice: the second answer comes from the table the first one made.
        for delta in TIME_SINCE_DELTAS:
            assert time_since(now - delta, now) == timesince_filter(now - delta, now)
        assert time_since(None, now) == timesince_filter(None, now) == ""


def test_options_html_writes_what_the_template_loop_wrote():
    choices = [("", "Any"), ("r&d", 'R&D <"labs">'), (3, "Three")]
    loop = engines["django"].from_string(
        '{% for value, label in choices %}<option value="{{ value }}"'
        "{% if value == current %} selected{% endif %}>{{ label }}</option>{% endfor %}"
    )

    for current in ("", "r&d", 3, "missing"):
        assert options_html(choices, current) == loop.render(
            {"choices": choices, "current": current}
        )
    assert options_html([("Econ", "Econ")], "econ", key=str.lower) == (
        '<option value="Econ" selected>Econ</option>'
    )


@pytest.mark.parametrize("number", [1, 2, 5])
@pytest.mark.parametrize("count", [3, 30, 100])
def test_pagination_html_is_the_pagination_template(number, count, rf):
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    from apps.core.rendering import pagination_html

    request = rf.get("/list/", {"q": 'a <b> & "c"', "page": number, "tag": ["x", "y"]})
    page = Paginator(range(count), 20).get_page(number)

    assert pagination_html(request, page) == render_to_string(
        "_pagination.html", {"page": page}, request
    )


def test_a_process_keeps_at_most_so_many_the_oldest_going_first():
    kept = Kept(2)
    for n in range(3):
        kept.put(n, str(n))

    assert [kept.get(n) for n in range(3)] == [None, "1", "2"]


class _Filters(forms.Form):
    colour = forms.ChoiceField(choices=[("", "Any"), ("red", "Red"), ("<b>", "Bold & <i>")])
    year = forms.IntegerField(min_value=1950, required=False)
    size = forms.ChoiceField(required=False)

    def __init__(self, *args, sizes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["size"].choices = sizes


@pytest.mark.parametrize(
    "query",
    ["", "colour=red", "colour=%3Cb%3E&year=2000", "colour=blue&year=1900", "year=x&size=L"],
)
def test_widget_kept_is_what_the_bound_field_writes(query):
    """Written once per value and choices, then read back: the same HTML as
    `{{ form.field }}`, errors (aria-invalid) written afresh each time."""
    sizes = [("S", "Small"), ("L", "Large")]
    for _ in range(2):
        form = _Filters(QueryDict(query), sizes=sizes)
        form.is_valid()
        for name in ("colour", "year", "size"):
            assert widget_kept(form[name], choices=tuple(sizes)) == str(form[name])


def test_widget_kept_follows_the_choices_and_the_language():
    first = _Filters(QueryDict("size=S"), sizes=[("S", "Small")])
    assert widget_kept(first["size"], choices=("v1",)) == str(first["size"])

    changed = _Filters(QueryDict("size=S"), sizes=[("S", "Tiny")])
    assert ">Tiny</option>" in widget_kept(changed["size"], choices=("v2",))

    class Answer(forms.Form):
        answer = forms.ChoiceField(choices=[("y", gettext_lazy("Yes"))])

    with translation.override("de"):
        assert ">Ja</option>" in widget_kept(Answer(QueryDict(""))["answer"])
    with translation.override("en"):
        assert ">Yes</option>" in widget_kept(Answer(QueryDict(""))["answer"])


STENCIL = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "stencil.html": "{% load i18n %}<p>{% translate 'Yes' %}: "
                        "{{ holes.name }}</p>{{ holes.more }}."
                    },
                )
            ]
        },
    }
]


@override_settings(TEMPLATES=STENCIL)
def test_a_stencil_is_rendered_once_per_language_and_filled_each_time():
    with translation.override("de"):
        pieces = stencil("stencil.html", ("name", "more"))
        assert stencil("stencil.html", ("name", "more")) is pieces
        filled = stencil_filled(pieces, {"name": "Ann &amp; Bo", "more": "<b>x</b>"})
    with translation.override("en"):
        english = stencil_filled(
            stencil("stencil.html", ("name", "more")), {"name": "", "more": ""}
        )

    assert pieces == ("<p>Ja: ", "name", "</p>", "more", ".")
    assert filled == "<p>Ja: Ann &amp; Bo</p><b>x</b>."
    assert english == "<p>Yes: </p>."
