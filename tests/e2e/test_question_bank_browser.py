"""The office admin's question bank in a real browser: its pages pass axe-core at
desktop and phone widths without widening the phone, and the plain POST buttons
work under the Content-Security-Policy without any script."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from apps.interviews.enums import QuestionTopic
from apps.interviews.models import Question
from tests.e2e.conftest import log_in
from tests.factories.accounts import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pay(office):
    return list(
        Question.objects.filter(office=office, topic=QuestionTopic.PAY, is_active=True)
        .order_by("position", "pk")
        .values_list("text", flat=True)
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_bank_pages_are_accessible_and_fit_a_phone(page_for, office_admin, office, width):
    Question.objects.create(
        office=office,
        topic=QuestionTopic.PATH,
        text="An old question, now retired?",
        is_active=False,
    )
    page = page_for(width, 800)
    log_in(page, office_admin.email, PASSWORD)
    edit = Question.objects.get(is_active=False).pk
    axe = Axe()

    found = {}
    for path in ("/office/questions/", "/office/questions/new/", f"/office/questions/{edit}/"):
        assert page.goto(path).status == 200, path
        page.wait_for_load_state("networkidle")
        violations = [v["id"] for v in axe.run(page).response["violations"]]
        if violations:
            found[path] = violations
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path

    assert found == {}


def test_admin_adds_moves_and_retires_with_plain_buttons(page_for, office_admin, office):
    page = page_for(390, 844)
    log_in(page, office_admin.email, PASSWORD)
    page.goto("/office/questions/")
    first, second = _pay(office)

    page.get_by_role("link", name="Add a question on Pay and benefits").click()
    page.get_by_label("Question").fill("Is the pay negotiable for a first role?")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/office/questions/#question-*")
    page.get_by_role("button", name=f"Move up: {second}").click()
    page.wait_for_url("**/office/questions/#question-*")
    page.get_by_role("button", name=f"Retire {first}").click()
    page.wait_for_url("**/office/questions/#question-*")

    assert _pay(office) == [second, "Is the pay negotiable for a first role?"]
    assert page.get_by_text("Question retired: students no longer see it").is_visible()
