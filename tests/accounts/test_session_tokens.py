"""The session and the signed-in user's version tokens in one cache round trip
(accounts.middleware.SessionMiddleware with accounts.copies), as production runs:
`cached_db` sessions and kept copies on. Once a process has seen a session, a page
asks the cache once, not twice; and everything the separate reads guaranteed still
holds on the very next request: a deactivated member, a new password, a changed
office, a revoked session, another person signed in, a cache that is down."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import override_settings

from apps.accounts import copies
from apps.accounts.services import members_set_active

pytestmark = pytest.mark.django_db

PAGE = "/me/research/"


@pytest.fixture(autouse=True)
def production_sessions():
    cache.clear()
    copies.copies_clear()
    with override_settings(
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db", USER_COPY_SECONDS=60
    ):
        yield
    copies.copies_clear()
    cache.clear()


@pytest.fixture
def cache_reads(monkeypatch):
    """Each cache read a request makes, as the list of keys it asked for."""
    reads = []
    real_get, real_get_many = cache.get, cache.get_many
    # The in-memory cache (the tests' without Redis) makes get_many of gets, which
    # would be counted as reads of their own: one get_many is one round trip.
    inside_get_many = []

    def get(key, *args, **kwargs):
        if not inside_get_many:
            reads.append([key])
        return real_get(key, *args, **kwargs)

    def get_many(keys, *args, **kwargs):
        keys = list(keys)
        reads.append(keys)
        inside_get_many.append(True)
        try:
            return real_get_many(keys, *args, **kwargs)
        finally:
            inside_get_many.pop()

    monkeypatch.setattr(cache, "get", get)
    monkeypatch.setattr(cache, "get_many", get_many)
    return reads


def _warm(browser, times=3):
    """Until the process has seen the session and keeps the user under both tokens."""
    for _ in range(times):
        assert browser.get(PAGE).status_code == 200


def test_session_tokens_a_seen_session_and_its_user_are_one_round_trip(
    student, login_as, cache_reads, django_assert_num_queries
):
    browser = login_as(student)
    _warm(browser)
    session_key = browser.cookies["sessionid"].value

    cache_reads.clear()
    with django_assert_num_queries(1):  # the page's own notes; no session, no user
        response = browser.get(PAGE)

    assert response.status_code == 200
    assert response.context["user"].pk == student.pk
    assert cache_reads == [
        [
            f"django.contrib.sessions.cached_db{session_key}",
            copies.user_version_key(student.pk),
            copies.office_version_key(student.office_id),
        ]
    ]


def test_session_tokens_a_session_not_seen_yet_reads_as_before(student, login_as, cache_reads):
    browser = login_as(student)
    _warm(browser)
    copies.copies_clear()  # as a process that has not seen it (another worker)
    session_key = browser.cookies["sessionid"].value

    cache_reads.clear()
    assert browser.get(PAGE).status_code == 200

    assert cache_reads[0] == [f"django.contrib.sessions.cached_db{session_key}"]
    assert cache_reads[1] == [copies.user_version_key(student.pk)]


def test_session_tokens_a_deactivated_member_is_signed_out_on_the_next_request(
    student, office_admin, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(student)
    _warm(browser)

    with django_capture_on_commit_callbacks(execute=True):
        members_set_active(admin=office_admin, member_ids=[student.pk], active=False)

    response = browser.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_session_tokens_a_new_password_signs_out_the_session(
    student, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(student)
    _warm(browser)

    with django_capture_on_commit_callbacks(execute=True):
        student.set_password("a-new-and-long-password")
        student.save()

    response = browser.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_session_tokens_an_office_change_shows_on_the_next_request(
    student, office, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(student)
    _warm(browser)

    with django_capture_on_commit_callbacks(execute=True):
        office.name = "Northfield Careers"
        office.save()

    assert "Northfield Careers" in browser.get(PAGE).content.decode()


def test_session_tokens_a_revoked_session_is_signed_out(student, login_as):
    """Server-side revocation: the session deleted from the database and the cache."""
    browser = login_as(student)
    _warm(browser)
    session_key = browser.cookies["sessionid"].value

    Session.objects.filter(session_key=session_key).delete()
    cache.delete(f"django.contrib.sessions.cached_db{session_key}")

    response = browser.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_session_tokens_a_session_gone_from_the_cache_is_read_from_the_database(
    student, login_as, cache_reads
):
    browser = login_as(student)
    _warm(browser)
    session_key = browser.cookies["sessionid"].value
    cache.delete(f"django.contrib.sessions.cached_db{session_key}")

    response = browser.get(PAGE)

    assert response.status_code == 200
    assert response.context["user"].pk == student.pk
    assert cache.get(f"django.contrib.sessions.cached_db{session_key}") is not None


def test_session_tokens_are_used_only_for_the_user_the_session_holds(
    student, student2, login_as, cache_reads
):
    """A session this process remembers as one person's, now holding another's (as
    if signed in again under the same key): the tokens read with it are not used."""
    browser = login_as(student)
    _warm(browser)
    session_key = browser.cookies["sessionid"].value
    other = login_as(student2)
    _warm(other)
    copies.session_user_seen(session_key, student2.pk)  # the process's hint, now wrong

    cache_reads.clear()
    response = browser.get(PAGE)

    assert response.status_code == 200
    assert response.context["user"].pk == student.pk
    assert cache_reads[0][1:] == [
        copies.user_version_key(student2.pk),
        copies.office_version_key(student2.office_id),
    ]
    # The user's own tokens asked for separately.
    assert [copies.user_version_key(student.pk), copies.office_version_key(student.office_id)] in (
        cache_reads
    )


def test_session_tokens_do_not_outlive_their_request(student, login_as):
    browser = login_as(student)
    _warm(browser)

    assert browser.get(PAGE).status_code == 200

    assert copies._prefetched.get() is None


def test_session_tokens_unused_by_a_request_are_dropped_with_it(student, login_as, monkeypatch):
    """A request that never reads its user (a redirect before authentication, say)
    leaves nothing for the next one."""
    from apps.accounts import middleware

    browser = login_as(student)
    _warm(browser)
    left = []
    real = middleware.SessionMiddleware.process_response

    def process_response(self, request, response):
        left.append(copies._prefetched.get())
        return real(self, request, response)

    monkeypatch.setattr(middleware.SessionMiddleware, "process_response", process_response)
    monkeypatch.setattr(copies, "_tokens", lambda user_id, keys: cache.get_many(keys))
    assert browser.get(PAGE).status_code == 200

    assert left[0] is not None and left[0].user_id == student.pk  # read, never used
    assert copies._prefetched.get() is None


def test_session_tokens_without_the_cache_the_page_still_opens(
    student, login_as, monkeypatch, django_assert_num_queries
):
    browser = login_as(student)
    _warm(browser)

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    monkeypatch.setattr(cache, "get", unreachable)
    # cached_db reads the session from the database; the user from the database.
    with django_assert_num_queries(3):
        response = browser.get(PAGE)

    assert response.status_code == 200
    assert response.context["user"].pk == student.pk


def test_session_tokens_signed_out_pages_read_no_tokens(client, cache_reads):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert cache_reads == []


def test_session_tokens_off_with_the_copies(student, login_as, cache_reads):
    with override_settings(USER_COPY_SECONDS=0):
        browser = login_as(student)
        _warm(browser)
        session_key = browser.cookies["sessionid"].value
        cache_reads.clear()
        assert browser.get(PAGE).status_code == 200

    assert cache_reads == [[f"django.contrib.sessions.cached_db{session_key}"]]


def test_session_tokens_sessions_are_signed_as_django_signs_them():
    """Sessions are signed with a salt made from the store's class name: the store
    that reads with the tokens must read and write what every other one does."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    from apps.accounts.middleware import _store_read_with_tokens

    ours = _store_read_with_tokens(SessionStore)

    assert ours().key_salt == SessionStore().key_salt
    assert SessionStore().decode(ours().encode({"seen": 1})) == {"seen": 1}
    assert ours().decode(SessionStore().encode({"seen": 2})) == {"seen": 2}
