"""Every main page of each role passes axe-core's checks (WCAG 2 A and AA: labels,
names, landmarks, headings, contrast, ARIA), on the demo data, at desktop and
phone widths, and is no wider than the screen."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "fieldnotes-demo"


def _pages(role: str) -> list[str]:
    from apps.accounts.models import User
    from apps.followups.models import FollowUp
    from apps.interviews.enums import State
    from apps.interviews.models import Interview

    if role == "student":
        sam = User.objects.get(email="student1@demo.test")
        held = Interview.objects.get(student=sam, state=State.COMPLETED)
        booked = Interview.objects.filter(student=sam, state=State.SCHEDULED).first()
        thanks = FollowUp.objects.get(interview=held, kind="thank_you")
        return [
            "/",
            "/me/profile/",
            "/contacts/",
            f"/contacts/{held.contact_id}/",
            "/contacts/import/",
            "/targets/",
            "/targets/board/",
            "/directory/",
            f"/directory/{held.volunteer_id}/",
            "/interviews/",
            f"/interviews/{held.pk}/",
            f"/interviews/{held.pk}/notes/",
            f"/interviews/{booked.pk}/prepare/",
            f"/interviews/{booked.pk}/meeting/",
            "/network/",
            "/followups/",
            f"/followups/{thanks.pk}/thank-you/",
            "/settings/notifications/",
            "/me/record-access/",
        ]
    if role == "alumni":
        alex = User.objects.get(email="alumni1@demo.test")
        request = Interview.objects.filter(volunteer__user=alex).first()
        return ["/", "/inbox/", f"/inbox/{request.pk}/", "/volunteer/profile/", "/calendar/"]
    sam = User.objects.get(email="student1@demo.test")
    return [
        "/advising/",
        "/advising/?scope=office&flag=stalled",
        f"/advising/students/{sam.pk}/",
        "/advising/dashboard/",
        "/office/people/import/",
        "/settings/notifications/",
        "/office/",
        "/office/people/",
        "/office/people/assign-by-rule/",
        "/office/invitations/",
        "/office/volunteers/",
        "/office/directory/",
        "/office/fields/",
        "/office/request-templates/",
        "/office/questions/",
        "/office/deliverability/",
        "/office/settings/",
        "/office/audit/",
        "/office/sign-on/",
    ]


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


ROLES = [
    ("student", "student1@demo.test"),
    ("alumni", "alumni1@demo.test"),
    ("admin", "admin@demo.test"),
]


# One seed for both widths and every role (each in its own browser context): the
# demo takes seconds to seed, and a transactional test cannot share it across tests.
def test_main_pages_have_no_accessibility_violations(page_for, demo):
    axe = Axe()
    found = {}
    for width in (1280, 390):
        for role, email in ROLES:
            page = page_for(width, 800)
            page.goto("/accounts/login/")
            if problems := _violations(axe.run(page)):
                found[(width, role, "/accounts/login/")] = problems
            log_in(page, email, DEMO_PASSWORD)

            for path in _pages(role):
                response = page.goto(path)
                assert response.status == 200, (width, role, path)
                page.wait_for_load_state("networkidle")
                if problems := _violations(axe.run(page)):
                    found[(width, role, path)] = problems
                # Nothing makes the page wider than the screen (wide tables scroll in
                # their own box or stack into cards).
                if (wide := page.evaluate("document.documentElement.scrollWidth")) > width:
                    found[(width, role, path)] = [("wider than the screen", wide)]
    assert found == {}


def _violations(result) -> list[tuple[str, str, list[str]]]:
    return [
        (v["id"], v["impact"], [node["target"][0] for node in v["nodes"]][:3])
        for v in result.response["violations"]
    ]
