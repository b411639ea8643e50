"""Calendar invitations (.ics) and the per-user calendar feed, built with icalendar.

One UID per interview for its whole life; SEQUENCE is the interview's `sequence`,
raised by the services on every change of time or place, so calendar programs
update the event in place; a cancellation is METHOD:CANCEL with the same UID and
STATUS:CANCELLED (RFC 5545, RFC 5546). Times are written in UTC, so no VTIMEZONE
is needed.
"""

from datetime import UTC, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from apps.core.links import site_url
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


def _page_url(interview: Interview, viewer) -> str:
    name = "inbox_detail" if _is_volunteer(interview, viewer) else "interview_detail"
    return site_url(name, interview.pk)


def _description(interview: Interview, viewer) -> str:
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
        questions = [q.text for q in interview.questions.all()]
        if questions:
            lines.append("")
            lines.append(_("Questions, most important first:"))
            lines += [f"{i}. {text}" for i, text in enumerate(questions, start=1)]
    lines.append("")
    lines.append(_page_url(interview, viewer))
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


def calendar_feed_ics(*, user, interviews) -> bytes:
    """The user's subscribed calendar: the given interviews, keeping only those
    the user takes part in, whatever the caller passed."""
    cal = _calendar("PUBLISH")
    name = _("Fieldnotes interviews")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    refresh = vDuration(FEED_REFRESH)
    refresh.params["value"] = "DURATION"
    cal.add("refresh-interval", refresh)
    # Outlook reads its own property instead.
    cal.add("x-published-ttl", vDuration(FEED_REFRESH))
    for interview in interviews:
        if interview.starts_at is None:
            continue
        if not (_is_student(interview, user) or _is_volunteer(interview, user)):
            continue
        cal.add_component(_event(interview, viewer=user, method="PUBLISH"))
    return cal.to_ical()
