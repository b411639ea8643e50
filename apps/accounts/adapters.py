from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts import sso
from apps.accounts.models import User
from apps.accounts.services import members_changed
from apps.core.emails import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed sign-in attempts from here. Try again in a few minutes, "
            "or sign in with a code sent to your email."
        ),
    }

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth counts failed passwords per address signed in to ("key": 5 in 5
        # minutes) and per client IP. Keyed on the address alone, anyone could lock
        # an account by failing five times; keyed on the address *and* the client,
        # the lock falls on whoever failed, and the owner elsewhere signs in (or,
        # from the same place, asks for an emailed sign-in code). The per-IP limit
        # still bounds each client over every address.
        address = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{address}:{self.get_client_ip(request)}"

    def is_open_for_signup(self, request):
        # Accounts come from invitations and the per-office volunteer page, which
        # create users through our services; allauth's own sign-up form stays shut.
        return False

    def get_login_redirect_url(self, request):
        return reverse("home")

    def send_mail(self, template_prefix, email, context):
        # Through the outbox like every other email, so a passing SMTP outage
        # delays a verification link instead of losing it.
        context.setdefault("site_name", "Fieldnotes")
        msg = self.render_mail(template_prefix, email, context)
        recipient = User.objects.filter(email__iexact=email).first()
        email_queue_message(msg, kind=template_prefix, recipient=recipient)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Campus single sign-on: each office's provider (apps/accounts/sso.py)."""

    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        return apps + sso.office_social_apps(provider=provider, client_id=client_id)

    def pre_social_login(self, request, sociallogin):
        sso.sign_on_admit(request, sociallogin)

    def is_open_for_signup(self, request, sociallogin):
        return sso.signup_allowed(sociallogin)

    def populate_user(self, request, sociallogin, data):
        user = sociallogin.user
        email = (data.get("email") or "").strip().lower()
        user.email = email
        user.full_name = sso.name_from_claims(data, email)
        return user

    def save_user(self, request, sociallogin, form=None):
        sso.new_student(sociallogin.user, sociallogin)
        user = super().save_user(request, sociallogin, form=form)
        members_changed(office_id=user.office_id)
        return user
