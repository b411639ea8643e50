"""A request body above MAX_REQUEST_BYTES is refused from its Content-Length with a
413 that says why, before anything reads it (issue 11, finding 5: a 50 MB upload
was read in full before the import refused it)."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from apps.contacts.models import ContactImport


class NeverRead(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("url", ["/contacts/import/", "/office/people/import/", "/accounts/login/"])
def test_a_body_over_the_limit_is_refused_unread(url, student, settings, db):
    browser = Client()
    browser.force_login(student)

    response = browser.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": NeverRead()},
    )

    assert response.status_code == 413
    assert "That was too large to send" in response.content.decode()
    assert ContactImport.objects.count() == 0


def test_a_body_within_the_limit_goes_through(login_as, student):
    response = login_as(student).post(reverse("contact_import"), {"file": ""})

    assert response.status_code == 400  # the form's own answer: no file chosen


def test_a_content_length_that_is_not_a_number_is_left_to_django(student, login_as):
    response = login_as(student).get("/", CONTENT_LENGTH="lots")

    assert response.status_code in (200, 302)
