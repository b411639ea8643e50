"""Every URL pattern has a row in tests/security/matrix.py, and every row's answers
hold for every persona, for GET and for an empty POST (issue 11, item 10)."""

import copy
import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import isolated
from tests.security.matrix import (
    ADMIN_ACTIONS,
    ADMIN_GET,
    ADMIN_MODELS,
    ADMIN_NO_ADD,
    ADMIN_POST,
    ADMIN_READ_ONLY,
    ADMIN_ROWS,
    ROWS,
)
from tests.security.world import PERSONAS


def walk(resolver=None, prefix="", namespace=None):
    """(key, route) of every pattern: the key is namespace:name, or the route for an
    unnamed pattern."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern, route, ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name or route, route


def admin_rule(key: str, route: str) -> bool:
    """The Django admin's patterns, classified by the reviewed list in matrix.py
    rather than skipped: a newly registered model, or a new kind of admin page,
    has no rule and fails like any unclassified page."""
    if key in ADMIN_ROWS:
        return True
    match = re.fullmatch(r"admin:(\w+)_(\w+)_(\w+)", key)
    if match and f"{match[1]}.{match[2]}" in ADMIN_MODELS and match[3] in ADMIN_ACTIONS:
        return True
    # Each model admin's unnamed redirect from the old change URL.
    return any(
        route == f"django-admin/{m.replace('.', '/')}/<path:object_id>/" for m in ADMIN_MODELS
    )


def template_row(key: str, route: str) -> str:
    kwargs = ", ".join(f'{k}="..."' for k in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
                       for k in k if k)  # fmt: skip
    sep = ", " if kwargs else ""
    return f'    R("{key}", GET_GROUP, POST_GROUP{sep}{kwargs}),  # {route}'


def test_every_pattern_has_a_row_and_every_row_a_pattern():
    patterns = dict(walk())
    rows = {row.name for row in ROWS}
    missing = [(k, r) for k, r in patterns.items() if k not in rows and not admin_rule(k, r)]
    stale = sorted(rows - set(patterns))
    message = []
    if missing:
        message.append(
            "URL patterns with no row in tests/security/matrix.py; classify each "
            "(paste, pick the groups, name the world's objects):\n"
            + "\n".join(template_row(k, r) for k, r in missing)
        )
    if stale:
        message.append("Rows for no URL pattern (renamed or removed?): " + ", ".join(stale))
    assert not message, "\n\n".join(message)


def test_admin_models_are_the_registered_ones():
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS)


def answer(response) -> str:
    if response.status_code in (301, 302, 303):
        # The admin's own sign-in page sends on to the one sign-in (config/urls.py).
        logins = (resolve_url(settings.LOGIN_URL), reverse("admin:login"))
        return "login" if response["Location"].startswith(logins) else "302"
    return str(response.status_code)


def ask(client, method: str, url: str) -> str:
    # The database is rolled back after each request; the browser's cookies too (a
    # POST to sign out must not sign the persona out of the next row).
    cookies = client.cookies
    client.cookies = copy.deepcopy(cookies)
    try:
        with isolated():
            response = getattr(client, method)(url)
    except Exception as exc:  # noqa: BLE001 - a server error is a finding, reported below
        return f"500 ({type(exc).__name__}: {exc})"
    finally:
        client.cookies = cookies
    if response.streaming:
        # Read to the end, as a WSGI server would: the test client then closes the
        # streamed file (the data export's) with the database connection left alone;
        # response.close() alone would also close the connection, which holds the
        # world's transaction.
        b"".join(response.streaming_content)
    return answer(response)


def resolve_kwargs(world, kwargs: dict) -> dict:
    return {k: getattr(world[v], "pk", world[v]) for k, v in kwargs.items()}


def row_url(world, row) -> str:
    if "/" in row.name or "." in row.name:  # an unnamed pattern, named by its route
        return "/" + row.name
    return reverse(row.name, kwargs=resolve_kwargs(world, row.kwargs))


def check(world, name: str, url: str, expected: dict, method: str) -> list[str]:
    wrong = []
    for persona in PERSONAS:
        got = ask(world.clients[persona], method, url)
        if got != expected[persona]:
            wrong.append(
                f"{method.upper()} {url} as {persona}: {got}, expected {expected[persona]}"
            )
    return wrong


def observed(world, url):
    return [" ".join(ask(world.clients[p], m, url) for p in PERSONAS) for m in ("get", "post")]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_row(in_world, row):
    url = row_url(in_world, row)
    assert row.get is not None and row.post is not None, (
        f"{row.name} is not classified yet; it answers GET / POST: {observed(in_world, url)}"
    )
    wrong = check(in_world, row.name, url, row.get, "get")
    wrong += check(in_world, row.name, url, row.post, "post")
    assert not wrong, "\n".join(wrong)


ADMIN_PAGES = [("admin:index", ADMIN_GET, ADMIN_POST)]
for model in ADMIN_MODELS:
    ADMIN_PAGES.append((f"admin:{model.replace('.', '_')}_changelist", ADMIN_GET, ADMIN_POST))
    add = ADMIN_NO_ADD if model in ADMIN_READ_ONLY else ADMIN_GET
    ADMIN_PAGES.append((f"admin:{model.replace('.', '_')}_add", add, add))


@pytest.mark.parametrize(("name", "get", "post"), ADMIN_PAGES, ids=lambda v: str(v)[:60])
def test_admin_page(in_world, name, get, post):
    """The admin answers the platform superuser only; its patterns are classified by
    rule above, and its index and each model's list and add pages are asked here."""
    url = reverse(name)
    wrong = check(in_world, name, url, get, "get")
    wrong += check(in_world, name, url, post, "post")
    assert not wrong, "\n".join(wrong)
