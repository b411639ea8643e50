"""The server errors and wrong answers the matrix and the fuzz tests found, each
pinned by the smallest case (issue 11, item 10)."""

import pytest
from django.urls import reverse

from tests.security.conftest import isolated


@pytest.mark.parametrize("next_url", ["dashboard", "a b", "a\x00b", "/ok\r\nX: y", "//evil.test/"])
def test_a_next_that_is_not_a_path_of_this_site_goes_to_the_default(in_world, next_url):
    """`next=dashboard` was taken for a URL name by redirect() and was a 500."""
    url = reverse("office_invitation_resend", kwargs={"pk": in_world["invitation"].pk})
    with isolated():
        response = in_world.clients["admin"].post(url, {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == reverse("office_invitations")


def test_a_next_that_is_a_path_of_this_site_is_followed(in_world):
    url = reverse("office_invitation_resend", kwargs={"pk": in_world["invitation"].pk})
    with isolated():
        response = in_world.clients["admin"].post(url, {"next": "/office/?page=2"})

    assert response["Location"] == "/office/?page=2"


def test_booking_another_students_interview_is_a_404_whatever_was_posted(in_world):
    url = reverse("interview_book", kwargs={"pk": in_world["interview"].pk})
    with isolated():
        response = in_world.clients["student2"].post(url, {"slot": "not a number"})

    assert response.status_code == 404


def test_moving_another_offices_bank_question_is_a_404_whatever_was_posted(in_world):
    url = reverse("office_question_move", kwargs={"pk": in_world["bank_question"].pk})
    with isolated():
        response = in_world.clients["o_admin"].post(url, {"direction": "sideways"})

    assert response.status_code == 404
