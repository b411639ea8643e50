"""Template slots: how a page of an app on the left shows what an app on its right
knows about the thing on that page.

A left-hand template places a named slot beside a thing, `{% slot "students.pitch"
profile %}` (`{% load slots %}`). An app further right registers one renderer per
slot name from its `AppConfig.ready()`: a plain function `(request, obj) -> str`
returning safe HTML (a rendered template). With no renderer registered the slot
renders nothing, so the left-hand app neither imports nor knows who fills it.

A renderer decides who may see what itself: it gets the request, and the thing the
page shows (which the page already let through its own scoped selector); it
returns "" for anyone who may see nothing. It should make a small, fixed number of
queries, because a page may place its slot in a loop.

docs/decisions/0004-template-slots.md says why this, and not a denormalised field,
an event, an htmx panel or the right-hand app's own page.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

Renderer = Callable[[HttpRequest, Any], str]

_renderers: dict[str, Renderer] = {}


def slot_register(name: str, renderer: Renderer) -> None:
    """Fill the slot `name` with `renderer(request, obj)`. One renderer per slot:
    registering again replaces it (ready() may run more than once in tests)."""
    _renderers[name] = renderer


def slot_unregister(name: str) -> None:
    _renderers.pop(name, None)


def slot_renderer(name: str) -> Renderer | None:
    return _renderers.get(name)


def slot_render(name: str, *, request: HttpRequest | None, obj: Any) -> SafeString:
    """What the slot shows: the renderer's HTML, or nothing when no app filled the
    slot, the page has no request (an email) or there is no object."""
    renderer = _renderers.get(name)
    if renderer is None or request is None or obj is None:
        return mark_safe("")
    # The renderer returns a rendered template, already escaped.
    return mark_safe(renderer(request, obj))
