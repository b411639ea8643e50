import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.test import Client

from apps.accounts.enums import Approval, Role
from apps.accounts.models import Office, User

pytestmark = pytest.mark.django_db

SIGNUP_FORM = {
    "full_name": "Vera Volunteer",
    "email": "Vera@Alumni.test",
    "time_zone": "Asia/Tokyo",
    "password1": "copper-kettle-27",
    "password2": "copper-kettle-27",
}


def test_volunteer_signup_creates_pending_alumni_and_sends_mail(
    office,
    office_admin,
    advisor,
    other_admin,
    client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/northfield/volunteer/", SIGNUP_FORM)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    volunteer = User.objects.get(email="vera@alumni.test")
    assert (
        volunteer.office,
        volunteer.role,
        volunteer.approval,
        volunteer.full_name,
        volunteer.time_zone,
        volunteer.is_office_admin,
    ) == (office, Role.ALUMNI, Approval.PENDING, "Vera Volunteer", "Asia/Tokyo", False)
    assert volunteer.check_password("copper-kettle-27") is True
    address = volunteer.emailaddress_set.get()
    assert (address.email, address.verified, address.primary) == ("vera@alumni.test", False, True)
    assert get_user(client).is_authenticated is False
    assert sorted(m.to[0] for m in mailoutbox) == ["avery@northfield.test", "vera@alumni.test"]
    [verification] = [m for m in mailoutbox if m.to == ["vera@alumni.test"]]
    assert re.search(r"/accounts/confirm-email/[-:\w]+/", verification.body)
    [notice] = [m for m in mailoutbox if m.to == ["avery@northfield.test"]]
    assert notice.subject == "Vera Volunteer offers to be interviewed"
    assert f"{settings.SITE_URL}/office/volunteers/" in notice.body


def test_volunteer_signup_then_verify_lands_on_pending_page(
    office, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/northfield/volunteer/", SIGNUP_FORM)
    link = re.search(r"http://testserver(/accounts/confirm-email/[-:\w]+/)", mailoutbox[0].body)

    response = client.post(link[1], follow=True)

    assert response.redirect_chain[-1] == ("/alumni/pending/", 302)
    assert response.status_code == 200
    assert User.objects.get(email="vera@alumni.test").emailaddress_set.get().verified is True


def test_volunteer_signup_page_shows_the_office(office, client):
    response = client.get("/o/northfield/volunteer/")

    assert response.status_code == 200
    assert "Help students of Northfield University Career Center" in response.content.decode()
    assert response.context["form"].initial == {"time_zone": "America/New_York"}


def test_volunteer_signup_with_a_taken_email_reveals_nothing_and_creates_nothing(
    office, student, client, mailoutbox, django_capture_on_commit_callbacks
):
    users_before = User.objects.count()
    new = Client().post("/o/northfield/volunteer/", SIGNUP_FORM)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/o/northfield/volunteer/", {**SIGNUP_FORM, "email": "SAM@northfield.test"}
        )

    # The same answer as for a new address, so the page does not tell who has an account;
    # the owner of the existing account hears of the attempt by email.
    assert (response.status_code, response["Location"]) == (302, new["Location"])
    assert User.objects.count() == users_before + 1
    assert User.objects.get(email="sam@northfield.test").role == Role.STUDENT
    assert [m.to for m in mailoutbox] == [["sam@northfield.test"]]
    assert "already" in mailoutbox[0].subject.lower()


def test_volunteer_signup_unknown_slug_is_404(office, client):
    assert client.get("/o/no-such-office/volunteer/").status_code == 404
    assert client.post("/o/no-such-office/volunteer/", SIGNUP_FORM).status_code == 404
    assert User.objects.filter(email="vera@alumni.test").exists() is False


def test_volunteer_signup_closed_office_is_404(office, client):
    Office.objects.filter(pk=office.pk).update(accepts_volunteers=False)

    assert client.get("/o/northfield/volunteer/").status_code == 404
    assert client.post("/o/northfield/volunteer/", SIGNUP_FORM).status_code == 404
    assert User.objects.filter(email="vera@alumni.test").exists() is False


def test_volunteer_signup_signed_in_user_is_sent_home(office, student, login_as):
    response = login_as(student).post("/o/northfield/volunteer/", SIGNUP_FORM)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.filter(email="vera@alumni.test").exists() is False


def test_volunteer_list_shows_pending_volunteers(office_admin, pending_alumni, alumni, login_as):
    response = login_as(office_admin).get("/office/volunteers/")

    assert response.status_code == 200
    assert list(response.context["volunteers"]) == [pending_alumni]
    assert response.context["signup_url"] == "http://testserver/o/northfield/volunteer/"


def test_volunteer_admin_approves(
    office_admin, pending_alumni, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(office_admin).post(
            f"/office/volunteers/{pending_alumni.pk}/decide/", {"decision": "approve"}
        )

    assert response.status_code == 302
    assert response["Location"] == "/office/volunteers/"
    pending_alumni.refresh_from_db()
    assert (pending_alumni.approval, pending_alumni.rejection_reason) == (Approval.APPROVED, "")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["pat@alumni.test"]
    assert mailoutbox[0].reply_to == ["avery@northfield.test"]
    assert mailoutbox[0].subject == (
        "You are approved as a volunteer at Northfield University Career Center"
    )
    assert f"{settings.SITE_URL}/accounts/login/" in mailoutbox[0].body


def test_volunteer_approved_alumni_reaches_alumni_home(office_admin, pending_alumni, login_as):
    login_as(office_admin).post(
        f"/office/volunteers/{pending_alumni.pk}/decide/", {"decision": "approve"}
    )

    assert login_as(pending_alumni).get("/alumni/").status_code == 200


@pytest.mark.parametrize("reason", ["", "   "])
def test_volunteer_reject_without_reason_is_refused(
    reason, office_admin, pending_alumni, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    browser = login_as(office_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"/office/volunteers/{pending_alumni.pk}/decide/",
            {"decision": "reject", "reason": reason},
        )

    assert response.status_code == 302
    assert response["Location"] == "/office/volunteers/"
    pending_alumni.refresh_from_db()
    assert (pending_alumni.approval, pending_alumni.rejection_reason) == (Approval.PENDING, "")
    assert mailoutbox == []
    page = browser.get("/office/volunteers/")
    assert [str(m) for m in page.context["messages"]] == [
        "Give a reason when you do not approve a volunteer."
    ]


def test_volunteer_reject_with_reason_tells_the_volunteer_why(
    office_admin, pending_alumni, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(office_admin).post(
            f"/office/volunteers/{pending_alumni.pk}/decide/",
            {"decision": "reject", "reason": "  We only take alumni from the last 10 years.  "},
        )

    assert response.status_code == 302
    pending_alumni.refresh_from_db()
    assert (pending_alumni.approval, pending_alumni.rejection_reason) == (
        Approval.REJECTED,
        "We only take alumni from the last 10 years.",
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["pat@alumni.test"]
    assert mailoutbox[0].subject == "Your volunteer offer to Northfield University Career Center"
    assert "We only take alumni from the last 10 years." in mailoutbox[0].body
    assert "We only take alumni from the last 10 years." in mailoutbox[0].alternatives[0].content


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_volunteer_other_office_admin_cannot_decide(
    decision, pending_alumni, other_admin, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(other_admin).post(
            f"/office/volunteers/{pending_alumni.pk}/decide/",
            {"decision": decision, "reason": "Not ours."},
        )

    assert response.status_code == 404
    pending_alumni.refresh_from_db()
    assert pending_alumni.approval == Approval.PENDING
    assert mailoutbox == []


@pytest.mark.parametrize("persona", ["advisor", "student", "alumni"])
def test_volunteer_non_admin_cannot_decide(persona, request, pending_alumni, login_as):
    response = login_as(request.getfixturevalue(persona)).post(
        f"/office/volunteers/{pending_alumni.pk}/decide/", {"decision": "approve"}
    )

    assert response.status_code == 403
    pending_alumni.refresh_from_db()
    assert pending_alumni.approval == Approval.PENDING
