from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from apps.accounts.models import User
from apps.core.emails import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
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
