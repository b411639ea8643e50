"""The version of an office's membership (accounts.selectors.members_version), under
which the People page and the caseload cache their counts: a new one after every
commit that changes who is in the office, never before the commit."""

import pytest

from apps.accounts.selectors import members_version
from apps.accounts.services import members_changed, user_create
from apps.advising.rights import account_erase

pytestmark = pytest.mark.django_db


def test_the_version_is_stable_until_the_membership_changes(office, other_office):
    first = members_version(office_id=office.pk)

    assert members_version(office_id=office.pk) == first
    assert members_version(office_id=other_office.pk) != first


def test_a_change_gives_a_new_version_only_once_committed(
    office, other_office, django_capture_on_commit_callbacks
):
    first = members_version(office_id=office.pk)
    theirs = members_version(office_id=other_office.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        members_changed(office_id=office.pk)
    assert members_version(office_id=office.pk) == first
    for callback in callbacks:
        callback()

    assert members_version(office_id=office.pk) != first
    assert members_version(office_id=other_office.pk) == theirs


def test_a_new_member_changes_the_version(office, django_capture_on_commit_callbacks):
    first = members_version(office_id=office.pk)

    with django_capture_on_commit_callbacks(execute=True):
        user_create(office=office, email="new@northfield.test", full_name="Noor", password=None)

    assert members_version(office_id=office.pk) != first


def test_an_erasure_changes_the_version(office, student, django_capture_on_commit_callbacks):
    first = members_version(office_id=office.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert account_erase(user_id=student.pk, reason="asked") is True

    assert members_version(office_id=office.pk) != first


def test_an_account_without_an_office_changes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        members_changed(office_id=None)

    assert callbacks == []
