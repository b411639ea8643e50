import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import OutboundEmail


def _failed(recipient, n=0):
    return OutboundEmail.objects.create(
        dedupe_key=f"test:{recipient.pk}:{n}",
        kind="test",
        recipient=recipient,
        from_email="x@y",
        to=[recipient.email],
        subject=f"Subject {n}",
        text="t",
        due_at=timezone.now(),
        status=OutboundEmail.Status.FAILED,
        attempts=6,
        last_error="SMTPRecipientsRefused: 550 no such user",
    )


def test_admin_sees_failed_emails_of_the_office_only(
    login_as, office_admin, student, other_student
):
    mine = _failed(student)
    _failed(other_student)

    response = login_as(office_admin).get(reverse("office_deliverability"))

    assert list(response.context["failed"]) == [mine]
    assert "550 no such user" in response.content.decode()


def test_retry_puts_the_email_back_in_the_queue(login_as, office_admin, student):
    row = _failed(student)

    response = login_as(office_admin).post(reverse("office_deliverability_retry", args=[row.pk]))

    row.refresh_from_db()
    assert response.status_code == 302
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")


def test_retry_of_another_offices_email_is_404(login_as, other_admin, student):
    row = _failed(student)

    response = login_as(other_admin).post(reverse("office_deliverability_retry", args=[row.pk]))

    row.refresh_from_db()
    assert (response.status_code, row.status) == (404, "failed")


@pytest.mark.parametrize("persona", ["student", "advisor", "alumni"])
def test_deliverability_is_for_office_admins(login_as, request, persona):
    assert (
        login_as(request.getfixturevalue(persona)).get(reverse("office_deliverability")).status_code
        == 403
    )


@pytest.mark.parametrize("count", [1, 3])
def test_deliverability_query_count(
    login_as, office_admin, student, count, django_assert_num_queries
):
    for n in range(count):
        _failed(student, n)
    browser = login_as(office_admin)

    # session, user with office, failed rows with their recipients
    with django_assert_num_queries(3):
        response = browser.get(reverse("office_deliverability"))

    assert len(response.context["failed"]) == count


def test_failed_invitation_is_listed_for_its_office(login_as, office_admin, other_admin):
    from apps.core.outbox import outbox_enqueue

    row = outbox_enqueue(
        key="inv:1",
        kind="accounts/invitation",
        subject="Invite",
        text="t",
        to=["nobody@example.test"],
        office_id=office_admin.office_id,
    )
    OutboundEmail.objects.filter(pk=row.pk).update(status=OutboundEmail.Status.FAILED)

    mine = login_as(office_admin).get(reverse("office_deliverability"))
    theirs = login_as(other_admin).get(reverse("office_deliverability"))

    assert [r.pk for r in mine.context["failed"]] == [row.pk]
    assert list(theirs.context["failed"]) == []


def test_retry_goes_to_the_accounts_current_address(login_as, office_admin, student):
    row = _failed(student)
    student.email = "sam.new@northfield.test"
    student.save(update_fields=["email"])

    login_as(office_admin).post(reverse("office_deliverability_retry", args=[row.pk]))

    row.refresh_from_db()
    assert row.to == ["sam.new@northfield.test"]


# --- Where links lead (issue 13.7) ---------------------------------------------------


def test_deliverability_shows_site_url_that_matches(login_as, office_admin, settings):
    settings.SITE_URL = "https://fieldnotes.example.edu"
    settings.ALLOWED_HOSTS = [".example.edu", "testserver"]

    response = login_as(office_admin).get(reverse("office_deliverability"))

    page = response.content.decode()
    assert "<code>https://fieldnotes.example.edu</code>" in page
    assert "matches this site" in page
    assert "does not match this site" not in page


def test_deliverability_warns_when_site_url_is_not_an_allowed_host(
    login_as, office_admin, settings
):
    settings.SITE_URL = "http://localhost:8001"
    settings.ALLOWED_HOSTS = ["fieldnotes.example.edu", "testserver"]

    response = login_as(office_admin).get(reverse("office_deliverability"))

    page = response.content.decode()
    assert "<code>http://localhost:8001</code>" in page
    assert "does not match this site" in page
    assert "its host is not in ALLOWED_HOSTS" in page
