import copy

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.utils import complete_signup
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import mfa, selectors, services
from apps.accounts.enums import Approval, Role
from apps.accounts.forms import (
    InvitationAcceptForm,
    InvitationFilterForm,
    InvitationForm,
    OfficeSettingsForm,
    ProfileForm,
    VolunteerRejectForm,
    VolunteerSignupForm,
)
from apps.accounts.permissions import advisor_only, office_admin_required
from apps.core.feedback import error_messages, form_add_errors
from apps.core.links import safe_next, site_url_host_allowed

ROLE_HOME = {Role.STUDENT: "student_home", Role.ALUMNI: "alumni_home", Role.ADVISOR: "caseload"}


def home(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("account_login")
    if user.office_id is None:
        return redirect("admin:index") if user.is_superuser else redirect("account_logout")
    if user.role == Role.ALUMNI and user.approval != Approval.APPROVED:
        return redirect("alumni_pending")
    return redirect(ROLE_HOME[user.role])


@advisor_only
def advisor_home(request):
    """The advisor's home was /advisor/ before the caseload (apps.advising) existed;
    links and bookmarks to it still work."""
    return redirect("caseload")


@login_required
def alumni_pending(request):
    user = request.user
    if user.role != Role.ALUMNI:
        raise PermissionDenied
    if user.approval == Approval.APPROVED:
        return redirect("alumni_home")
    return render(request, "accounts/alumni_pending.html")


@login_required
def profile(request):
    # A copy, so that a rejected form does not leave bad values on request.user,
    # which the page header shows.
    form = ProfileForm(request.POST or None, instance=copy.copy(request.user))
    if request.method == "POST":
        if form.is_valid():
            services.user_update_profile(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
        return render(request, "accounts/user_profile.html", {"form": form}, status=400)
    return render(request, "accounts/user_profile.html", {"form": form})


@login_required
def two_factor_required(request):
    """Where StaffSessionMiddleware sends staff whose office requires two-factor
    sign-in and whose session has not used it: why, and the way on."""
    next_url = safe_next(request, reverse("home"))
    user = request.user
    if not mfa.two_factor_required(user) or mfa.session_used_two_factor(request):
        return redirect(next_url)
    return render(
        request,
        "accounts/two_factor_required.html",
        {
            "has_second_factor": mfa.has_second_factor(user),
            "next_url": next_url,
            "idle_minutes": settings.STAFF_IDLE_MINUTES,
        },
    )


def invitation_accept(request, token: str):
    invitation = selectors.invitation_get_by_token(token=token)
    if invitation is None:
        raise Http404
    if not invitation.is_usable:
        return render(
            request, "accounts/invitation_unusable.html", {"invitation": invitation}, status=410
        )
    if selectors.user_email_taken(email=invitation.email):
        # Only the link's holder, who reads that address's mail, learns this.
        return render(
            request,
            "accounts/invitation_unusable.html",
            {"invitation": invitation, "address_in_use": True},
            status=409,
        )
    if request.user.is_authenticated:
        messages.info(request, _("Sign out first to accept an invitation for another account."))
        return redirect("home")
    form = InvitationAcceptForm(
        request.POST or None,
        email=invitation.email,
        initial={"time_zone": invitation.office.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            login(request, user, backend="apps.accounts.backends.AccountBackend")
            messages.success(
                request, _("Welcome to Fieldnotes, %(name)s.") % {"name": user.get_short_name()}
            )
            return redirect("home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if request.method == "POST" else 200,
    )


def volunteer_signup(request, slug: str):
    office = selectors.office_get_open_for_volunteers(slug=slug)
    if request.user.is_authenticated:
        return redirect("home")
    form = VolunteerSignupForm(request.POST or None, initial={"time_zone": office.time_zone})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if selectors.user_email_taken(email=data["email"]):
                # As allauth does with enumeration prevention on: the page looks the
                # same as for a new address, and the owner of the existing account
                # is told by email instead.
                get_adapter(request).send_account_already_exists_mail(data["email"].strip().lower())
                return redirect("account_email_verification_sent")
            try:
                user = services.volunteer_signup(
                    office=office,
                    email=data["email"],
                    full_name=data["full_name"],
                    password=data["password1"],
                    time_zone=data["time_zone"],
                )
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                return complete_signup(
                    request, user, allauth_settings.EMAIL_VERIFICATION, reverse("alumni_pending")
                )
        status = 400
    else:
        status = 200
    return render(
        request, "accounts/volunteer_signup.html", {"form": form, "office": office}, status=status
    )


@office_admin_required
def office_home(request):
    """The office at a glance: how many people of each role (one aggregate query)
    and links to the pages that list them. No member list: the People page
    (apps.advising) pages through them."""
    admin = request.user
    counts = selectors.member_counts_for_admin(admin=admin)
    pending_count = counts.pop("pending")
    return render(
        request,
        "accounts/office_home.html",
        {"office": admin.office, "counts": counts, "pending_count": pending_count},
    )


INVITATIONS_PAGE_SIZE = 50
VOLUNTEERS_PAGE_SIZE = 50


@office_admin_required
def office_invitations(request):
    admin = request.user
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(inviter=admin, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("office_invitations")
    status = 400 if request.method == "POST" else 200
    filters = InvitationFilterForm(request.GET)
    if filters.is_valid():
        invitations = selectors.invitation_search_for_admin(
            admin=admin,
            status=filters.cleaned_data["status"],
            email=filters.cleaned_data["q"],
        )
    else:
        invitations = selectors.invitation_list_for_admin(admin=admin).none()
        status = 400
    page = Paginator(invitations, INVITATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/invitation_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "invitations": list(page.object_list),
            "ttl_days": settings.INVITATION_TTL_DAYS,
        },
        status=status,
    )


@office_admin_required
@require_POST
def office_invitation_revoke(request, pk: int):
    invitation = selectors.invitation_get_for_admin(admin=request.user, pk=pk)
    services.invitation_revoke(admin=request.user, invitation=invitation)
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    return redirect(safe_next(request, reverse("office_invitations")))


@office_admin_required
@require_POST
def office_invitation_resend(request, pk: int):
    """A fresh link and expiry, emailed again; the earlier link stops working."""
    invitation = selectors.invitation_get_for_admin(admin=request.user, pk=pk)
    try:
        services.invitation_resend(admin=request.user, invitation=invitation)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(
            request,
            _("Invitation sent again to %(email)s; the earlier link no longer works.")
            % {"email": invitation.email},
        )
    return redirect(safe_next(request, reverse("office_invitations")))


@office_admin_required
def office_volunteers(request):
    # Oldest first, 50 a page: a campaign can bring hundreds in a week.
    page = Paginator(
        selectors.volunteer_list_pending(admin=request.user), VOLUNTEERS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/volunteer_pending_list.html",
        {
            "page": page,
            "volunteers": list(page.object_list),
            "reject_form": VolunteerRejectForm(),
            "signup_url": request.build_absolute_uri(
                reverse("volunteer_signup", args=[request.user.office.slug])
            ),
        },
    )


@office_admin_required
@require_POST
def office_volunteer_decide(request, pk: int):
    volunteer = selectors.member_get_for_admin(admin=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    form = VolunteerRejectForm(request.POST)
    if not approve and not form.is_valid():
        messages.error(request, _("Give a reason when you do not approve a volunteer."))
        return redirect("office_volunteers")
    try:
        services.volunteer_decide(
            admin=request.user,
            volunteer=volunteer,
            approve=approve,
            reason=form.data.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("office_volunteers")
    if approve:
        messages.success(
            request, _("%(name)s is approved and has been told.") % {"name": volunteer}
        )
    else:
        messages.success(
            request, _("%(name)s is not approved and has been told why.") % {"name": volunteer}
        )
    return redirect("office_volunteers")


@office_admin_required
@require_POST
def office_member_active(request, pk: int):
    member = selectors.member_get_for_admin(admin=request.user, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.member_set_active(admin=request.user, member=member, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (_("%(name)s can sign in again.") if active else _("%(name)s can no longer sign in."))
            % {"name": member},
        )
    return redirect(safe_next(request, reverse("office_home")))


@office_admin_required
def office_settings(request):
    office = request.user.office
    form = OfficeSettingsForm(request.POST or None, instance=office)
    if request.method == "POST":
        if form.is_valid():
            services.office_update_settings(admin=request.user, office=office, **form.cleaned_data)
            messages.success(request, _("Office settings saved."))
            return redirect("office_settings")
        return render(request, "accounts/office_settings.html", {"form": form}, status=400)
    return render(request, "accounts/office_settings.html", {"form": form})


@office_admin_required
def office_deliverability(request):
    failed = selectors.outbox_failed_for_admin(admin=request.user)[:200]
    return render(
        request,
        "accounts/office_deliverability.html",
        {
            "failed": failed,
            # Where every link in an email and calendar feed leads (fieldnotes.W004).
            "site_url": settings.SITE_URL,
            "site_url_ok": site_url_host_allowed(),
        },
    )


@office_admin_required
@require_POST
def office_deliverability_retry(request, pk: int):
    if not services.outbox_retry_for_admin(admin=request.user, pk=pk):
        raise Http404
    messages.success(request, _("The email will be sent again within a minute."))
    return redirect("office_deliverability")
