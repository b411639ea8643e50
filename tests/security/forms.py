"""Find the forms to fuzz: every page of the matrix is fetched as the first persona
it answers 200, and each form on it is read with the standard HTML parser."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import resolve

from tests.security.conftest import isolated

# Who a page is fetched as, in order: the first the matrix answers 200.
FETCH_ORDER = ("owner", "vol", "advisor", "admin", "alumni2", "student2", "anon", "su")
BUTTON_TYPES = {"submit", "button", "reset", "image"}


@dataclass
class Form:
    persona: str
    action: str
    method: str
    fields: dict = field(default_factory=dict)  # name -> the values the page offers
    files: list = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self, page_url):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urljoin(self.page_url, attrs.get("action") or self.page_url)
            method = (attrs.get("method") or "get").lower()
            self.current = Form(persona="", action=action, method=method)
            self.forms.append(self.current)
            return
        form, name = self.current, attrs.get("name")
        if form is None or not name or name == "csrfmiddlewaretoken":
            return
        kind = (attrs.get("type") or "text").lower()
        if tag == "input" and kind == "file":
            form.files.append(name)
        elif tag == "input" and kind not in BUTTON_TYPES:
            choices = form.fields.setdefault(name, [])
            if kind in ("hidden", "checkbox", "radio") and attrs.get("value") is not None:
                choices.append(attrs["value"])
        elif tag in ("textarea", "select"):
            form.fields.setdefault(name, [])
            self.select = name if tag == "select" else None
        elif tag == "option" and self.select and attrs.get("value") is not None:
            form.fields[self.select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def forms_on(html: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


def discover_forms(world, rows, row_url) -> list[Form]:
    found: dict[tuple, Form] = {}
    for row in rows:
        persona = next((p for p in FETCH_ORDER if row.get.get(p) == "200"), None)
        if persona is None:
            continue
        url = row_url(world, row)
        with isolated():
            response = world.clients[persona].get(url)
        if "html" not in response.get("Content-Type", ""):
            continue
        for form in forms_on(response.content.decode(), url):
            if urlsplit(form.action).netloc not in ("", "testserver"):
                continue
            form.persona = persona
            form.action = urlsplit(form.action)._replace(scheme="", netloc="").geturl()
            if form.method == "get":
                # Every list is paginated: a page number is fuzzed with the filters.
                form.fields.setdefault("page", [])
            # One form per view and persona: the bank's twenty "move" buttons are one.
            route = resolve(urlsplit(form.action).path).route
            key = (persona, route, form.method, tuple(sorted(form.fields)))
            found.setdefault(key, form)
    return list(found.values())
