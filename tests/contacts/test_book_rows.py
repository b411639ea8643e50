"""The contact book and the target list, their rows written as HTML in the view
(contacts.book_rows), are the HTML their templates wrote before (commit 52845e9),
byte for byte: contact_list_before_rows.html, contact_rows_before_rows.html and
target_list_before_rows.html are those templates, rendered here from a context
built as those views built it (their row functions are kept below, as they were),
for an empty book, one row, three and many, every kind of row, filtered and not,
the rows alone (htmx), and a target list cut and whole."""

import re
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.contacts import selectors
from apps.contacts.enums import Source, Stage
from apps.contacts.services import contact_archive, contact_set_stage
from apps.contacts.views import TARGET_PREVIEW
from apps.students.selectors import field_list_for_office
from tests.factories.contacts import ContactFactory
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db

HERE = Path(__file__).parent
OLD_ROWS = (HERE / "contact_rows_before_rows.html").read_text()
OLD_LIST = (
    (HERE / "contact_list_before_rows.html")
    .read_text()
    .replace('{% include "contacts/_contact_rows.html" %}', OLD_ROWS)
)
OLD_TARGETS = (HERE / "target_list_before_rows.html").read_text()


# --- The views' row functions as they were ----------------------------------------------


def _label_rows(contacts) -> None:
    head, _zero, tail = reverse("contact_detail", args=[0]).rpartition("0")
    stages = {value: str(label) for value, label in Stage.choices}
    sources = {value: str(label) for value, label in Source.choices}
    for contact in contacts:
        contact.url = f"{head}{contact.pk}{tail}"
        contact.stage_label = stages.get(contact.stage, contact.stage)
        contact.source_label = sources.get(contact.source, contact.source)
        contact.referrer_line = (
            _("referred by %(name)s") % {"name": contact.referred_by.full_name}
            if contact.referred_by_id
            else ""
        )


def _filter_selects(request, form) -> list[dict]:
    fields = field_list_for_office(office_id=request.user.office_id).values_list("pk", "name")
    selects = []
    for name, options in (
        ("field", [(str(pk), label) for pk, label in fields]),
        ("stage", Stage.choices),
        ("source", Source.choices),
    ):
        field = form.fields[name]
        empty = field.empty_label if name == "field" else field.choices[0][1]
        selects.append(
            {
                "name": name,
                "label": field.label,
                "options": [("", str(empty)), *((v, str(label)) for v, label in options)],
                "value": request.GET.get(name, ""),
            }
        )
    return selects


def _old_book_context(response) -> dict:
    page = response.context["page"]
    _label_rows(page.object_list)
    context = {
        "form": response.context["form"],
        "page": page,
        "filtering": response.context["filtering"],
    }
    if "selects_html" in response.context:
        context["selects"] = _filter_selects(response.wsgi_request, response.context["form"])
    return context


def _old_targets_context(request, student) -> dict:
    groups, contacts = selectors.target_list_grouped(student=student)
    whole = request.GET.get("field")
    if whole:
        groups = [g for g in groups if str(g["field"].pk if g["field"] else "none") == whole]
    for group in groups:
        group["count"] = len(group["contacts"])
        if not whole and group["count"] > TARGET_PREVIEW:
            group["contacts"] = group["contacts"][:TARGET_PREVIEW]
            group["cut"] = True
    return {"groups": groups, "has_contacts": bool(contacts), "whole": whole}


# Each {% csrf_token %} and csrf_input masks the token afresh: the request's either way.
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')


def _same(html: str, old: str) -> tuple[str, str]:
    return _TOKEN.sub(r'\1…"', html), _TOKEN.sub(r'\1…"', old)


def _book(browser, params=None, **headers):
    response = browser.get(reverse("contact_list"), params or {}, **headers)
    assert response.status_code == 200
    template = OLD_ROWS if "selects_html" not in response.context else OLD_LIST
    old = (
        engines["django"]
        .from_string(template)
        .render(_old_book_context(response), response.wsgi_request)
    )
    return _same(response.content.decode(), old)


def _one(student, fields):
    ContactFactory(student=student, full_name="Solo <One>")


def _three(student, fields):
    consulting, policy = fields
    ana = ContactFactory(
        student=student, full_name='Ana & "Co"', organisation="Ada's <Lab>", field=consulting
    )
    tom = ContactFactory(
        student=student, full_name="Tom Becker", organisation="Deloitte", job_title="Analyst",
        field=consulting, source=Source.REFERRAL, referred_by=ana, on_target_list=True,
    )  # fmt: skip
    contact_set_stage(contact=tom, stage=Stage.MET)
    ContactFactory(student=student, full_name="Job Only", job_title="Policy <Lead>", field=policy,
                   source=Source.ALUMNI_DIRECTORY, on_target_list=True)  # fmt: skip


def _many(student, fields):
    consulting, policy = fields
    referrer = ContactFactory(student=student, full_name="Referrer")
    stages = list(Stage.values)
    for n in range(40):
        contact = ContactFactory(
            student=student,
            full_name=f"Person {n:02}",
            organisation=["", "Org & Sons", "Org"][n % 3],
            job_title=["", "Lead"][n % 2],
            field=[None, consulting, policy][n % 3],
            source=list(Source.values)[n % len(Source.values)],
            referred_by=referrer if n % 4 == 0 else None,
            on_target_list=n % 5 == 0,
        )
        if n % 7:
            contact_set_stage(contact=contact, stage=stages[n % len(stages)])
    contact_archive(student=student, contact=contact)


@pytest.fixture
def fields(office, consulting):
    return consulting, FieldFactory(office=office, name="Policy & <Law>")


@pytest.mark.parametrize("arrange", [None, _one, _three, _many])
def test_the_book_is_the_html_the_old_templates_wrote(login_as, student, fields, arrange):
    if arrange is not None:
        arrange(student, fields)
    browser = login_as(student)

    html, old = _book(browser)
    assert old == html
    assert ("list-group-item-action" in old) == (arrange is not None)
    for params in (
        {"page": "2"},
        {"q": "o"},
        {"field": fields[0].pk, "stage": Stage.MET},
        {"source": Source.REFERRAL, "stage": "nope"},
        {"archived": "on"},
        {"tag": "x"},
    ):
        html, old = _book(browser, params)
        assert old == html, params
    html, old = _book(browser, {"q": "Person"}, HTTP_HX_REQUEST="true")
    assert old == html
    assert "{%" not in old


def _targets(browser, student, params=None):
    response = browser.get(reverse("target_list"), params or {})
    assert response.status_code == 200
    old = (
        engines["django"]
        .from_string(OLD_TARGETS)
        .render(_old_targets_context(response.wsgi_request, student), response.wsgi_request)
    )
    return _same(response.content.decode(), old)


@pytest.mark.parametrize("count", [0, 1, 3, 60])
def test_the_target_list_is_the_html_the_old_template_wrote(
    login_as, student, office, fields, count
):
    consulting, policy = fields
    retired = FieldFactory(office=office, name="Retired", is_active=False)
    referrer = ContactFactory(student=student, full_name="Ref <Erer>")
    for n in range(count):
        contact = ContactFactory(
            student=student,
            full_name=f'P{n} & "q"',
            organisation=["", "Org & Sons", "Org"][n % 3],
            job_title=["", "Lead <x>"][n % 2],
            field=[consulting, policy, None, retired][n % 4] if count < 60 else consulting,
            referred_by=referrer if n % 2 == 0 else None,
            on_target_list=True,
        )
        contact_set_stage(contact=contact, stage=list(Stage.values)[n % len(Stage.values)])
    browser = login_as(student)

    html, old = _targets(browser, student)
    assert "{%" not in old
    assert old == html
    assert ("The first 25 of 60." in html) == (count == 60)
    assert old.count('id="contact-') == min(count, 25 if count == 60 else count)
    for field in (str(consulting.pk), "none"):
        html, old = _targets(browser, student, {"field": field})
        assert old == html
