"""What the contacts services announce (apps.core.events), for the apps to the right
to react to in the same transaction.

Subscribers today (grep event_subscribe): the interviews app moves the dropped
contact's interviews and referrals to the kept one, and the follow-ups engine its
follow-ups and logged interactions (and the running check-in to the kept clock).
"""

from dataclasses import dataclass

from apps.contacts.models import Contact


@dataclass(frozen=True)
class ContactsMerging:
    """`drop` is being merged into `keep` (contacts.services.contact_merge): `keep`
    already holds the merged fields and clock; every row that points at `drop` must
    point at `keep` when the handlers return, or the merge is undone. `drop` is
    deleted afterwards."""

    student: object
    keep: Contact
    drop: Contact
