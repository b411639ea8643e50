"""Template slots (apps/core/slots.py): a left-hand template places a named slot,
a right-hand app fills it; an empty slot renders nothing."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.html import escape

from apps.core.slots import slot_register, slot_renderer, slot_unregister

TEMPLATE = Template('{% load slots %}[{% slot "tests.thing" obj %}]')


@pytest.fixture
def registered():
    slot_register("tests.thing", lambda request, obj: f"<b>{escape(obj)} for {request.path}</b>")
    yield
    slot_unregister("tests.thing")


def _render(obj, *, request=True) -> str:
    context = {"obj": obj}
    if request:
        context["request"] = RequestFactory().get("/here/")
    return TEMPLATE.render(Context(context))


def test_an_empty_slot_renders_nothing():
    assert _render("pitch") == "[]"


def test_a_filled_slot_renders_its_renderers_html(registered):
    assert _render("pitch & more") == "[<b>pitch &amp; more for /here/</b>]"


def test_without_a_request_or_an_object_it_renders_nothing(registered):
    assert _render("pitch", request=False) == "[]"
    assert _render(None) == "[]"


def test_registering_again_replaces_the_renderer(registered):
    slot_register("tests.thing", lambda request, obj: "second")

    assert _render("pitch") == "[second]"


def test_the_advising_app_fills_the_student_pages_slots():
    names = ("students.pitch", "interviews.questions", "interviews.conversation")

    assert [slot_renderer(name).__module__ for name in names] == ["apps.advising.slots"] * 3
