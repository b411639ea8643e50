"""The layout's language attribute and messages ({% html_lang %}, {% site_messages %}
in templates/base.html): byte for byte what `{{ LANGUAGE_CODE|default:'en' }}` and
`{% include "_partials/messages.html" %}` rendered, with and without messages, for a
visitor and a signed-in person."""

import re
from pathlib import Path

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from apps.accounts.models import User
from apps.accounts.templatetags.site_layout import no_messages_html

pytestmark = pytest.mark.django_db

# base.html as it was before its parts were kept, with the include and the variable.
ORIGINAL_BASE = (Path(__file__).parent / "base_before_kept_parts.html").read_text()
PAGE = (
    "{% extends base %}{% block head_title %}A <page>{% endblock %}"
    "{% block content %}<p>{{ user.email }}</p>{% endblock %}"
)


@pytest.fixture(autouse=True)
def _cold():
    no_messages_html.cache_clear()
    yield
    no_messages_html.cache_clear()


def _request(user, added=()):
    http = RequestFactory().get("/contacts/")
    http.user = User.objects.select_related("office").get(pk=user.pk) if user else AnonymousUser()
    http.session = SessionStore()
    http._messages = FallbackStorage(http)
    for level, text in added:
        messages.add_message(http, level, text)
    return http


def _render(base, http, extra=None) -> str:
    html = engines["django"].from_string(PAGE).render({"base": base, **(extra or {})}, http)
    html = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "TOKEN", html)
    return re.sub(r'"X-CSRFToken": "\w+"', "TOKEN", html)


ADDED = {
    "none": (),
    "one": ((messages.SUCCESS, "Research note saved."),),
    "several": (
        (messages.ERROR, "That did not <work>."),
        (messages.INFO, "Noted."),
        (messages.WARNING, "Careful & quick."),
    ),
}


@pytest.mark.parametrize("persona", ["student", None])
@pytest.mark.parametrize("added", sorted(ADDED))
def test_layout_tags_render_what_the_include_and_variable_rendered(persona, added, request):
    user = request.getfixturevalue(persona) if persona else None
    original_base = engines["django"].from_string(ORIGINAL_BASE).template

    with translation.override("en"):
        original = _render(original_base, _request(user, ADDED[added]))
        cold = _render("base.html", _request(user, ADDED[added]))
        warm = _render("base.html", _request(user, ADDED[added]))

    assert cold == original
    assert warm == original
    assert original.startswith('<!DOCTYPE html>\n<html lang="en">')
    for _level, text in ADDED[added]:
        assert text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in cold


def test_layout_tags_a_language_code_a_view_passes_is_used(student):
    original_base = engines["django"].from_string(ORIGINAL_BASE).template
    extra = {"LANGUAGE_CODE": "de"}

    with translation.override("en"):
        original = _render(original_base, _request(student), extra)
        ours = _render("base.html", _request(student), extra)

    assert ours == original
    assert '<html lang="de">' in ours
