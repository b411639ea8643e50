"""The follow-ups page writes each row's forms as plain HTML (not Django forms, one
template, paths and choices worked out once a page). These tests read the forms
out of the rendered page, the way a browser without JavaScript does, and post
exactly what they hold, CSRF token included (the browser checks CSRF), so a form
that drifts from what its view accepts fails here."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.followups import services
from apps.followups.enums import Kind, SentVia, Status
from apps.followups.models import FollowUp
from tests.factories.interviews import InterviewFactory, mark_held

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """Every form on the page, under the id of the list item it is in: its action,
    the inputs it always sends (hidden), its buttons' name and value, its text
    fields, and its selects' options with the one selected."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.item = None
        self.form = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and (attrs.get("id") or "").startswith("followup-"):
            self.item = attrs["id"]
        elif tag == "form":
            self.form = {
                "item": self.item,
                "action": attrs["action"],
                "method": attrs["method"],
                "hidden": {},
                "buttons": [],
                "fields": [],
                "selects": {},
            }
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and attrs.get("type") == "hidden":
            self.form["hidden"][attrs["name"]] = attrs["value"]
        elif tag == "button":
            self.form["buttons"].append((attrs.get("name"), attrs.get("value")))
        elif tag in ("input", "textarea"):
            self.form["fields"].append(attrs["name"])
        elif tag == "select":
            self.select = self.form["selects"].setdefault(attrs["name"], [])
        elif tag == "option" and self.select is not None:
            self.select.append((attrs["value"], "selected" in attrs))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def _forms(browser, path=None):
    response = browser.get(path or reverse("followup_list"))
    assert response.status_code == 200
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def _form(forms, followup, action):
    path = reverse(f"followup_{action}", args=[followup.pk])
    (form,) = [f for f in forms if f["action"] == path]
    assert form["item"] == f"followup-{followup.pk}"
    assert form["method"] == "post"
    return form


def _browser(student):
    # A browser that is held to CSRF, as a real one is.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    return browser


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _held(student, volunteer=None, name="Jordan Lee"):
    interview = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state="scheduled",
        starts_at=timezone.now() - timedelta(minutes=45),
        duration_minutes=30,
    )
    if volunteer is None:
        interview.contact.full_name = name
        interview.contact.save(update_fields=["full_name"])
    thank_you = mark_held(student=student, interview=interview)
    checkin = FollowUp.objects.get(contact=interview.contact, kind=Kind.KEEP_IN_TOUCH)
    return thank_you, checkin


def test_each_row_has_the_forms_of_its_kind(student):
    thank_you, checkin = _held(student)

    forms = _forms(_browser(student))

    by_item = {}
    for form in forms:
        if form["item"]:
            by_item.setdefault(form["item"], []).append(form["action"])
    assert by_item == {
        f"followup-{thank_you.pk}": [
            reverse("followup_done", args=[thank_you.pk]),
            reverse("followup_stop", args=[thank_you.pk]),
        ],
        f"followup-{checkin.pk}": [
            reverse("followup_snooze", args=[checkin.pk]),
            reverse("followup_stop", args=[checkin.pk]),
            reverse("followup_done", args=[checkin.pk]),
            reverse("followup_cadence", args=[checkin.pk]),
        ],
    }
    snooze = _form(forms, checkin, "snooze")
    assert snooze["buttons"] == [("period", "week"), ("period", "month")]
    assert _form(forms, checkin, "done")["fields"] == ["note"]
    assert _form(forms, checkin, "cadence")["selects"] == {
        "months": [("1", False), ("3", True), ("6", False), ("12", False)]
    }
    assert all(set(form["hidden"]) == {"csrfmiddlewaretoken"} for form in forms if form["item"])


def test_the_thank_you_forms_post_what_the_views_accept(student):
    thank_you, _checkin = _held(student)
    browser = _browser(student)
    form = _form(_forms(browser), thank_you, "done")

    response = browser.post(form["action"], form["hidden"])

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('followup_list')}#followup-{thank_you.pk}"
    assert _messages(response) == ["Thank-you marked as sent."]
    thank_you.refresh_from_db()
    assert (thank_you.status, thank_you.sent_via) == (Status.DONE, SentVia.OTHER)


def test_skipping_a_thank_you_through_its_form(student):
    thank_you, _checkin = _held(student)
    browser = _browser(student)
    form = _form(_forms(browser), thank_you, "stop")

    response = browser.post(form["action"], form["hidden"])

    assert _messages(response) == ["Stopped. No more reminders about this one."]
    thank_you.refresh_from_db()
    assert thank_you.status == Status.STOPPED


def test_the_check_in_forms_post_what_the_views_accept(student):
    _thank_you, checkin = _held(student)
    browser = _browser(student)

    cadence = _form(_forms(browser), checkin, "cadence")
    ((select, options),) = cadence["selects"].items()
    six = next(value for value, _selected in options if value == "6")
    response = browser.post(cadence["action"], {**cadence["hidden"], select: six})
    assert _messages(response) == ["Saved. The next check-in moved with it."]
    checkin.refresh_from_db()
    assert checkin.cadence_months == 6
    assert _form(_forms(browser), checkin, "cadence")["selects"]["months"][2] == ("6", True)

    snooze = _form(_forms(browser), checkin, "snooze")
    name, value = snooze["buttons"][0]
    response = browser.post(snooze["action"], {**snooze["hidden"], name: value})
    assert _messages(response) == ["Snoozed. It comes back to your list by itself."]
    checkin.refresh_from_db()
    assert checkin.status == Status.SNOOZED

    stop = _form(_forms(browser), checkin, "stop")
    response = browser.post(stop["action"], stop["hidden"])
    assert _messages(response) == ["Stopped. No more reminders about this one."]
    checkin.refresh_from_db()
    assert checkin.status == Status.STOPPED


def test_a_check_in_done_through_its_form_with_what_came_of_the_advice(student, volunteer):
    _thank_you, checkin = _held(student, volunteer)
    browser = _browser(student)
    form = _form(_forms(browser), checkin, "done")
    assert form["fields"] == ["note", "outcome"]

    response = browser.post(
        form["action"],
        {**form["hidden"], "note": "Told them about the offer", "outcome": "An internship"},
    )

    assert _messages(response) == ["Check-in done. The next one is on your list."]
    checkin.refresh_from_db()
    assert (checkin.status, checkin.note, checkin.outcome) == (
        Status.DONE,
        "Told them about the offer",
        "An internship",
    )


def test_bad_values_in_the_forms_are_refused_with_their_messages(student):
    _thank_you, checkin = _held(student)
    browser = _browser(student)
    forms = _forms(browser)
    cadence, snooze = _form(forms, checkin, "cadence"), _form(forms, checkin, "snooze")

    bad_cadence = browser.post(cadence["action"], {**cadence["hidden"], "months": "5"})
    assert _messages(bad_cadence) == ["Choose 1, 3, 6 or 12 months."]
    browser.get(bad_cadence["Location"])  # the page shows the message, once
    bad_snooze = browser.post(snooze["action"], {**snooze["hidden"], "period": "year"})
    assert _messages(bad_snooze) == ["Choose how long to snooze."]

    checkin.refresh_from_db()
    assert (checkin.status, checkin.cadence_months) == (Status.OPEN, 3)


def test_without_the_pages_csrf_token_a_form_is_refused(student):
    _thank_you, checkin = _held(student)
    browser = _browser(student)
    stop = _form(_forms(browser), checkin, "stop")

    response = browser.post(stop["action"], {"csrfmiddlewaretoken": "x" * 64})

    assert response.status_code == 403
    checkin.refresh_from_db()
    assert checkin.status == Status.OPEN


def test_from_one_sections_page_the_forms_come_back_to_it(student):
    _thank_you, checkin = _held(student)
    browser = _browser(student)
    page = reverse("followup_list") + "?section=upcoming&page=1"
    forms = _forms(browser, page)

    assert {form["hidden"]["next"] for form in forms if form["item"]} == {page}
    stop = _form(forms, checkin, "stop")
    response = browser.post(stop["action"], stop["hidden"])

    assert response["Location"] == f"{page}#followup-{checkin.pk}"
    checkin.refresh_from_db()
    assert checkin.status == Status.STOPPED


def test_recently_done_shows_the_last_ten_newest_first(login_as, student, student2, time_machine):
    done = []
    for n in range(12):
        thank_you, _checkin = _held(student, name=f"Person {n:02}")
        services.followup_complete(student=student, followup=thank_you, note=f"Note {n:02}")
        done.append(thank_you.pk)
        time_machine.shift(timedelta(minutes=5))
    theirs, _checkin = _held(student2, name="Not Mine")
    services.followup_complete(student=student2, followup=theirs)

    response = login_as(student).get(reverse("followup_list"))

    shown = response.context["groups"].done
    assert [f.pk for f in shown] == done[::-1][:10]
    html = response.content.decode()
    assert re.findall(r"<strong>(Thanked [^<]*)</strong>", html)[:2] == [
        "Thanked Person 11",
        "Thanked Person 10",
    ]
    assert "Note 11" in html and "Note 01" not in html and "Not Mine" not in html
