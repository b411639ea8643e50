"""The signed-in user and office from the process's kept copy (accounts.copies): no
query while neither has changed, and every kind of change (a save, a bulk update, a
deactivation, a new password, the office's settings, an erasure, a deletion) read on
the very next request. The rest of the suite runs with the copies off, so its literal
query counts are those of a request without one."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from apps.accounts import copies
from apps.accounts.backends import AccountBackend, user_with_office
from apps.accounts.copies import office_version_key, user_version_key
from apps.accounts.enums import Role
from apps.accounts.erasure import user_erase
from apps.accounts.models import User
from apps.accounts.services import members_set_active, user_record_activity

pytestmark = pytest.mark.django_db

PAGE = "/me/research/"


@pytest.fixture(autouse=True)
def copies_on():
    cache.clear()
    copies.copies_clear()
    with override_settings(USER_COPY_SECONDS=60):
        yield
    copies.copies_clear()
    cache.clear()


def _read(pk):
    return AccountBackend().get_user(pk)


def _kept(pk, django_assert_num_queries):
    """Read `pk` until its copy is tagged with both tokens (the first read cannot
    know the office's token before it: the second reads again under both)."""
    with django_assert_num_queries(1):
        _read(pk)
    with django_assert_num_queries(1):
        _read(pk)
    with django_assert_num_queries(0):
        return _read(pk)


def test_copies_a_kept_user_and_office_are_read_without_a_query(student, django_assert_num_queries):
    user = _kept(student.pk, django_assert_num_queries)

    assert user.pk == student.pk and user.full_name == "Sam Student"
    with django_assert_num_queries(0):
        assert user.office.name == "Northfield University Career Center"
        assert user.office.pk == student.office_id


def test_copies_each_request_gets_its_own_instances(student, django_assert_num_queries):
    first = _kept(student.pk, django_assert_num_queries)
    first.full_name = "Changed in one request only"
    first.office.name = "Changed in one request only"

    with django_assert_num_queries(0):
        second = _read(student.pk)

    assert second is not first and second.office is not first.office
    assert second.full_name == "Sam Student"
    assert second.office.name == "Northfield University Career Center"


def test_copies_a_saved_user_is_read_again(
    student, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _kept(student.pk, django_assert_num_queries)
    with django_capture_on_commit_callbacks(execute=True):
        student.full_name = "Sam Renamed"
        student.role = Role.ALUMNI
        student.save()

    with django_assert_num_queries(1):
        user = _read(student.pk)

    assert (user.full_name, user.role) == ("Sam Renamed", Role.ALUMNI)


def test_copies_a_change_is_seen_only_after_its_commit(
    student, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Before the commit the token stands (another request would read the old row
    anyway); the commit replaces it."""
    _kept(student.pk, django_assert_num_queries)
    before = cache.get(user_version_key(student.pk))
    with django_capture_on_commit_callbacks() as callbacks:
        User.objects.of_ids([student.pk]).update(full_name="Sam Later")
    assert cache.get(user_version_key(student.pk)) == before

    for callback in callbacks:
        callback()

    assert cache.get(user_version_key(student.pk)) not in (None, before)
    with django_assert_num_queries(1):
        assert _read(student.pk).full_name == "Sam Later"


def test_copies_an_office_change_is_read_again_for_its_members(
    student, office, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _kept(student.pk, django_assert_num_queries)
    with django_capture_on_commit_callbacks(execute=True):
        office.name = "Northfield Careers"
        office.save()

    with django_assert_num_queries(1):
        assert _read(student.pk).office.name == "Northfield Careers"


def test_copies_a_bulk_update_without_ids_reads_them_first(
    student, student2, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _kept(student.pk, django_assert_num_queries)
    _kept(student2.pk, django_assert_num_queries)
    # The ids changed are read first: one query more than the update.
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(2):
        User.objects.filter(office=student.office, role=Role.STUDENT).update(time_zone="Asia/Tokyo")

    with django_assert_num_queries(2):
        assert _read(student.pk).time_zone == "Asia/Tokyo"
        assert _read(student2.pk).time_zone == "Asia/Tokyo"


def test_copies_of_ids_names_them_without_a_query(
    student, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _kept(student.pk, django_assert_num_queries)
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(1):
        user_record_activity(user_id=student.pk, at=student.date_joined)

    with django_assert_num_queries(1):
        assert _read(student.pk).last_activity_at == student.date_joined


def test_copies_a_bulk_update_of_instances_renews_them(
    student, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _kept(student.pk, django_assert_num_queries)
    student.full_name = "Sam Bulk"
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.bulk_update([student], ["full_name"])

    with django_assert_num_queries(1):
        assert _read(student.pk).full_name == "Sam Bulk"


def test_copies_a_deactivated_member_is_signed_out_on_the_next_request(
    student, office_admin, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(student)
    for _ in range(3):  # until the copy is kept
        assert browser.get(PAGE).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        members_set_active(admin=office_admin, member_ids=[student.pk], active=False)

    response = browser.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_copies_a_new_password_signs_out_other_sessions(
    student, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(student)
    for _ in range(3):
        assert browser.get(PAGE).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        student.set_password("a-new-and-long-password")
        student.save()

    response = browser.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_copies_an_erased_account_is_read_again(
    student, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _kept(student.pk, django_assert_num_queries)
    with django_capture_on_commit_callbacks(execute=True):
        assert user_erase(student)

    assert _read(student.pk) is None  # inactive: nobody signs in as it
    assert User.objects.get(pk=student.pk).erased_at is not None


def test_copies_a_deleted_user_is_gone(
    student, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from tests.factories.accounts import UserFactory

    other = UserFactory(office=student.office)
    _kept(other.pk, django_assert_num_queries)
    with django_capture_on_commit_callbacks(execute=True):
        other.delete()

    with django_assert_num_queries(1):
        assert _read(other.pk) is None
    assert other.pk not in copies._kept


def test_copies_a_change_during_the_read_leaves_the_copy_under_the_old_token(
    student, django_assert_num_queries, monkeypatch, django_capture_on_commit_callbacks
):
    """The row read, then its change committed before the copy is kept: the copy is
    tagged with the token read before the row, which the change replaced."""
    _kept(student.pk, django_assert_num_queries)
    cache.delete(user_version_key(student.pk))  # so that this read is a fresh one
    real_row = user_with_office.row

    def row_then_changed(pk):
        row = real_row(pk)
        with django_capture_on_commit_callbacks(execute=True):
            User.objects.of_ids([pk]).update(full_name="Sam Meanwhile")
        return row

    monkeypatch.setattr(user_with_office, "row", row_then_changed)
    assert _read(student.pk).full_name == "Sam Student"  # the row read before the change
    monkeypatch.undo()

    with django_assert_num_queries(1):
        assert _read(student.pk).full_name == "Sam Meanwhile"


def test_copies_a_lost_office_token_reads_again(student, django_assert_num_queries):
    _kept(student.pk, django_assert_num_queries)
    cache.delete(office_version_key(student.office_id))

    with django_assert_num_queries(1):
        _read(student.pk)


def test_copies_are_used_for_at_most_user_copy_seconds(
    student, django_assert_num_queries, monkeypatch
):
    _kept(student.pk, django_assert_num_queries)
    now = copies.time.monotonic()
    monkeypatch.setattr(copies.time, "monotonic", lambda: now + 61)

    with django_assert_num_queries(1):
        _read(student.pk)


def test_copies_without_the_cache_the_user_is_read_from_the_database(
    student, django_assert_num_queries, monkeypatch
):
    _kept(student.pk, django_assert_num_queries)

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(copies.cache, "get_many", unreachable)
    with django_assert_num_queries(1):
        assert _read(student.pk).pk == student.pk


def test_copies_off_every_request_reads_the_database(student, django_assert_num_queries):
    with override_settings(USER_COPY_SECONDS=0):
        for _ in range(3):
            with django_assert_num_queries(1):
                assert _read(student.pk).pk == student.pk
    assert copies._kept == {}


def test_copies_a_page_asks_one_query_less_once_kept(student, login_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = login_as(student)
    counts = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(PAGE).status_code == 200
        counts.append(len(queries))

    # The first two read the user (the second under the office's token, too).
    assert counts == [counts[0], counts[0], counts[0] - 1]
    assert not any('FROM "accounts_user"' in q["sql"] for q in queries)
