"""Is this person already in the student's book? One function answers it for every way
a contact is created: from the directory, from a referral, by hand and by import.

A contact matches when it is linked to the same directory volunteer, or has the same
email, the same LinkedIn URL (apps.contacts.keys.url_key), or the same name at the same
organisation, case, accents and spacing aside (apps.contacts.keys.text_key). The keys
are stored on the contact and indexed with the owner, so the answer is one query
however many contacts the student has."""

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from apps.contacts.keys import ORG_KEY_MAX, email_key, text_key, url_key
from apps.contacts.models import Contact

# How sure a match is, best first: what the "this looks like" line says.
BY_VOLUNTEER, BY_EMAIL, BY_LINKEDIN, BY_NAME = "volunteer", "email", "linkedin", "name"


def match_condition(*, volunteer=None, email=None, linkedin_url=None, name=None, organisation=None):
    """The Q a matching contact meets, or None when nothing given can match."""
    cond = Q()
    if volunteer is not None:
        cond |= Q(volunteer=volunteer)
    if email_key(email):
        cond |= Q(email=email_key(email))
    if url_key(linkedin_url):
        cond |= Q(match_linkedin=url_key(linkedin_url))
    name_key, org_key = text_key(name), text_key(organisation, limit=ORG_KEY_MAX)
    # A name alone is too common to call two people one.
    if name_key and org_key:
        cond |= Q(match_name=name_key, match_org=org_key)
    return cond or None


def contact_matches(
    owner,
    *,
    volunteer=None,
    email=None,
    linkedin_url=None,
    name=None,
    organisation=None,
    exclude_pk=None,
) -> QuerySet[Contact]:
    """The owner's contacts that are probably this person, archived ones included
    (after the ones still in the book), the surest match first. Each carries
    `match_reason` (BY_VOLUNTEER, BY_EMAIL, BY_LINKEDIN or BY_NAME)."""
    cond = match_condition(
        volunteer=volunteer,
        email=email,
        linkedin_url=linkedin_url,
        name=name,
        organisation=organisation,
    )
    if cond is None:
        return Contact.objects.none()
    whens = []
    if volunteer is not None:
        whens.append(When(volunteer=volunteer, then=Value(0)))
    if email_key(email):
        whens.append(When(email=email_key(email), then=Value(1)))
    if url_key(linkedin_url):
        whens.append(When(match_linkedin=url_key(linkedin_url), then=Value(2)))
    qs = (
        Contact.objects.filter(cond, owner=owner)
        .annotate(match_rank=Case(*whens, default=Value(3), output_field=IntegerField()))
        .select_related("field")
        .order_by(F("archived_at").asc(nulls_first=True), "match_rank", "pk")
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def match_reason(contact: Contact) -> str:
    """Why `contact` (from contact_matches) matched."""
    return (BY_VOLUNTEER, BY_EMAIL, BY_LINKEDIN, BY_NAME)[getattr(contact, "match_rank", 3)]


def contact_match_first(owner, **person) -> Contact | None:
    """The contact a new one would duplicate, or None: one query."""
    return contact_matches(owner, **person).first()
