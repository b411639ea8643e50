"""Every main page of each role passes axe-core's checks (WCAG 2 A and AA: labels,
names, landmarks, headings, contrast, ARIA), on the demo data, at desktop and
phone widths, and is no wider than the screen."""

import io
import re

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
            # The account menu, opened (axe checks only what shows): its links sit
            # in the dark navigation bar but on the menu's light background.
            if page.locator(".navbar-toggler").is_visible():
                page.locator(".navbar-toggler").click()
                page.locator("#nav-main.show").wait_for()  # collapse opened and settled
            page.locator(".navbar .dropdown-toggle").click()
            page.locator(".navbar .dropdown-menu.show").wait_for()
            if problems := _violations(axe.run(page)) + _faint_menu_items(page):
                found[(width, role, "account menu")] = problems

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


def _faint_menu_items(page) -> list[tuple[str, float]]:
    """The open menu's links and buttons whose text is below AA contrast against
    the menu (axe leaves a semi-transparent colour over a positioned menu
    undecided, so it is measured here)."""
    colours = page.eval_on_selector_all(
        ".navbar .dropdown-menu.show .dropdown-item",
        """items => items.map(item => [item.textContent.trim(), getComputedStyle(item).color,
            getComputedStyle(item.closest('.dropdown-menu')).backgroundColor])""",
    )
    assert colours, "the open menu has no items"
    faint = []
    for text, colour, background in colours:
        ratio = contrast(_rgba(colour), _rgba(background))
        if ratio < 4.5:
            faint.append((text, round(ratio, 2)))
    return faint


def _rgba(css: str) -> tuple[float, float, float, float]:
    parts = [float(n) for n in re.findall(r"[\d.]+", css)]
    return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)


def contrast(foreground, background) -> float:
    """WCAG 2 contrast ratio; the foreground's alpha blended over the background."""
    alpha = foreground[3]
    blended = [
        alpha * f + (1 - alpha) * b for f, b in zip(foreground[:3], background[:3], strict=True)
    ]

    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(blended), luminance(background[:3])), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_wcags_ratio():
    assert contrast((0, 0, 0, 1), (255, 255, 255, 1)) == 21
    assert contrast((255, 255, 255, 0.9), (255, 255, 255, 1)) == 1
    assert round(contrast((118, 118, 118, 1), (255, 255, 255, 1)), 2) == 4.54


def _violations(result) -> list[tuple[str, str, list[str]]]:
    return [
        (v["id"], v["impact"], [node["target"][0] for node in v["nodes"]][:3])
        for v in result.response["violations"]
    ]
