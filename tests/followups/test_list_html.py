"""The follow-ups page's rows, written as HTML in the view (followups.views), are
the HTML the template wrote from the rows worked out in the view before (commit
a4d9fa9), byte for byte: followup_list_before_rows.html is that template's content
block, rendered here from a context built as that view built it (its row functions
are kept below, as they were), for 0, 1, 3 and many rows, every kind of row, in two
time zones, and from one section's page."""

import dataclasses
import re
import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from apps.contacts.models import Contact
from apps.contacts.services import contact_create
from apps.followups import selectors
from apps.followups.enums import CADENCE_CHOICES, Kind, SentVia, Snooze, Status
from apps.followups.models import FollowUp, Interaction
from tests.factories.interviews import InterviewFactory
from tests.followups.conftest import NOW

pytestmark = pytest.mark.django_db

OLD_CONTENT = (Path(__file__).parent / "followup_list_before_rows.html").read_text()


# --- The view's row functions as they were --------------------------------------------


def _path_for(name: str):
    marker = 2147483647
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _day(moment, format: str) -> str:
    return date_format(timezone.localtime(moment), format) if moment else ""


def _active_rows(items, *, section: str, paths: dict, cadence_options: dict) -> list[dict]:
    rows = []
    for followup in items:
        contact = followup.contact
        name = contact.full_name
        pk = followup.pk
        row = {
            "followup": followup,
            "pk": pk,
            "name": name,
            "organisation": contact.organisation,
            "thank_you": followup.kind == Kind.THANK_YOU,
            "overdue": False,
            "done_path": paths["done"](pk),
            "stop_path": paths["stop"](pk),
        }
        if followup.status == Status.SNOOZED:
            row["when"] = _("Snoozed until %(date)s") % {
                "date": _day(followup.snoozed_until, "D j M Y")
            }
        elif section == "overdue":
            row["overdue"] = True
            row["when"] = _("Was due %(date)s (%(ago)s ago)") % {
                "date": _day(followup.due_at, "D j M, H:i"),
                "ago": timesince(followup.due_at),
            }
        else:
            row["when"] = _("Due %(date)s (in %(left)s)") % {
                "date": _day(followup.due_at, "D j M, H:i"),
                "left": timeuntil(followup.due_at),
            }
        if row["thank_you"]:
            row["title"] = _("Thank %(name)s") % {"name": name}
            row["write_path"] = paths["thank_you"](pk)
            rows.append(row)
            continue
        row["title"] = _("Check in with %(name)s") % {"name": name}
        if contact.last_interaction_at:
            row["last_contact"] = _("Last contact: %(what)s, %(date)s") % {
                "what": contact.last_interaction,
                "date": _day(contact.last_interaction_at, "j M Y"),
            }
        row["interactions"] = [
            (
                _day(interaction.occurred_at, "c"),
                _day(interaction.occurred_at, "j M Y"),
                interaction.get_kind_display(),
                interaction.note,
            )
            for interaction in contact.recent_interactions
        ]
        if row["interactions"]:
            row["interactions_label"] = _("Interactions logged with %(name)s") % {"name": name}
        row["snoozes"] = [
            (
                value,
                _("Snooze check-in with %(name)s for %(label)s") % {"name": name, "label": label},
                text,
            )
            for value, label, text in paths["snooze_choices"]
        ]
        row["snooze_path"] = paths["snooze"](pk)
        row["cadence_path"] = paths["cadence"](pk)
        row["cadence_options"] = cadence_options.get(followup.cadence_months, cadence_options[None])
        row["log_path"] = paths["log"](contact.pk)
        if contact.volunteer_id:
            row["outcome_help"] = _(
                "For example “I got an internship in policy research”. %(name)s sees this "
                "on their Fieldnotes home."
            ) % {"name": name}
        rows.append(row)
    return rows


def _done_rows(items) -> list[dict]:
    thanked, checked_in = _("Thanked %(name)s"), _("Checked in with %(name)s")
    return [
        {
            "followup": followup,
            "pk": followup.pk,
            "title": (thanked if followup.kind == Kind.THANK_YOU else checked_in)
            % {"name": followup.contact.full_name},
            "iso": _day(followup.done_at, "c"),
            "day": _day(followup.done_at, "D j M Y"),
            "sent_via": followup.get_sent_via_display() if followup.sent_via else "",
            "note": followup.note,
            "on_time": followup.on_time,
        }
        for followup in items
    ]


def _cadence_options() -> dict:
    selected = mark_safe(" selected")
    return {
        current: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (months, selected if months == current else "", label)
                for months, label in CADENCE_CHOICES
            ),
        )
        for current in [None, *(months for months, _label in CADENCE_CHOICES)]
    }


def _old_context(request, groups, only) -> dict:
    sections = [
        ("overdue", _("Overdue"), groups.overdue, groups.counts["overdue"]),
        ("this-week", _("Due this week"), groups.this_week, groups.counts["this_week"]),
        ("upcoming", _("Coming up"), groups.upcoming, groups.counts["upcoming"]),
    ]
    paths = {
        action: _path_for(f"followup_{action}")
        for action in ("done", "snooze", "stop", "cadence", "thank_you")
    }
    paths["log"] = _path_for("interaction_log")
    paths["snooze_choices"] = [
        (value, label, _("Snooze %(label)s") % {"label": label}) for value, label in Snooze.choices
    ]
    cadence_options = _cadence_options()
    hidden = csrf_input(request)
    if only:
        hidden += format_html(
            '<input type="hidden" name="next" value="{}">', request.get_full_path()
        )
    return {
        "groups": groups,
        "only": only,
        "sections": [
            {
                "key": key,
                "label": label,
                "items": items,
                "rows": _active_rows(
                    items, section=key, paths=paths, cadence_options=cadence_options
                ),
                "count": count,
            }
            for key, label, items, count in sections
            if only is None or key.replace("-", "_") == only
        ],
        "done_rows": _done_rows(groups.done),
        "hidden": hidden,
        "preview": selectors.SECTION_PREVIEW,
    }


# --- The rows ------------------------------------------------------------------------


def _contact(student, name, organisation="", volunteer=None):
    contact = contact_create(student=student, full_name=name, organisation=organisation)
    if volunteer is not None:
        Contact.objects.filter(pk=contact.pk).update(volunteer=volunteer)
    return contact


def _thank_you(student, name, *, due_in, organisation="Harbour & <Co>"):
    contact = _contact(student, name, organisation)
    interview = InterviewFactory(student=student, contact=contact, state="completed")
    return FollowUp.objects.create(
        student=student, contact=contact, interview=interview, kind=Kind.THANK_YOU,
        due_at=NOW + due_in,
    )  # fmt: skip


def _check_in(student, name, *, due_in, months=3, volunteer=None, logged=(), **values):
    contact = _contact(student, name, 'Ada\'s "Lab"' if months == 6 else "", volunteer)
    for days_ago, kind, note in logged:
        Interaction.objects.create(
            student=student, contact=contact, kind=kind, note=note,
            occurred_at=NOW - timedelta(days=days_ago, hours=days_ago),
        )  # fmt: skip
    if logged:
        Contact.objects.filter(pk=contact.pk).update(
            last_interaction_at=NOW - timedelta(days=logged[0][0], hours=11),
            last_interaction="A <call> & more",
        )
    return FollowUp.objects.create(
        student=student, contact=contact, kind=Kind.KEEP_IN_TOUCH, cadence_months=months,
        due_at=NOW + due_in, **values,
    )  # fmt: skip


def _done(student, name, *, kind, ago, **values):
    followup = (
        _thank_you(student, name, due_in=-ago)
        if kind == Kind.THANK_YOU
        else _check_in(student, name, due_in=-ago, months=1)
    )
    FollowUp.objects.filter(pk=followup.pk).update(
        status=Status.DONE, done_at=NOW - ago + timedelta(hours=3), **values
    )
    return followup


def _one(student, volunteer):
    _thank_you(student, "Rosa <b>Reyes</b> & O'Neil", due_in=timedelta(hours=20))


def _three(student, volunteer):
    _thank_you(student, "Olga Overdue", due_in=-timedelta(days=2, hours=5), organisation="")
    _check_in(
        student, 'Dev "Danny" <Shah>', due_in=timedelta(days=3, hours=7), months=6,
        volunteer=volunteer,
        logged=[(2, "call", "Asked <about> the role & pay"), (40, "bogus", "")],
    )  # fmt: skip
    _done(student, "Dora Done", kind=Kind.THANK_YOU, ago=timedelta(days=4), on_time=True,
          sent_via=SentVia.OTHER, note="Emailed <from> my phone")  # fmt: skip


def _many(student, volunteer):
    for n in range(12):
        _thank_you(student, f"Late & {n}", due_in=-timedelta(hours=3 + 7 * n))
        _check_in(student, f"Soon {n}", due_in=timedelta(days=1, minutes=41 * n), months=12)
    _check_in(
        student, "Snoozy", due_in=timedelta(days=2), months=1, status=Status.SNOOZED,
        snoozed_until=NOW + timedelta(days=9, hours=20),
    )  # fmt: skip
    _check_in(student, "Far Away", due_in=timedelta(days=60), months=3,
              logged=[(1, "in_person", "Flat white"), (3, "call", ""), (5, "message", "x"),
                      (8, "call", "older, not shown")])  # fmt: skip
    for n, on_time in enumerate([True, False, None] * 4):
        kind = Kind.THANK_YOU if n % 2 else Kind.KEEP_IN_TOUCH
        via = SentVia.FIELDNOTES if n % 3 == 0 else ""
        ago = timedelta(days=n + 1, hours=n)
        _done(student, f"Done {n}", kind=kind, ago=ago, on_time=on_time, sent_via=via,
              note=f"note {n}" * (n % 2))  # fmt: skip


# csrf_input masks the token afresh on each call: the token is the request's either way.
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _as_models(groups):
    """The groups with each row read whole by the ORM, as the old view had them: the
    page now holds only the columns it shows (selectors.ShownFollowUp)."""
    lists = {}
    for name in ("overdue", "this_week", "upcoming", "done"):
        ids = [row.pk for row in getattr(groups, name)]
        found = FollowUp.objects.filter(pk__in=ids).select_related("contact")
        found = found.prefetch_related(selectors._recent_interactions("contact__interactions"))
        found = {followup.pk: followup for followup in found}
        lists[name] = [found[pk] for pk in ids]
    return dataclasses.replace(groups, **lists)


def _page(client, student, path):
    response = client.get(path)
    assert response.status_code == 200
    only = response.context["only"]
    groups = _as_models(response.context["groups"])
    context = _old_context(response.wsgi_request, groups, only)
    with timezone.override(zoneinfo.ZoneInfo(student.time_zone)):
        old = engines["django"].from_string(OLD_CONTENT).render(context, response.wsgi_request)
    html = response.content.decode()
    token = 'name="csrfmiddlewaretoken" value="…"'
    return _TOKEN.sub(token, html), _TOKEN.sub(token, old)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("arrange", [None, _one, _three, _many])
def test_the_page_is_the_html_the_old_template_wrote(login_as, student, volunteer, zone, arrange):
    student.time_zone = zone
    student.save(update_fields=["time_zone"])
    if arrange is not None:
        arrange(student, volunteer)
    client = login_as(student)

    html, old = _page(client, student, reverse("followup_list"))

    assert "{%" not in old and '<h1 class="h3 mb-0">Follow-ups</h1>' in old
    assert old in html, _diff_debug(old, html)


@pytest.mark.parametrize("section", ["overdue", "this-week", "upcoming"])
@pytest.mark.parametrize("page", ["1", "2"])
def test_one_sections_page_is_the_html_the_old_template_wrote(login_as, student, volunteer,
                                                             section, page):  # fmt: skip
    for n in range(27):
        _check_in(student, f"Up {n}", due_in=timedelta(days=20 + n), months=(1, 3, 6, 12)[n % 4])
        _thank_you(student, f"Late {n}", due_in=-timedelta(hours=n + 1))
    client = login_as(student)

    html, old = _page(client, student, f"{reverse('followup_list')}?section={section}&page={page}")

    assert 'name="next" value="/followups/?section=' in old or section == "this-week"
    assert old in html, _diff_debug(old, html)


def test_the_cases_cover_every_kind_of_row(login_as, student, student2, volunteer):
    """The arrangements above show each kind of row: a thank-you and a check-in,
    overdue, due and snoozed, with and without an organisation, logged interactions
    and what came of a volunteer's advice, done rows with every badge."""
    _three(student, volunteer)
    _many(student2, volunteer)

    html = login_as(student).get(reverse("followup_list")).content.decode()
    html += login_as(student2).get(reverse("followup_list")).content.decode()

    assert "Thank Olga Overdue</strong>\n" in html
    assert (
        '<span class="text-danger-emphasis">Was due Sat 28 Feb, 02:00 (3\xa0days, 8\xa0hours ago)'
        in html
    )
    assert "Check in with Dev &quot;Danny&quot; &lt;Shah&gt;</strong>" in html
    assert "· Ada&#x27;s &quot;Lab&quot;</span>" in html
    assert "Call: Asked &lt;about&gt; the role &amp; pay</li>" in html
    assert 'id="outcome-help-' in html
    assert "Snoozed until Fri 13 Mar 2026" in html
    assert "Last contact: " in html
    assert '<option value="6" selected>' in html
    assert 'text-bg-success align-self-start">on time' in html
    assert 'text-bg-warning align-self-start">late' in html
    assert "· Sent from Fieldnotes</div>" in html
    assert "See all 12" in html


def _diff_debug(old, html):  # pragma: no cover
    import difflib

    start = html.index(old[:80])
    return "".join(
        difflib.unified_diff(
            old.splitlines(True), html[start : start + len(old) + 500].splitlines(True)
        )
    )
