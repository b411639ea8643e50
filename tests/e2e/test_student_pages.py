"""A student's first pages in a real browser: the live pitch counter and ranking
the target list by drag and drop and by keyboard."""

import pytest

from apps.contacts.models import Contact
from tests.e2e.conftest import log_in
from tests.factories.accounts import PASSWORD
from tests.factories.contacts import ContactFactory
from tests.factories.students import FieldFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ranked(student):
    return list(
        Contact.objects.filter(owner=student, target_rank__isnull=False)
        .order_by("target_rank")
        .values_list("full_name", flat=True)
    )


def test_pitch_counter_updates_as_the_student_types(page_for, student):
    page = page_for(390, 844)
    log_in(page, student.email, PASSWORD)
    page.goto("/me/profile/")

    page.get_by_label("Elevator pitch").fill(" ".join(["word"] * 80))

    assert page.locator("[data-pitch-words]").inner_text() == "80"
    assert page.locator("[data-pitch-seconds]").inner_text() == "32"
    assert page.get_by_text("a good length").is_visible()
    page.get_by_label("Elevator pitch").fill(" ".join(["word"] * 160))
    assert page.get_by_text("long: trim to 150 words or fewer").is_visible()


def test_target_list_reorders_by_drag_and_by_buttons(page_for, student, office):
    field = FieldFactory(office=office, name="Consulting")
    for name in ("Ana", "Ben", "Cy"):
        ContactFactory(student=student, full_name=name, field=field, on_target_list=True)
    page = page_for()
    log_in(page, student.email, PASSWORD)
    page.goto("/targets/")

    cy, ana = (Contact.objects.get(full_name=n).pk for n in ("Cy", "Ana"))
    page.locator(f"#contact-{cy} .drag-handle").drag_to(
        page.locator(f"#contact-{ana}"),
        target_position={"x": 20, "y": 5},
    )
    page.wait_for_load_state("networkidle")
    after_drag = _ranked(student)

    # The script keeps the keyboard buttons in step with the new order.
    assert page.get_by_role("button", name="Move Ben down").is_disabled()
    page.get_by_role("button", name="Move Ana up").click()
    page.wait_for_url("**/targets/#contact-*")

    assert after_drag == ["Cy", "Ana", "Ben"]
    assert _ranked(student) == ["Ana", "Cy", "Ben"]
