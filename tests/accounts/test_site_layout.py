"""The layout's header and footer (accounts.templatetags.site_layout): rendered once
per process for each (language, role, flags, active tab), with the request's own
name, email, office, CSRF token and time zone filled in on every page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from django.utils.functional import lazy

from apps.accounts import context_processors
from apps.accounts.context_processors import NavEntry
from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.accounts.services import user_create, user_update_profile
from apps.accounts.templatetags.site_layout import footer_pieces, header_pieces, kept_part_html
from tests.factories.accounts import PASSWORD, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

# The header and footer as base.html wrote them before they were kept: what the
# tags must still render, to the byte, for every persona.
ORIGINAL_LAYOUT = (Path(__file__).parent / "site_layout_original.html").read_text().rstrip("\n")
KEPT_LAYOUT = "{% load site_layout %}{% site_header %}\n  <main></main>\n  {% site_footer %}"

MENU = ["/profile/", "/settings/notifications/"]
STUDENT_MENU = ["/profile/", "/calendar/", "/settings/notifications/", "/me/record-access/"]
ALUMNI_MENU = ["/profile/", "/calendar/", "/settings/notifications/"]


@pytest.fixture(autouse=True)
def _empty_layout_caches():
    # Each test starts from a cold process, so what one test kept cannot answer the
    # next one's question.
    for kept in (header_pieces, footer_pieces, kept_part_html, context_processors.nav_links):
        kept.cache_clear()
    yield
    for kept in (header_pieces, footer_pieces, kept_part_html, context_processors.nav_links):
        kept.cache_clear()


@pytest.fixture
def superuser(db):
    """A platform superuser: signed in, no office, so no navigation."""
    return user_create(
        office=None,
        email="root@fieldnotes.test",
        full_name="Platform Root",
        password=PASSWORD,
        email_verified=True,
        is_superuser=True,
    )


def _header(response) -> dict:
    html = response.content.decode()
    main_nav = re.search(r'<ul class="navbar-nav me-auto">(.*?)</ul>', html, re.S)
    account = re.search(r'<span class="dropdown-item-text[^"]*">(.*?)</span>', html)
    toggle = re.search(
        r'data-bs-toggle="dropdown" aria-expanded="false">\s*<i[^>]*></i> (.*?)\n', html
    )
    menu = re.search(r'<ul class="dropdown-menu dropdown-menu-end">(.*?)</ul>', html, re.S)
    return {
        "nav": re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', main_nav[1])
        if main_nav
        else [],
        "active": re.findall(
            r'<a class="nav-link active" href="([^"]+)" aria-current="page">', main_nav[1]
        )
        if main_nav
        else [],
        "name": toggle[1] if toggle else None,
        "account": account[1] if account else None,
        "menu": re.findall(r'<a class="dropdown-item" href="([^"]+)"', menu[1]) if menu else [],
        "sign_out": '<form method="post" action="/accounts/logout/">' in html,
        "footer_zone": re.findall(r"<span>Times shown in (.*?)</span>", html),
    }


@pytest.mark.parametrize(
    ("persona", "path", "nav", "active", "menu"),
    [
        (
            "student",
            "/contacts/",
            [
                "/student/",
                "/me/profile/",
                "/contacts/",
                "/targets/",
                "/directory/",
                "/interviews/",
                "/network/",
                "/followups/",
            ],
            ["/contacts/"],
            STUDENT_MENU,
        ),
        (
            "alumni",
            "/inbox/",
            ["/alumni/", "/inbox/", "/volunteer/profile/"],
            ["/inbox/"],
            ALUMNI_MENU,
        ),
        (
            "advisor",
            "/advising/dashboard/",
            ["/advising/", "/advising/dashboard/"],
            ["/advising/dashboard/"],
            MENU,
        ),
        (
            "office_admin",
            "/office/people/",
            ["/advising/", "/advising/dashboard/", "/office/"],
            ["/office/"],
            MENU,
        ),
    ],
)
def test_header_each_role_shows_its_links_active_tab_and_own_account(
    persona, path, nav, active, menu, request, login_as
):
    user = request.getfixturevalue(persona)

    response = login_as(user).get(path)

    assert response.status_code == 200
    assert _header(response) == {
        "nav": nav,
        "active": active,
        "name": user.full_name.split(" ")[0],
        "account": f"{user.email}<br>Northfield University Career Center",
        "menu": menu,
        "sign_out": True,
        "footer_zone": [user.time_zone],
    }


def test_header_a_superuser_without_an_office_has_no_navigation_and_no_office(superuser):
    browser = Client()
    browser.force_login(superuser)

    response = browser.get("/profile/")

    assert response.status_code == 200
    assert _header(response) == {
        "nav": [],
        "active": [],
        "name": "Platform",
        "account": "root@fieldnotes.test",
        # The role field's default: the menu is the student's, as it always was.
        "menu": STUDENT_MENU,
        "sign_out": True,
        "footer_zone": ["UTC"],
    }


def test_header_a_visitor_has_no_navigation_account_or_zone(nobody):
    response = nobody.get("/accounts/login/")

    assert response.status_code == 200
    assert _header(response) == {
        "nav": [],
        "active": [],
        "name": None,
        "account": None,
        "menu": [],
        "sign_out": False,
        "footer_zone": [],
    }


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("student", "/contacts/"),
        ("student", "/me/research/"),
        ("alumni", "/inbox/"),
        ("advisor", "/advising/dashboard/"),
        ("office_admin", "/office/people/"),
        ("superuser", "/profile/"),
        (None, "/accounts/login/"),
    ],
)
def test_layout_renders_what_the_original_markup_rendered_to_the_byte(persona, path, request):
    user = request.getfixturevalue(persona) if persona else None
    http = RequestFactory().get(path)
    if user is not None:
        http.user = User.objects.select_related("office").get(pk=user.pk)
    else:
        http.user = AnonymousUser()
    engine = engines["django"]

    def render(source: str) -> str:
        # Both render the request's CSRF token, masked afresh each time: compare
        # everything else.
        html = engine.from_string(source).render({}, http)
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "TOKEN", html)

    with translation.override("en"):
        original = render(ORIGINAL_LAYOUT)
        kept_cold, kept_warm = render(KEPT_LAYOUT), render(KEPT_LAYOUT)

    assert kept_cold == original
    assert kept_warm == original


def test_header_two_people_of_one_role_in_a_row_each_see_only_their_own(
    student, student2, login_as
):
    other = UserFactory(
        office=OfficeFactory(name="Westgate Careers", slug="westgate"),
        email="wes@westgate.test",
        full_name="Wes Westgate",
    )

    pages = [login_as(person).get("/contacts/") for person in (student, student2, other)]

    # One rendering of the student's header served all three.
    assert header_pieces.cache_info().misses == 1
    assert header_pieces.cache_info().hits == 2
    assert [_header(page)["name"] for page in pages] == ["Sam", "Priya", "Wes"]
    assert [_header(page)["account"] for page in pages] == [
        "sam@northfield.test<br>Northfield University Career Center",
        "priya@northfield.test<br>Northfield University Career Center",
        "wes@westgate.test<br>Westgate Careers",
    ]
    for page, strangers in zip(
        pages,
        [("Priya", "Wes", "westgate"), ("Sam", "Wes", "westgate"), ("Sam", "Priya", "Northfield")],
        strict=True,
    ):
        html = page.content.decode()
        assert [stranger for stranger in strangers if stranger in html] == []


def test_header_a_rename_and_a_new_time_zone_show_on_the_next_page(student, login_as):
    browser = login_as(student)
    browser.get("/contacts/")

    user_update_profile(user=student, full_name="Samira Student", time_zone="Asia/Tokyo")
    page = _header(browser.get("/contacts/"))

    assert (page["name"], page["footer_zone"]) == ("Samira", ["Asia/Tokyo"])


def test_header_a_new_office_admin_sees_the_office_tab_on_the_next_page(advisor, login_as):
    browser = login_as(advisor)
    before = _header(browser.get("/advising/"))["nav"]

    User.objects.filter(pk=advisor.pk).update(is_office_admin=True)
    after = _header(browser.get("/advising/"))["nav"]

    assert before == ["/advising/", "/advising/dashboard/"]
    assert after == ["/advising/", "/advising/dashboard/", "/office/"]


def _language_now() -> str:
    return f"label in {translation.get_language()}"


@override_settings(LANGUAGES=[("en", "English"), ("de", "German")])
def test_header_is_rendered_in_each_requests_own_language(student, login_as, monkeypatch):
    # Fieldnotes has one language so far: a label that says which language it was
    # rendered in stands for a translated one.
    label = lazy(_language_now, str)()
    monkeypatch.setitem(
        context_processors.NAVIGATION, Role.STUDENT, [NavEntry("contact_list", label)]
    )
    browser = login_as(student)

    pages = [
        browser.get("/contacts/", headers={"accept-language": language}).content.decode()
        for language in ("en", "de", "en")
    ]

    labels = [re.findall(r'aria-current="page">(.*?)</a>', page) for page in pages]
    assert labels == [["label in en"], ["label in de"], ["label in en"]]


def test_header_escapes_what_people_typed(office, login_as):
    office.name = "R&D <Careers>"
    office.save()
    person = UserFactory(
        office=office,
        email="x@northfield.test",
        full_name="<!--hole:email--><script>alert(1)</script> Smith",
    )

    html = login_as(person).get("/contacts/").content.decode()

    assert "<script>alert" not in html
    assert "&lt;!--hole:email--&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n" in html
    assert "R&amp;D &lt;Careers&gt;" in html


def test_header_csrf_token_is_each_requests_own_and_signs_out(student, student2):
    browsers = {}
    for person in (student, student2):
        browsers[person.pk] = Client(enforce_csrf_checks=True)
        browsers[person.pk].force_login(person)
    tokens = {}
    for pk, browser in browsers.items():
        html = browser.get("/contacts/").content.decode()
        form = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', html)[1]
        header = re.search(r'hx-headers=\'\{"X-CSRFToken": "(\w+)"\}\'', html)[1]
        tokens[pk] = form
        assert form == header

    # Each browser's token is its own: another's is refused, its own signs it out.
    refused = browsers[student.pk].post(
        "/accounts/logout/", {"csrfmiddlewaretoken": tokens[student2.pk]}
    )
    signed_out = browsers[student.pk].post(
        "/accounts/logout/", {"csrfmiddlewaretoken": tokens[student.pk]}
    )

    assert refused.status_code == 403
    assert signed_out.status_code == 302
    assert "_auth_user_id" not in browsers[student.pk].session
    assert "_auth_user_id" in browsers[student2.pk].session


def test_header_cache_is_bounded(student, login_as):
    login_as(student).get("/contacts/")

    for prefix in range(300):
        header_pieces(
            "en", True, "student", False, True, None, settings.ROOT_URLCONF, f"/p{prefix}/"
        )

    assert header_pieces.cache_info().maxsize == 256
    assert header_pieces.cache_info().currsize == 256
    assert footer_pieces.cache_info().maxsize == 16


@override_settings(DEBUG=True)
def test_header_under_debug_is_rendered_afresh_for_an_edited_template(student, login_as):
    browser = login_as(student)

    pages = [browser.get("/contacts/") for _ in range(2)]

    assert [_header(page)["name"] for page in pages] == ["Sam", "Sam"]
    assert header_pieces.cache_info().currsize == 0


# --- The layout's fixed parts ({% kept_part %}) --------------------------------------

# base.html before its style sheets, skip link and scripts were kept parts.
BASE_BEFORE_KEPT_PARTS = (Path(__file__).parent / "base_before_kept_parts.html").read_text()
PAGE = (
    "{% extends base %}{% block head_title %}A <page>{% endblock %}"
    '{% block extra_head %}<meta name="x">{% endblock %}'
    "{% block content %}<p>{{ user.email }}</p>{% endblock %}"
    '{% block extra_js %}<script src="/x.js"></script>{% endblock %}'
)


def _page_with_base(base, http) -> str:
    engine = engines["django"]
    html = engine.from_string(PAGE).render({"base": base}, http)
    # The CSRF token is masked afresh on each render: compare everything else.
    html = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "TOKEN", html)
    return re.sub(r'"X-CSRFToken": "\w+"', "TOKEN", html)


@pytest.mark.parametrize("persona", ["student", "office_admin", None])
def test_layout_kept_parts_render_what_base_html_rendered_to_the_byte(persona, request):
    user = request.getfixturevalue(persona) if persona else None
    http = RequestFactory().get("/contacts/")
    http.user = User.objects.select_related("office").get(pk=user.pk) if user else AnonymousUser()
    before = engines["django"].from_string(BASE_BEFORE_KEPT_PARTS).template

    with translation.override("en"):
        original = _page_with_base(before, http)
        cold, warm = _page_with_base("base.html", http), _page_with_base("base.html", http)

    assert cold == original
    assert warm == original
    assert original.count('<link rel="stylesheet" href="/static/') == 3
    assert "Skip to content</a>" in original
    assert '<script src="/static/vendor/htmx/' in original


def test_layout_kept_parts_are_rendered_once_per_process_and_language(student, login_as):
    browser = login_as(student)

    for _ in range(3):
        assert browser.get("/contacts/").status_code == 200
    with translation.override("de"):
        kept_part_html("de", "_partials/layout_skip_link.html")

    info = kept_part_html.cache_info()
    assert info.misses == 4  # three parts in English, one in German
    assert info.hits == 6
    assert info.maxsize == 32


@override_settings(DEBUG=True)
def test_layout_kept_parts_under_debug_are_rendered_afresh(student, login_as):
    browser = login_as(student)

    for _ in range(2):
        assert "Skip to content" in browser.get("/contacts/").content.decode()

    assert kept_part_html.cache_info().currsize == 0


# --- The office pages' tabs ({% office_nav %}) -----------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/office/",
        "/office/people/",
        "/office/people/import/",
        "/office/directory/",
        "/office/fields/",
        "/office/fields/7/edit/",
        "/office/settings/",
        "/elsewhere/",
    ],
)
def test_office_nav_is_the_included_template_for_every_path(path, rf):
    from django.template import Context, Template

    from apps.accounts.templatetags import site_layout

    site_layout.office_nav_html.cache_clear()
    request = rf.get(path)
    included = Template('{% include "accounts/_office_nav.html" %}').render(
        Context({"request": request})
    )
    kept = Template("{% load site_layout %}{% office_nav %}").render(Context({"request": request}))
    again = Template("{% load site_layout %}{% office_nav %}").render(Context({"request": request}))

    assert kept == again == included
    assert included.count("<li") == 13
    assert included.count(" active") == (0 if path == "/elsewhere/" else 1)
    assert site_layout.office_nav_html.cache_info().hits == 1


def test_office_nav_is_kept_per_path(rf):
    from django.template import Context, Template

    from apps.accounts.templatetags import site_layout

    site_layout.office_nav_html.cache_clear()
    tag = Template("{% load site_layout %}{% office_nav %}")
    seen = {
        path: tag.render(Context({"request": rf.get(path)}))
        for path in ("/office/", "/office/people/", "/office/", "/office/fields/")
    }

    assert 'href="/office/" aria-current="page"' in seen["/office/"]
    assert 'href="/office/people/" aria-current="page"' in seen["/office/people/"]
    assert 'href="/office/fields/" aria-current="page"' in seen["/office/fields/"]
    assert site_layout.office_nav_html.cache_info().currsize == 3
