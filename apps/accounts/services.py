"""Writes for people, offices and invitations."""

import secrets
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import sso
from apps.accounts.enums import Approval, Role
from apps.accounts.events import InvitationAccepted, OfficeAction, OfficeActionKind
from apps.accounts.models import Invitation, Office, OfficeSignOn, User, token_digest
from apps.accounts.selectors import (
    MEMBERS_VERSION_SECONDS,
    members_version_key,
    user_email_taken,
)
from apps.core.emails import email_queue, email_row
from apps.core.events import event_announce
from apps.core.links import site_url
from apps.core.models import single_line
from apps.core.notify import notify
from apps.core.outbox import outbox_bulk_enqueue
from apps.core.versions import version_replace

# An invitation not answered this long after its link was sent gets one reminder.
INVITATION_REMIND_AFTER = timedelta(days=7)
# Reminders one sweep makes at most; the next run takes the rest.
INVITATION_REMIND_BATCH = 500


class InvitationError(ValidationError):
    pass


@transaction.atomic
def members_changed(*, office_id: int | None) -> None:
    """The office's membership changed (see selectors.members_version): a new
    version once the transaction commits, never before, so a count read meanwhile
    from the old data is cached under the old version, which nobody asks for again."""
    if office_id is None:
        return
    transaction.on_commit(
        lambda: version_replace(
            members_version_key(office_id),
            timeout=MEMBERS_VERSION_SECONDS,
            what=f"office {office_id}: the membership counts",
        )
    )


def user_create(
    *,
    office: Office | None,
    email: str,
    full_name: str,
    password: str | None,
    role: str = Role.STUDENT,
    is_office_admin: bool = False,
    approval: str = Approval.APPROVED,
    time_zone: str | None = None,
    email_verified: bool = False,
    is_superuser: bool = False,
) -> User:
    email = email.strip().lower()
    try:
        single_line(full_name)
    except ValidationError as exc:
        raise ValidationError({"full_name": exc.messages}) from exc
    if user_email_taken(email=email):
        raise ValidationError({"email": _("An account with this email address already exists.")})
    extra = {"is_superuser": is_superuser, "is_staff": is_superuser}
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name.strip(),
        office=office,
        role=role,
        is_office_admin=is_office_admin,
        approval=approval,
        time_zone=time_zone or (office.time_zone if office else "UTC"),
        **extra,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    members_changed(office_id=user.office_id)
    return user


def invitation_create(
    *,
    inviter: User,
    email: str,
    role: str,
    is_office_admin: bool = False,
    advisor: User | None = None,
) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns the invitation and the raw
    token; only its digest is stored. An invited student may be given an `advisor`
    (an active advisor of the inviter's office), assigned once they accept."""
    if not inviter.is_office_admin:
        raise PermissionError("only office admins invite")
    email = email.strip().lower()
    # Only this office's members are named: whether an address has an account in
    # another office is not this admin's to learn. Such a person gets the invitation,
    # and its page tells them (only them) that their address is already in use.
    if User.objects.filter(email__iexact=email, office_id=inviter.office_id).exists():
        raise InvitationError(
            {
                "email": _("%(email)s is already a member of your office; no invitation is needed.")
                % {"email": email}
            }
        )
    if is_office_admin and role != Role.ADVISOR:
        raise InvitationError({"is_office_admin": _("Only advisors can be office admins.")})
    if advisor is not None:
        if role != Role.STUDENT:
            raise InvitationError({"advisor": _("Only students are given an advisor.")})
        if not (
            advisor.office_id == inviter.office_id
            and advisor.role == Role.ADVISOR
            and advisor.is_active
        ):
            raise InvitationError({"advisor": _("Choose an advisor of your office.")})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # A fresh invitation replaces any earlier, still-open one to the same address.
        Invitation.objects.filter(
            office_id=inviter.office_id,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            office_id=inviter.office_id,
            email=email,
            role=role,
            is_office_admin=is_office_admin,
            invited_by=inviter,
            advisor=advisor,
            token_digest=token_digest(token),
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        email_queue(**_invitation_email(invitation, token=token, sender=inviter))
        _audit(inviter, OfficeActionKind.INVITED, detail=f"{email} ({role})")
    return invitation, token


def _audit(actor: User, kind: str, *, subject_ids=(), detail: str = "") -> None:
    """For the office's audit trail (advising writes it), in the same transaction."""
    event_announce(
        OfficeAction(actor=actor, kind=kind, subject_ids=tuple(subject_ids), detail=detail)
    )


def _invitation_email(
    invitation: Invitation, *, token: str, sender: User | None, template="accounts/invitation"
) -> dict:
    """email_queue's arguments for an invitation's link (first sent, sent again, or
    the reminder). Replies go to the admin who sent it, when there is one."""
    return {
        "template": template,
        "to": [invitation.email],
        "office_id": invitation.office_id,
        "reply_to": [sender.email] if sender else [],
        "context": {
            "invitation": invitation,
            "office": invitation.office,
            "inviter": sender,
            "accept_url": site_url("invitation_accept", token),
            "days": settings.INVITATION_TTL_DAYS,
        },
    }


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_digest = token_digest(token)
    return token


def invitation_resend(*, admin: User, invitation: Invitation) -> Invitation:
    """Email a pending or expired invitation again, with a fresh link and a fresh
    expiry: the earlier link stops working (only the new token's digest is kept).
    The reminder clock starts again from now."""
    if invitation.office_id != admin.office_id or not admin.is_office_admin:
        raise PermissionError("not this office's admin")
    with transaction.atomic():
        # Locked, so an acceptance or a second resend at the same moment waits and
        # then sees the state this one leaves.
        invitation = (
            Invitation.objects.select_for_update().select_related("office").get(pk=invitation.pk)
        )
        if invitation.accepted_at or invitation.revoked_at:
            raise InvitationError(
                _("Only a pending or expired invitation can be sent again; this one is %(s)s.")
                % {"s": invitation.status}
            )
        if user_email_taken(email=invitation.email):
            raise InvitationError(
                _("%(email)s has a Fieldnotes account now; no invitation is needed.")
                % {"email": invitation.email}
            )
        now = timezone.now()
        token = _new_token(invitation)
        invitation.sent_at = now
        invitation.reminded_at = None
        invitation.expires_at = now + timedelta(days=settings.INVITATION_TTL_DAYS)
        invitation.save(
            update_fields=["token_digest", "sent_at", "reminded_at", "expires_at", "updated_at"]
        )
        email_queue(**_invitation_email(invitation, token=token, sender=admin))
        _audit(admin, OfficeActionKind.INVITATION_RESENT, detail=invitation.email)
    return invitation


def invitation_reminders_create(*, now=None) -> int:
    """One reminder to every invitation still unanswered INVITATION_REMIND_AFTER
    after its link was sent, and not expired. The raw token is not stored, so the
    reminder carries a fresh link that replaces the earlier one (the expiry stays).

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED and marked reminded in
    the transaction that inserts their outbox rows, keyed per invitation and
    sending: a second sweep, at once or later, finds nothing left to remind."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                reminded_at__isnull=True,
                sent_at__lte=now - INVITATION_REMIND_AFTER,
                expires_at__gt=now,
            )
            .select_related("office", "invited_by")
            .order_by("sent_at", "pk")[:INVITATION_REMIND_BATCH]
        )
        rows = []
        for invitation in due:
            token = _new_token(invitation)
            invitation.reminded_at = now
            rows.append(
                email_row(
                    **_invitation_email(
                        invitation,
                        token=token,
                        sender=invitation.invited_by,
                        template="accounts/invitation_reminder",
                    ),
                    key=f"invitation-reminder:{invitation.pk}:{invitation.sent_at.timestamp():.0f}",
                    due_at=now,
                )
            )
        Invitation.objects.bulk_update(due, ["token_digest", "reminded_at"], batch_size=500)
        outbox_bulk_enqueue(rows)
    return len(rows)


def invitation_revoke(*, admin: User, invitation: Invitation) -> None:
    if invitation.office_id != admin.office_id or not admin.is_office_admin:
        raise PermissionError("not this office's admin")
    with transaction.atomic():
        revoked = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            _audit(admin, OfficeActionKind.INVITATION_REVOKED, detail=invitation.email)


def invitation_accept(*, token: str, full_name: str, password: str, time_zone: str) -> User:
    """Turn an invitation into an account in the inviter's office, with the invited
    role. The link came by email, so the address counts as verified."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("office")
            .filter(token_digest=token_digest(token))
            .first()
        )
        if invitation is None:
            raise InvitationError(_("This invitation link is not valid."))
        if invitation.accepted_at:
            raise InvitationError(_("This invitation has already been used."))
        if invitation.revoked_at:
            raise InvitationError(_("This invitation was withdrawn by the office."))
        if invitation.is_expired:
            raise InvitationError(_("This invitation has expired. Ask the office for a new one."))
        try:
            user = user_create(
                office=invitation.office,
                email=invitation.email,
                full_name=full_name,
                password=password,
                role=invitation.role,
                is_office_admin=invitation.is_office_admin,
                time_zone=time_zone,
                email_verified=True,
            )
        except IntegrityError as exc:
            raise InvitationError(_("An account with this email address already exists.")) from exc
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
        # In this transaction: what the apps to the right do about it (an advisor's
        # assignment) commits with the new account or not at all.
        event_announce(InvitationAccepted(invitation=invitation, user=user))
    return user


def volunteer_signup(
    *, office: Office, email: str, full_name: str, password: str, time_zone: str
) -> User:
    """An alumnus offers to be interviewed. The account waits as pending until an
    office admin approves it; the admins hear of it by email."""
    with transaction.atomic():
        user = user_create(
            office=office,
            email=email,
            full_name=full_name,
            password=password,
            role=Role.ALUMNI,
            approval=Approval.PENDING,
            time_zone=time_zone,
        )
        admins = list(
            User.objects.filter(office=office, is_office_admin=True, is_active=True).values_list(
                "email", flat=True
            )
        )
        if admins:
            email_queue(
                template="accounts/volunteer_pending",
                to=admins,
                office_id=office.pk,
                context={
                    "volunteer": user,
                    "office": office,
                    "review_url": site_url("office_volunteers"),
                },
            )
    return user


def volunteer_decide(*, admin: User, volunteer: User, approve: bool, reason: str = "") -> User:
    if not admin.is_office_admin or volunteer.office_id != admin.office_id:
        raise PermissionError("not this office's admin")
    if volunteer.role != Role.ALUMNI:
        raise ValidationError(_("Only alumni volunteers wait for approval."))
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why, so the volunteer knows.")})
    with transaction.atomic():
        volunteer.approval = Approval.APPROVED if approve else Approval.REJECTED
        volunteer.rejection_reason = "" if approve else reason
        volunteer.save(update_fields=["approval", "rejection_reason"])
        members_changed(office_id=volunteer.office_id)
        _audit(
            admin,
            OfficeActionKind.VOLUNTEER_APPROVED if approve else OfficeActionKind.VOLUNTEER_DECLINED,
            subject_ids=[volunteer.pk],
            detail=reason,
        )
        notify(
            user=volunteer,
            template="accounts/volunteer_approved" if approve else "accounts/volunteer_rejected",
            reply_to=[admin.email],
            context={
                "volunteer": volunteer,
                "office": volunteer.office,
                "reason": reason,
                "login_url": site_url("account_login"),
            },
        )
    return volunteer


def user_record_activity(*, user_id: int, at: datetime) -> None:
    """The user did something at `at` (User.last_activity_at). Only moves forward,
    in one conditional UPDATE, so two writers at once cannot move it back."""
    User.objects.of_ids([user_id]).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at)
    ).update(last_activity_at=at)


def user_update_profile(*, user: User, full_name: str, time_zone: str) -> User:
    user.full_name = full_name.strip()
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "time_zone"])
    members_changed(office_id=user.office_id)
    return user


def member_set_active(*, admin: User, member: User, active: bool) -> User:
    if member.office_id != admin.office_id:
        raise PermissionError("not this office's admin")
    members_set_active(admin=admin, member_ids=[member.pk], active=active)
    member.is_active = active
    return member


# One request changes at most this many accounts (a page of the people list).
MAX_MEMBERS_AT_ONCE = 5000


@transaction.atomic
def members_set_active(*, admin: User, member_ids, active: bool) -> int:
    """Deactivate (nobody can sign in; nothing is deleted) or reactivate members of
    the admin's office, all or none: every id must be a member of the office, and
    the admin is never among those deactivated. Returns how many changed."""
    if not admin.is_office_admin or admin.office_id is None:
        raise PermissionError("not an office admin")
    wanted = set(member_ids)
    if not wanted:
        raise ValidationError({"members": _("Select at least one person.")})
    if len(wanted) > MAX_MEMBERS_AT_ONCE:
        raise ValidationError(
            {"members": _("Select at most %(max)s at once.") % {"max": MAX_MEMBERS_AT_ONCE}}
        )
    if not active and admin.pk in wanted:
        raise ValidationError(_("You cannot deactivate your own account."))
    members = User.objects.filter(office_id=admin.office_id, pk__in=wanted)
    if members.count() != len(wanted):
        raise ValidationError({"members": _("Some of those are not people of your office.")})
    # An erased account (advising.rights) stays off: nothing of it could sign in.
    changing = sorted(
        members.exclude(is_active=active)
        .filter(erased_at__isnull=True)
        .values_list("pk", flat=True)
    )
    changed = User.objects.of_ids(changing).update(is_active=active)
    members_changed(office_id=admin.office_id)
    if changing:
        _audit(
            admin,
            OfficeActionKind.REACTIVATED if active else OfficeActionKind.DEACTIVATED,
            subject_ids=changing,
        )
    return changed


def office_update_settings(*, admin: User, office: Office, **values) -> Office:
    if not admin.is_office_admin or office.pk != admin.office_id:
        raise PermissionError("not this office's admin")
    changed = sorted(name for name, value in values.items() if getattr(office, name) != value)
    for name, value in values.items():
        setattr(office, name, value)
    office.full_clean()
    with transaction.atomic():
        office.save()
        if changed:
            _audit(admin, OfficeActionKind.SETTINGS_CHANGED, detail=", ".join(changed))
    return office


def office_sign_on_update(
    *, admin: User, office: Office, client_secret: str = "", **values
) -> OfficeSignOn:
    """Sets the office's campus sign-in. The client secret is write-only: an empty
    one keeps the secret already stored, and it is kept encrypted (accounts.sso)."""
    if not (admin.is_superuser or (admin.is_office_admin and office.pk == admin.office_id)):
        raise PermissionError("not this office's admin")
    sign_on = OfficeSignOn.objects.filter(office=office).first() or OfficeSignOn(office=office)
    changed = sorted(name for name, value in values.items() if getattr(sign_on, name) != value)
    for name, value in values.items():
        setattr(sign_on, name, value)
    if client_secret:
        sign_on.oidc_client_secret_encrypted = sso.secret_encrypt(client_secret)
        changed.append("client_secret")
    sign_on.full_clean()
    with transaction.atomic():
        sign_on.save()
        if changed and not admin.is_superuser:
            _audit(
                admin, OfficeActionKind.SETTINGS_CHANGED, detail="sign_on: " + ", ".join(changed)
            )
    return sign_on


def outbox_retry_for_admin(*, admin, pk: int) -> bool:
    """Send a failed email again. An email to a person with an account goes to
    their current address, so fixing the address on the account and sending again
    works."""
    from apps.core.models import OutboundEmail

    row = (
        OutboundEmail.objects.filter(pk=pk, status=OutboundEmail.Status.FAILED)
        .filter(Q(recipient__office_id=admin.office_id) | Q(office_id=admin.office_id))
        .select_related("recipient")
        .first()
    )
    if row is None:
        return False
    to = [row.recipient.email] if row.recipient is not None else row.to
    return bool(
        OutboundEmail.objects.filter(pk=row.pk, status=OutboundEmail.Status.FAILED).update(
            status=OutboundEmail.Status.PENDING,
            attempts=0,
            due_at=timezone.now(),
            last_error="",
            to=to,
        )
    )
