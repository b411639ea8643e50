"""request.user read once per request (accounts.middleware.StaffSessionMiddleware,
which reads it for every request anyway): after it, the user itself instead of
AuthenticationMiddleware's SimpleLazyObject, the same person, and signing in and
out work as before."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from apps.accounts.middleware import _evaluated
from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_request_user_is_the_signed_in_user_itself(student, login_as):
    response = login_as(student).get("/me/research/")

    assert response.status_code == 200
    assert type(response.wsgi_request.user) is User
    assert response.wsgi_request.user.pk == student.pk
    assert response.context["user"] is response.wsgi_request.user


def test_request_user_of_a_visitor_is_anonymous(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert type(response.wsgi_request.user) is AnonymousUser


def test_request_user_evaluated_reads_a_lazy_user_once():
    reads = []

    def read():
        reads.append(1)
        return AnonymousUser()

    lazy = SimpleLazyObject(read)

    user = _evaluated(lazy)

    assert type(user) is AnonymousUser and reads == [1]
    assert _evaluated(user) is user
    assert _evaluated(lazy) is user and reads == [1]
