"""The list helpers in core: a row's path from one reverse, and choice labels from a
table made once per language. Both must give exactly what Django gives."""

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from apps.contacts.enums import Format
from apps.core.links import path_for_pk, route_path, route_path_for_pk
from apps.core.models import choice_label
from apps.interviews.enums import EventKind, State
from apps.interviews.models import Interview, InterviewEvent


@pytest.mark.parametrize("name", ["interview_detail", "inbox_detail", "interview_request_contact"])
@pytest.mark.parametrize("pk", [1, 7, 98765, 9_876_543_210])
def test_path_for_pk_is_what_reverse_gives(name, pk):
    assert path_for_pk(name)(pk) == reverse(name, args=[pk])


def test_path_for_pk_refuses_a_route_without_a_pk_and_a_pk_that_is_no_number():
    with pytest.raises(NoReverseMatch):
        path_for_pk("inbox")
    with pytest.raises(ValueError):
        path_for_pk("inbox_detail")("1/../../admin")


@pytest.mark.parametrize("name", ["inbox", "followup_list", "student_profile", "referral_map"])
def test_route_path_is_what_reverse_gives(name):
    assert route_path(name) == reverse(name)
    assert route_path(name) == reverse(name)  # and again, from what it kept


@pytest.mark.parametrize("name", ["interview_detail", "inbox_detail", "followup_thank_you"])
@pytest.mark.parametrize("pk", [1, 7, 98765, 9_876_543_210])
def test_route_path_for_pk_is_what_reverse_gives(name, pk):
    assert route_path_for_pk(name, pk) == reverse(name, args=[pk])


def test_route_paths_follow_the_script_prefix():
    """Kept per script prefix (a site served under /careers/), not once for all."""
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    route_path("inbox"), route_path_for_pk("inbox_detail", 3)
    set_script_prefix("/careers/")
    try:
        moved = route_path("inbox"), route_path_for_pk("inbox_detail", 3)
    finally:
        set_script_prefix(before)

    assert moved == ("/careers/inbox/", "/careers/inbox/3/")
    assert (route_path("inbox"), route_path_for_pk("inbox_detail", 3)) == ("/inbox/", "/inbox/3/")


def test_route_path_for_pk_refuses_a_pk_that_is_no_number():
    with pytest.raises(ValueError):
        route_path_for_pk("inbox_detail", "1/../../admin")


@pytest.mark.parametrize("value", [*State.values, *Format.values, "", None, "no-such-state"])
def test_choice_label_is_what_django_displays(value):
    field = "format" if value in Format.values else "state"
    choices = Format if field == "format" else State
    interview = Interview(**{field: value})
    django_display = Interview._meta.get_field(field).flatchoices
    expected = dict(django_display).get(value, value)

    assert choice_label(choices, value) == (str(expected) if expected is not None else None)
    assert getattr(interview, f"get_{field}_display")() == choice_label(choices, value)


@pytest.mark.parametrize("value", [*EventKind.values, "", "no-such-kind"])
def test_event_kind_label_is_what_django_displays(value):
    expected = dict(InterviewEvent._meta.get_field("kind").flatchoices).get(value, value)

    assert InterviewEvent(kind=value).get_kind_display() == str(expected)


def test_choice_label_follows_the_active_language():
    with translation.override("en"):
        english = choice_label(State, State.COMPLETED)
    with translation.override("fr"):
        other = choice_label(State, State.COMPLETED)
        expected = str(State.COMPLETED.label)

    assert english == "Held"
    assert other == expected
