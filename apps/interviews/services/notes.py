"""What the student takes away, written: quick notes during the meeting, A.I.R.
notes after it, and referrals that become contacts in one step. Notes belong to
the student; the `shared_with_advisor` flag is stored for the advising pages to
honour. Reads (the notes, the referral map) are in selectors/notes.py."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.contacts.enums import Source
from apps.contacts.matching import contact_match_first
from apps.contacts.models import Contact
from apps.contacts.services import contact_create, contact_record_interaction
from apps.core.events import event_announce
from apps.interviews.enums import State
from apps.interviews.events import InterviewNotesSaved
from apps.interviews.models import Interview, InterviewNotes, Referral
from apps.interviews.selectors.questions import MEETING_STATES

NOTES_FIELDS = (
    "advice",
    "information",
    "referrals",
    "reflection",
    "field_fit",
    "shared_with_advisor",
)


MAX_REFERRALS_AT_ONCE = 10


def _check_student(student, interview: Interview) -> None:
    if interview.student_id != student.pk:
        raise PermissionError("not the student's interview")


def _notes_saved(interview: Interview, notes: InterviewNotes) -> None:
    """Writing notes about the person counts as being in touch with them."""
    contact_record_interaction(
        contact=interview.contact, at=notes.updated_at, what=_("Notes updated")
    )
    event_announce(InterviewNotesSaved(interview=interview, at=notes.updated_at))


def _notes_for_update(interview: Interview) -> InterviewNotes:
    notes = InterviewNotes.objects.select_for_update().filter(interview=interview).first()
    return notes or InterviewNotes(interview=interview)


@transaction.atomic
def interview_quick_notes_save(*, student, interview: Interview, text: str) -> InterviewNotes:
    """Saved as the student types during the meeting."""
    _check_student(student, interview)
    if interview.state not in MEETING_STATES:
        raise ValidationError(_("Quick notes are for a scheduled or just-held meeting."))
    notes = _notes_for_update(interview)
    notes.quick_notes = text or ""
    notes.full_clean(exclude=["interview"])
    notes.save()
    _notes_saved(interview, notes)
    return notes


@transaction.atomic
def interview_notes_save(*, student, interview: Interview, **data) -> InterviewNotes:
    """Advice, Information, Referrals, reflections and the field-fit score, after
    the meeting was held."""
    _check_student(student, interview)
    if interview.state != State.COMPLETED:
        raise ValidationError(_("Mark the meeting as held before you write up your notes."))
    unknown = set(data) - set(NOTES_FIELDS)
    if unknown:
        raise TypeError(f"unknown notes fields: {sorted(unknown)}")
    notes = _notes_for_update(interview)
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(notes, name, value)
    notes.full_clean(exclude=["interview"])
    notes.save()
    _notes_saved(interview, notes)
    return notes


@dataclass
class ReferralOutcome:
    referral: Referral
    contact: Contact
    # True when the person was already in the contact book and was linked, not added.
    existing: bool


@transaction.atomic
def referrals_add(*, student, interview: Interview, people: list[dict]) -> list[ReferralOutcome]:
    """Record the people the interviewee suggested and put each in the contact book at
    once: referred by the interviewee, in the same field, on the target list. Someone
    already in the book (same email, or same name at the same organisation) is linked
    instead of added twice. All or nothing."""
    _check_student(student, interview)
    if interview.state != State.COMPLETED:
        raise ValidationError(_("Referrals are recorded after the meeting was held."))
    if not people:
        raise ValidationError(_("Fill in at least one person."))
    if len(people) > MAX_REFERRALS_AT_ONCE:
        raise ValidationError(
            _("Add at most %(n)s people at a time.") % {"n": MAX_REFERRALS_AT_ONCE}
        )
    referrer = interview.contact
    outcomes = []
    for person in people:
        full_name = " ".join((person.get("full_name") or "").split())
        organisation = " ".join((person.get("organisation") or "").split())
        email = (person.get("email") or "").strip().lower()
        why = (person.get("note") or "").strip()
        referral = Referral(
            interview=interview,
            full_name=full_name,
            organisation=organisation,
            email=email,
            note=why,
        )
        referral.full_clean(exclude=["interview", "contact"])
        existing = contact_match_first(
            student, email=email, name=full_name, organisation=organisation
        )
        if existing is None:
            contact = contact_create(
                student=student,
                full_name=full_name,
                organisation=organisation,
                email=email,
                notes=why,
                source=Source.REFERRAL,
                referred_by=referrer,
                field=referrer.field,
                on_target_list=True,
            )
        else:
            contact = existing
        referral.contact = contact
        referral.save()
        outcomes.append(
            ReferralOutcome(referral=referral, contact=contact, existing=existing is not None)
        )
    return outcomes
