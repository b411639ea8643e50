"""Calendar invitations (.ics) and the per-user calendar feed, built with icalendar.

One UID per interview for its whole life; SEQUENCE is the interview's `sequence`,
raised by the services on every change of time or place, so calendar programs
update the event in place; a cancellation is METHOD:CANCEL with the same UID and
STATUS:CANCELLED (RFC 5545, RFC 5546). Times are written in UTC, so no VTIMEZONE
is needed.

A single event (an invitation, a download) is built with icalendar. The feed, which
calendar programs fetch every hour with dozens of events, is written line by line
here (`_feed_event_lines`): icalendar's components cost some 0.2 ms an event. Both
read the same `_summary`, `_description` and `_page_url`, and a test holds the
feed's event equal to the downloaded one, property by property.
"""

import hashlib
from datetime import UTC, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from apps.core.links import path_for_pk, site_link, site_url
from apps.interviews.models import Interview

PRODID = "-//Fieldnotes//Informational interviews//EN"
# REQUEST and CANCEL travel by email (iTIP); PUBLISH is the file a participant
# downloads and imports, which per RFC 5546 names no attendees.
METHODS = ("REQUEST", "CANCEL", "PUBLISH")
FEED_REFRESH = timedelta(hours=1)


def _is_volunteer(interview: Interview, viewer) -> bool:
    return (
        viewer is not None
        and interview.volunteer_id is not None
        and interview.volunteer.user_id == viewer.pk
    )


def _is_student(interview: Interview, viewer) -> bool:
    return viewer is not None and viewer.pk == interview.student_id


def _summary(interview: Interview, viewer) -> str:
    if _is_volunteer(interview, viewer):
        other = interview.student.full_name
    else:
        other = interview.contact.full_name
    return _("Informational interview with %(name)s") % {"name": other}


def _page_url(interview: Interview, viewer, paths=None) -> str:
    """`paths`: path_for_pk of both pages, when the caller writes many events."""
    name = "inbox_detail" if _is_volunteer(interview, viewer) else "interview_detail"
    if paths is None:
        return site_url(name, interview.pk)
    return site_link(paths[name](interview.pk))


def _description(interview: Interview, viewer, questions=None, paths=None) -> str:
    """`questions`: the prepared questions' texts in order, if the caller read them
    already (the feed); otherwise they are read here once shared."""
    lines = [_("An informational interview arranged through Fieldnotes.")]
    if interview.format:
        lines.append(
            _("%(format)s, %(minutes)s minutes")
            % {"format": interview.get_format_display(), "minutes": interview.duration_minutes}
        )
    if interview.location:
        lines.append(_("Place: %(place)s") % {"place": interview.location})
    if interview.meeting_url:
        lines.append(_("Join: %(url)s") % {"url": interview.meeting_url})
    if interview.questions_shared_at:
        if questions is None:
            questions = [q.text for q in interview.questions.all()]
        if questions:
            lines.append("")
            lines.append(_("Questions, most important first:"))
            lines += [f"{i}. {text}" for i, text in enumerate(questions, start=1)]
    lines.append("")
    lines.append(_page_url(interview, viewer, paths))
    return "\n".join(lines)


def _address(name: str, email: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def _attendees(interview: Interview, viewer) -> list[tuple[str, str]]:
    """Both people, each with an address the viewer may see: a volunteer's own
    address only goes to the volunteer; the student sees what was shared with them
    on acceptance (copied to the contact), or nothing."""
    people = [(interview.student.full_name, interview.student.email)]
    if _is_volunteer(interview, viewer):
        people.append((interview.volunteer.user.full_name, interview.volunteer.user.email))
    elif interview.contact.email:
        people.append((interview.contact.full_name, interview.contact.email))
    return people


def _event(interview: Interview, *, viewer, method: str | None) -> Event:
    cancelled = method == "CANCEL"
    event = Event()
    event.add("uid", f"{interview.uid}@fieldnotes")
    event.add("sequence", interview.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", interview.starts_at.astimezone(UTC))
    event.add("dtend", interview.ends_at.astimezone(UTC))
    event.add("last-modified", interview.updated_at.astimezone(UTC))
    event.add("summary", _summary(interview, viewer))
    event.add("description", _description(interview, viewer))
    where = interview.location or interview.meeting_url
    if where:
        event.add("location", where)
    if interview.meeting_url:
        event.add("url", interview.meeting_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    # Fieldnotes sends the invitation on both people's behalf; both have already
    # agreed, so nobody is asked to reply.
    organizer = _address("Fieldnotes", parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
    event.add("organizer", organizer)
    if method != "PUBLISH":
        for name, email in _attendees(interview, viewer):
            attendee = _address(
                name,
                email,
                cutype="INDIVIDUAL",
                role="REQ-PARTICIPANT",
                partstat="ACCEPTED",
                rsvp="FALSE",
            )
            event.add("attendee", attendee, encode=0)
    return event


def _calendar(method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def interview_ics(*, interview: Interview, method: str, viewer=None) -> bytes:
    """An invitation (METHOD:REQUEST), a cancellation (METHOD:CANCEL) or a file to
    import (METHOD:PUBLISH), as `viewer` should see it."""
    if method not in METHODS:
        raise ValueError(method)
    if interview.starts_at is None:
        raise ValueError("an interview without a time has no calendar entry")
    cal = _calendar(method)
    cal.add_component(_event(interview, viewer=viewer, method=method))
    return cal.to_ical()


# The file name an emailed invitation or cancellation carries.
ATTACHMENT_NAMES = {"REQUEST": "invite.ics", "CANCEL": "cancel.ics"}


def invitation_attachment(*, interview: Interview, method: str, viewer) -> tuple[str, bytes, str]:
    """An email attachment (name, content, mimetype) carrying the interview's
    invitation (REQUEST) or cancellation (CANCEL) as `viewer` should see it."""
    if method not in ATTACHMENT_NAMES:
        raise ValueError(method)
    ics = interview_ics(interview=interview, method=method, viewer=viewer)
    # Django adds the charset itself.
    return (ATTACHMENT_NAMES[method], ics, f"text/calendar; method={method}")


# Raise when what the feed writes changes (wording, properties), so that calendar
# programs holding an ETag of the old format fetch the new one.
FEED_FORMAT = 1
ICAL_TIME = "%Y%m%dT%H%M%SZ"
FOLD_OCTETS = 75


def _ical_text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11), as icalendar writes it."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _ical_time(value) -> str:
    return value.astimezone(UTC).strftime(ICAL_TIME)


def _fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1): CRLF and a space before each
    continuation, never inside a UTF-8 character nor right after the backslash of
    an escape (some programs mishandle that)."""
    if line.isascii():
        if len(line) <= FOLD_OCTETS:
            return line
        chunks, start, limit = [], 0, FOLD_OCTETS
        while start < len(line):
            end = start + limit
            if end < len(line) and line[end - 1] == "\\" and end - 1 > start:
                end -= 1
            chunks.append(line[start:end])
            # The continuation's leading space counts.
            start, limit = end, FOLD_OCTETS - 1
        return "\r\n ".join(chunks)
    chunks, current, size, limit = [], [], 0, FOLD_OCTETS
    for char in line:
        octets = len(char.encode())
        if current and size + octets > limit:
            carried = current.pop() if len(current) > 1 and current[-1] == "\\" else None
            chunks.append("".join(current))
            current, size = ([carried], 1) if carried else ([], 0)
            limit = FOLD_OCTETS - 1
        current.append(char)
        size += octets
    chunks.append("".join(current))
    return "\r\n ".join(chunks)


def _feed_event_lines(
    interview: Interview, *, viewer, organizer: str, stamp: str, paths: dict
) -> list[str]:
    """The event of `_event(..., method="PUBLISH")`, as content lines."""
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _ical_text(_summary(interview, viewer)),
        "DTSTART:" + _ical_time(interview.starts_at),
        "DTEND:" + _ical_time(interview.ends_at),
        "DTSTAMP:" + stamp,
        "UID:" + _ical_text(f"{interview.uid}@fieldnotes"),
        f"SEQUENCE:{interview.sequence}",
        "DESCRIPTION:"
        + _ical_text(
            _description(interview, viewer, getattr(interview, "feed_questions", None), paths=paths)
        ),
        "LAST-MODIFIED:" + _ical_time(interview.updated_at),
    ]
    where = interview.location or interview.meeting_url
    if where:
        lines.append("LOCATION:" + _ical_text(where))
    lines += [organizer, "STATUS:CONFIRMED", "TRANSP:OPAQUE"]
    if interview.meeting_url:
        lines.append("URL:" + interview.meeting_url)
    lines.append("END:VEVENT")
    return lines


def _feed_takes(interview: Interview, user) -> bool:
    return interview.starts_at is not None and (
        _is_student(interview, user) or _is_volunteer(interview, user)
    )


def calendar_feed_ics(*, user, interviews) -> bytes:
    """The user's subscribed calendar: the given interviews, soonest first, keeping
    only those the user takes part in, whatever the caller passed."""
    name = _ical_text(_("Fieldnotes interviews"))
    refresh = vDuration(FEED_REFRESH).to_ical().decode()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:" + _ical_text(PRODID),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME:" + name,
        "X-WR-CALNAME:" + name,
        "REFRESH-INTERVAL;VALUE=DURATION:" + refresh,
        # Outlook reads its own property instead.
        "X-PUBLISHED-TTL:" + refresh,
    ]
    organizer = "ORGANIZER;CN=Fieldnotes:mailto:" + parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    stamp = _ical_time(timezone.now())
    kept = sorted(
        (i for i in interviews if _feed_takes(i, user)), key=lambda i: (i.starts_at, i.pk)
    )
    paths = {name: path_for_pk(name) for name in ("interview_detail", "inbox_detail")}
    for interview in kept:
        lines += _feed_event_lines(
            interview, viewer=user, organizer=organizer, stamp=stamp, paths=paths
        )
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def calendar_feed_etag(*, user, interviews) -> str:
    """A weak ETag for the feed of these interviews (calendar_feed_interviews'
    rows): a digest of every value the feed is written from, so a calendar
    program's conditional fetch gets 304 Not Modified until something it shows
    changes (a time, a place, a name, a shared question, a meeting joining or
    leaving the 30 days), without writing the feed to find out. Weak, because each
    answer carries its own DTSTAMP."""
    parts = [FEED_FORMAT, get_language(), settings.SITE_URL, settings.DEFAULT_FROM_EMAIL, user.pk]
    for i in interviews:
        parts.append(
            (
                i.pk,
                str(i.uid),
                i.sequence,
                i.state,
                i.starts_at,
                i.duration_minutes,
                i.format,
                i.location,
                i.meeting_url,
                i.questions_shared_at,
                i.updated_at,
                i.student_id,
                i.student.full_name,
                i.contact.full_name,
                i.volunteer.user_id if i.volunteer_id else None,
                tuple(getattr(i, "feed_questions", None) or ()),
            )
        )
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f'W/"{digest}"'
