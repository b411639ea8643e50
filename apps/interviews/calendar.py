"""Calendar invitations (.ics) and the per-user calendar feed, built with icalendar.

One UID per interview for its whole life; SEQUENCE is the interview's `sequence`,
raised by the services on every change of time or place, so calendar programs
update the event in place; a cancellation is METHOD:CANCEL with the same UID and
STATUS:CANCELLED (RFC 5545, RFC 5546). Times are written in UTC, so no VTIMEZONE
is needed.

A single event (an invitation, a download) is built with icalendar. The feed, which
calendar programs fetch every hour with dozens of events, is written line by line
here (`_feed_event_lines`): icalendar's components cost some 0.2 ms an event. Both
read the same words (`_words`, `_description_text`), and a test holds the feed's
event equal to the downloaded one, property by property.
"""

import hashlib
from datetime import UTC, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from apps.contacts.enums import Format
from apps.core.links import path_for_pk, site_link, site_url
from apps.core.models import choice_label
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


def _words() -> dict:
    """What an event says, in the active language: looked up once for a whole feed."""
    return {
        "summary": _("Informational interview with %(name)s"),
        "intro": _("An informational interview arranged through Fieldnotes."),
        "format": _("%(format)s, %(minutes)s minutes"),
        "place": _("Place: %(place)s"),
        "join": _("Join: %(url)s"),
        "questions": _("Questions, most important first:"),
    }


def _summary(interview: Interview, viewer) -> str:
    if _is_volunteer(interview, viewer):
        other = interview.student.full_name
    else:
        other = interview.contact.full_name
    return _words()["summary"] % {"name": other}


def _page_url(interview: Interview, viewer) -> str:
    name = "inbox_detail" if _is_volunteer(interview, viewer) else "interview_detail"
    return site_url(name, interview.pk)


def _description(interview: Interview, viewer) -> str:
    """The event's description; the prepared questions are read here once shared."""
    questions = None
    if interview.questions_shared_at:
        questions = [q.text for q in interview.questions.all()]
    return _description_text(
        _words(),
        format_label=interview.get_format_display() if interview.format else "",
        minutes=interview.duration_minutes,
        location=interview.location,
        meeting_url=interview.meeting_url,
        questions=questions,
        page_url=_page_url(interview, viewer),
    )


def _description_text(
    words: dict, *, format_label, minutes, location, meeting_url, questions, page_url
) -> str:
    """What an event's description says, the download's and the feed's alike:
    `format_label` empty without a format, `questions` the shared questions' texts
    in order (None or empty for none)."""
    lines = [words["intro"]]
    if format_label:
        lines.append(words["format"] % {"format": format_label, "minutes": minutes})
    if location:
        lines.append(words["place"] % {"place": location})
    if meeting_url:
        lines.append(words["join"] % {"url": meeting_url})
    if questions:
        lines.append("")
        lines.append(words["questions"])
        lines += [f"{i}. {text}" for i, text in enumerate(questions, start=1)]
    lines.append("")
    lines.append(page_url)
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


def _feed_event_lines(row, *, owner: int, organizer: str, stamp: str, words: dict, paths):
    """The event of `_event(..., method="PUBLISH")` for a FeedRow, as content lines."""
    as_volunteer = row.volunteer_user_id == owner
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:"
        + _ical_text(
            words["summary"] % {"name": row.student_name if as_volunteer else row.contact_name}
        ),
        "DTSTART:" + _ical_time(row.starts_at),
        "DTEND:" + _ical_time(row.starts_at + timedelta(minutes=row.duration_minutes)),
        "DTSTAMP:" + stamp,
        "UID:" + _ical_text(f"{row.uid}@fieldnotes"),
        f"SEQUENCE:{row.sequence}",
        "DESCRIPTION:"
        + _ical_text(
            _description_text(
                words,
                format_label=choice_label(Format, row.format) if row.format else "",
                minutes=row.duration_minutes,
                location=row.location,
                meeting_url=row.meeting_url,
                questions=row.questions if row.questions_shared_at else None,
                page_url=site_link(paths[as_volunteer](row.pk)),
            )
        ),
        "LAST-MODIFIED:" + _ical_time(row.updated_at),
    ]
    where = row.location or row.meeting_url
    if where:
        lines.append("LOCATION:" + _ical_text(where))
    lines += [organizer, "STATUS:CONFIRMED", "TRANSP:OPAQUE"]
    if row.meeting_url:
        lines.append("URL:" + row.meeting_url)
    lines.append("END:VEVENT")
    return lines


def calendar_feed_ics(*, owner: int, rows) -> bytes:
    """The owner's subscribed calendar: the given meetings (selectors.FeedRow), soonest
    first, keeping only those the owner takes part in, whatever the caller passed."""
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
        (
            row
            for row in rows
            if row.starts_at is not None
            and (row.student_id == owner or row.volunteer_user_id == owner)
        ),
        key=lambda row: (row.starts_at, row.pk),
    )
    # The page a meeting links to, by whether the owner is its volunteer.
    paths = {False: path_for_pk("interview_detail"), True: path_for_pk("inbox_detail")}
    words = _words()
    for row in kept:
        lines += _feed_event_lines(
            row, owner=owner, organizer=organizer, stamp=stamp, words=words, paths=paths
        )
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def calendar_feed_etag(*, owner: int, rows) -> str:
    """A weak ETag for the feed of these meetings (calendar_feed_read's FeedRows): a
    digest of every value the feed is written from, so a calendar program's
    conditional fetch gets 304 Not Modified until something it shows changes (a
    time, a place, a name, a shared question, a meeting joining or leaving the 30
    days), without writing the feed to find out. Weak, because each answer carries
    its own DTSTAMP."""
    parts = [FEED_FORMAT, get_language(), settings.SITE_URL, settings.DEFAULT_FROM_EMAIL, owner]
    for row in rows:
        parts.append(
            (
                row.pk,
                str(row.uid),
                row.sequence,
                row.state,
                row.starts_at,
                row.duration_minutes,
                row.format,
                row.location,
                row.meeting_url,
                row.questions_shared_at,
                row.updated_at,
                row.student_id,
                row.student_name,
                row.contact_name,
                row.volunteer_user_id,
                tuple(row.questions or ()),
            )
        )
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f'W/"{digest}"'
