"""Whole flows in a real browser, with real email over SMTP."""

import pytest

from apps.accounts.enums import Approval
from apps.accounts.models import User
from tests.e2e.conftest import Mailbox, log_in
from tests.factories.accounts import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_invites_a_student_who_signs_up_by_the_emailed_link(
    page_for, smtp, office_admin, office
):
    admin_page = page_for()
    log_in(admin_page, office_admin.email, PASSWORD)
    admin_page.goto("/office/invitations/")
    admin_page.get_by_label("Email address").fill("new.student@northfield.test")
    admin_page.get_by_label("Role").select_option("student")
    admin_page.get_by_role("button", name="Send invitation").click()
    admin_page.get_by_text("Invitation sent to new.student@northfield.test").wait_for()

    mail = smtp.wait_for("new.student@northfield.test")
    assert mail["Subject"] == "You are invited to Northfield University Career Center on Fieldnotes"
    assert mail["Reply-To"] == office_admin.email
    link = Mailbox.first_link(mail)

    student_page = page_for(390, 844)
    student_page.goto(link)
    student_page.get_by_label("Full name").fill("Nia Newcomer")
    student_page.locator("#id_password1").fill("a-long-unusual-passphrase")
    student_page.locator("#id_password2").fill("a-long-unusual-passphrase")
    student_page.get_by_role("button", name="Create my account").click()
    student_page.wait_for_url("**/student/")

    assert student_page.get_by_role("heading", name="Welcome, Nia").is_visible()
    user = User.objects.get(email="new.student@northfield.test")
    assert (user.office, user.role) == (office, "student")
    # The link works once.
    again = student_page.goto(link)
    assert again.status == 410


def test_volunteer_signs_up_verifies_and_is_approved(page_for, smtp, office, office_admin):
    page = page_for()
    page.goto(f"/o/{office.slug}/volunteer/")
    page.get_by_label("Full name").fill("Val Volunteer")
    page.get_by_label("Email address").fill("val@alumni.test")
    page.locator("#id_password1").fill("another-long-passphrase")
    page.locator("#id_password2").fill("another-long-passphrase")
    page.get_by_role("button", name="Offer to be interviewed").click()
    page.wait_for_load_state("networkidle")

    confirm = smtp.wait_for("val@alumni.test")
    smtp.wait_for(office_admin.email)
    page.goto(Mailbox.first_link(confirm))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/alumni/pending/")
    assert page.get_by_role("heading", name="Thank you for volunteering").is_visible()

    admin_page = page_for()
    log_in(admin_page, office_admin.email, PASSWORD)
    admin_page.goto("/office/volunteers/")
    admin_page.get_by_role("button", name="Approve", exact=True).click()
    admin_page.get_by_text("Val Volunteer is approved").wait_for()

    approved = [m for m in smtp.messages if m["Subject"].startswith("You are approved")]
    assert [m["To"] for m in approved] == ["val@alumni.test"]
    assert User.objects.get(email="val@alumni.test").approval == Approval.APPROVED
    page.goto("/alumni/")
    assert page.url.endswith("/alumni/")
