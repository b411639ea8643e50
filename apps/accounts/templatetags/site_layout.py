"""The layout's header, footer and fixed parts (templates/base.html), rendered once
per process.

Every page draws them, and Django's template engine spent most of the floor page's
template time on them (the navigation loop, eight `{% url %}`, a dozen
translations). What they show depends on little: the language, the role, whether
the person is an office admin or has an office, the active tab. Each is rendered
once per such key (a bounded LRU) with *holes* where the request's own values go
(the person's name, email and office, the CSRF token, the time zone), and every
request fills the holes, escaped. No person's data is ever rendered into what is
kept, so nothing stale or another person's can show: a rename is on the next page.
"""

import html
import re
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from apps.accounts.context_processors import nav_active, nav_items, nav_links
from apps.core.rendering import csrf_input_html

register = template.Library()

# A hole's marker. Escaped text cannot hold "<", so no value filled in can be
# mistaken for one; the templates' own text (markup, translations) holds none.
_HOLE = "<!--hole:{}-->"
_HOLE_SPLIT = re.compile(r"<!--hole:(\w+)-->")


def _stencil(template_name: str, context: dict, holes: tuple[str, ...]) -> tuple[str, ...]:
    """The template rendered with a marker in each hole, split at the markers:
    literal HTML at even indexes, hole names at odd ones."""
    markers = {hole: mark_safe(_HOLE.format(hole)) for hole in holes}
    return tuple(_HOLE_SPLIT.split(get_template(template_name).render({**context, **markers})))


def _escaped(value) -> str:
    """conditional_escape(value), without its wrappers for lazy text: what
    escape() does for anything that is not already HTML."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _fill(pieces: tuple[str, ...], values: dict) -> SafeString:
    return mark_safe(
        "".join(
            piece if index % 2 == 0 else _escaped(values[piece])
            for index, piece in enumerate(pieces)
        )
    )


def _kept(maxsize: int):
    """Render once per key and process (a bounded LRU); on every call under DEBUG,
    so that an edited template shows without a restart (the dev server does not
    restart for templates)."""

    def decorate(render):
        cached = lru_cache(maxsize=maxsize)(render)

        def pieces(*key):
            return render(*key) if settings.DEBUG else cached(*key)

        pieces.cache_info = cached.cache_info
        pieces.cache_clear = cached.cache_clear
        return pieces

    return decorate


# Keys: a handful of roles × two flags × about ten tabs, per language.
@_kept(maxsize=256)
def header_pieces(
    language: str,
    authenticated: bool,
    role: str | None,
    is_office_admin: bool,
    has_office: bool,
    active: int | None,
    urlconf: str,
    prefix: str,
) -> tuple[str, ...]:
    links = nav_links(role, is_office_admin, urlconf, prefix) if has_office else ()
    with translation.override(language):
        return _stencil(
            "_partials/site_header.html",
            {
                "authenticated": authenticated,
                "role": role,
                "has_office": has_office,
                "nav_items": nav_items(links, active),
            },
            ("short_name", "email", "office_name", "csrf_input"),
        )


@_kept(maxsize=16)
def footer_pieces(language: str, authenticated: bool) -> tuple[str, ...]:
    with translation.override(language):
        return _stencil("_partials/site_footer.html", {"authenticated": authenticated}, ("TZ",))


# Keys: a few layout parts per language.
@_kept(maxsize=32)
def kept_part_html(language: str, template_name: str) -> str:
    with translation.override(language):
        return get_template(template_name).render({})


@register.simple_tag
def kept_part(template_name: str) -> SafeString:
    """A part of the layout that depends on nothing but the language (its style
    sheets, scripts and skip link: `{% static %}` and `{% translate %}` tags that
    cost each page more than the rest of the layout), rendered once per process
    and language. It is rendered without the request's context: a part that needs
    any of it does not belong here."""
    return mark_safe(kept_part_html(translation.get_language(), template_name))


def _csrf_input(context) -> str:
    """What {% csrf_token %} renders: the request's own token in its hidden input."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return CsrfTokenNode().render(context)  # Django's answer for no token
    return mark_safe(csrf_input_html(token))


@register.simple_tag(takes_context=True)
def site_header(context) -> SafeString:
    user = context.get("user")
    language = translation.get_language()
    urlconf, prefix = get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    if user is None or not user.is_authenticated:
        return _fill(header_pieces(language, False, None, False, False, None, urlconf, prefix), {})
    role, is_office_admin, office_id = user.role, user.is_office_admin, user.office_id
    has_office = office_id is not None
    active = None
    if has_office:
        request = context.get("request")
        links = nav_links(role, is_office_admin, urlconf, prefix)
        active = nav_active(links, request.path) if request is not None else None
    pieces = header_pieces(
        language, True, role, is_office_admin, has_office, active, urlconf, prefix
    )
    return _fill(
        pieces,
        {
            "short_name": user.get_short_name(),
            "email": user.email,
            "office_name": user.office.name if has_office else "",
            "csrf_input": _csrf_input(context),
        },
    )


@register.simple_tag(takes_context=True)
def site_footer(context) -> SafeString:
    user = context.get("user")
    authenticated = user is not None and user.is_authenticated
    pieces = footer_pieces(translation.get_language(), authenticated)
    return _fill(pieces, {"TZ": str(timezone.get_current_timezone())} if authenticated else {})


@register.simple_tag(takes_context=True)
def html_lang(context) -> str:
    """`{{ LANGUAGE_CODE|default:'en' }}` without the failed lookup (and the
    exceptions it raises) on every page: no context processor sets LANGUAGE_CODE,
    so it is "en" unless a view passes one."""
    return context.get("LANGUAGE_CODE") or "en"


@_kept(maxsize=1)
def no_messages_html() -> str:
    return get_template("_partials/messages.html").render({"messages": ()})


@register.simple_tag(takes_context=True)
def site_messages(context) -> SafeString:
    """`{% include "_partials/messages.html" %}`, with what the partial renders when
    there is no message to show (most pages) kept once per process: the same test
    of the messages as its `{% if messages %}`, else the partial in this context."""
    if not context.get("messages"):
        return mark_safe(no_messages_html())
    partial = context.template.engine.get_template("_partials/messages.html")
    with context.push():
        return partial.render(context)


class _OfficePath:
    """What the office tabs read of the request: its path."""

    def __init__(self, path: str):
        self.path = path


# Keys: the office pages' paths (a page with an id in its path is one more).
@_kept(maxsize=128)
def office_nav_html(language: str, urlconf: str, prefix: str, path: str) -> str:
    with translation.override(language):
        return get_template("accounts/_office_nav.html").render({"request": _OfficePath(path)})


@register.simple_tag(takes_context=True)
def office_nav(context) -> SafeString:
    """The office pages' tabs (accounts/_office_nav.html: thirteen `{% url %}` and
    their tests of the path). They read nothing of the request but its path, so they
    are rendered once per process, language, URL conf, script prefix and path."""
    return mark_safe(
        office_nav_html(
            translation.get_language(),
            get_urlconf() or settings.ROOT_URLCONF,
            get_script_prefix(),
            context["request"].path,
        )
    )
