"""The student's conversation page (views.interview_detail) worked out in Python:
its timeline read compiled once per process instead of built by the ORM on every
request (the interview itself is selectors.interview_get_for_student's read), its
links reversed once per process, and the timeline's rows written here instead of
by template filters per row. The page's HTML is the one the old
template wrote (pinned by tests/interviews/test_detail_html.py)."""

import functools
from html import escape
from typing import NamedTuple

from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from apps.contacts.enums import Format
from apps.core.links import route_path, route_path_for_pk
from apps.core.models import LARGEST_ID, choice_label
from apps.core.rendering import LocalDates, datetime_shown, zone_shown
from apps.core.statements import StatementRows
from apps.interviews.enums import EventKind, State
from apps.interviews.models import Interview, InterviewEvent


def _events_query(values: dict):
    # The timeline shows each entry's kind, time, note and who, nothing more.
    return (
        InterviewEvent.objects.filter(interview_id=values["interview"])
        .order_by("created_at", "pk")
        .values_list("kind", "note", "created_at", "actor_id", "actor__full_name")
    )


def event_rows(interview_pk: int) -> list[tuple]:
    """The interview's timeline, oldest first: (kind, note, created_at, actor_id,
    actor's name) tuples, read by a statement compiled once per process."""
    return list(
        StatementRows(
            shape=("interviews.detail.events",),
            build=_events_query,
            inputs={"interview": interview_pk},
            sentinels={"interview": LARGEST_ID},
        )
    )


@functools.cache
def _timeline_words(language: str | None) -> tuple[dict, str]:
    """The entries' kinds and the system's name, escaped as the template's variables
    were, once per language."""
    return {value: escape(str(label)) for value, label in EventKind.choices}, escape(
        _("Fieldnotes")
    )


def timeline_html(rows: list[tuple], *, dates: LocalDates) -> str:
    """The timeline's entries as the template's loop wrote them, whitespace and all
    (tests/interviews/test_detail_html.py): the kind, when in the viewer's zone,
    who, and the note's lines escaped (as |linebreaksbr)."""
    kinds, fieldnotes = _timeline_words(dates.language)
    out = []
    for kind, note, created_at, actor_id, actor_name in rows:
        iso, shown = dates.datetime_zone_shown(created_at)
        who = escape(actor_name) if actor_id else fieldnotes
        if note:
            lines = escape(note.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")
            note_html = f'<div class="mt-1">{lines}</div>'
        else:
            note_html = ""
        out.append(
            f"""
    <li class="py-2 border-bottom">
      <div class="d-flex flex-wrap justify-content-between gap-2">
        <strong>{kinds.get(kind) or escape(kind)}</strong>
        <time class="small text-body-secondary" datetime="{iso}">{escape(shown)}</time>
      </div>
      <div class="small text-body-secondary">{who}</div>
      {note_html}
    </li>
    """
        )
    return SafeString("".join(out))


def _path(name: str, pk) -> str:
    """`{% url name pk as x %}`: the link, or nothing when the route is not there."""
    try:
        return route_path_for_pk(name, pk)
    except NoReverseMatch:
        return ""


class Paths(NamedTuple):
    conversations: str
    contact: str
    prepare: str
    meeting: str
    notes: str
    thanks: str
    ics: str
    action: dict  # the interview's own POST routes, by what the form does


_ACTIONS = {
    "discard": "interview_draft_discard",
    "withdraw": "interview_withdraw",
    "message": "interview_message",
    "book": "interview_book",
    "reply": "interview_record_reply",
    "reschedule": "interview_reschedule",
    "cancel": "interview_cancel",
    "complete": "interview_complete",
    "no_show": "interview_no_show",
}


class _ActionPaths(dict):
    """The interview's POST routes by what the form does, each reversed when the
    template first asks for it: a page shows the forms of its state only (none for
    a conversation held), so reversing all nine cost every view."""

    def __init__(self, pk: int):
        super().__init__()
        self.pk = pk

    def __missing__(self, key: str) -> str:
        name = _ACTIONS.get(key)
        if name is None:
            raise KeyError(key)
        path = self[key] = route_path_for_pk(name, self.pk)
        return path


def paths(interview: Interview) -> Paths:
    pk = interview.pk
    return Paths(
        route_path("interview_list"),
        route_path_for_pk("contact_detail", interview.contact_id),
        _path("interview_prepare", pk),
        _path("interview_meeting", pk),
        _path("interview_notes", pk),
        _path("interview_thank_you_panel", pk),
        _path("interview_ics", pk),
        _ActionPaths(pk),
    )


def shown(interview: Interview) -> dict:
    """What the page shows of the interview that the template used filters for."""
    zone = timezone.get_current_timezone_name()
    when = datetime_shown(interview.starts_at) if interview.starts_at else ("", "")
    return {
        "zone": zone,
        "state_label": choice_label(State, interview.state),
        "format_label": choice_label(Format, interview.format),
        "starts_iso": when[0],
        "starts_shown": when[1],
    }


class SlotRow(NamedTuple):
    pk: int
    iso: str
    shown: str  # "D j M Y, H:i T"


def slot_rows(interview: Interview) -> list[SlotRow]:
    rows = []
    for slot in interview.slots.all():
        iso, when = datetime_shown(slot.starts_at)
        rows.append(
            SlotRow(slot.pk, iso, f"{when} {zone_shown(timezone.localtime(slot.starts_at))}")
        )
    return rows
