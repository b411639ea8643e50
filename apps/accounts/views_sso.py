"""Campus single sign-on pages (issue 11, item 7; apps/accounts/sso.py): the office
admin's settings, the sign-in page's way to an office's campus button, and the
OpenID Connect login and callback.

allauth's OpenID Connect login and callback views build allauth's own OAuth2
adapter, which skips the id_token's signature; these two are the same views with
the campus adapter, mounted at the same paths ahead of allauth's (config/urls.py).
"""

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from requests import RequestException

from apps.accounts import selectors, services, sso
from apps.accounts.forms import OfficeSignOnForm
from apps.accounts.permissions import office_admin_required
from apps.accounts.sso import CampusOpenIDConnectAdapter


@login_not_required
def oidc_login(request, provider_id):
    try:
        return OAuth2LoginView.adapter_view(CampusOpenIDConnectAdapter(request, provider_id))(
            request
        )
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc
    except (RequestException, OAuth2Error, ValueError):
        # The provider's discovery document is unreachable, not JSON, or names
        # another issuer than the office configured.
        message = _(
            "Your campus sign-in is not answering as it should. Try again later, or "
            "sign in with your password."
        )
        return render(request, "account/sso_refused.html", {"message": message}, status=502)


@login_not_required
def oidc_callback(request, provider_id):
    try:
        return OAuth2CallbackView.adapter_view(CampusOpenIDConnectAdapter(request, provider_id))(
            request
        )
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc


@office_admin_required
def office_sign_on(request):
    office = request.user.office
    current = selectors.office_sign_on_get(office=office)
    form = OfficeSignOnForm(request.POST or None, instance=current)
    context = {"form": form, "sign_on": current, "urls": sso.provider_urls(request, office)}
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            secret = data.pop("client_secret", "")
            services.office_sign_on_update(
                admin=request.user, office=office, client_secret=secret, **data
            )
            messages.success(request, _("Campus sign-in saved."))
            return redirect("office_sign_on")
        return render(request, "accounts/office_sign_on.html", context, status=400)
    return render(request, "accounts/office_sign_on.html", context)


@login_not_required
def sso_find(request):
    """The sign-in page's "campus sign-in" box: from an address to its office."""
    email = request.GET.get("email", "").strip()[:254]
    sign_on = sso.sign_on_for_email(email) if "@" in email else None
    if sign_on is not None:
        return redirect("sso_office", slug=sign_on.office.slug)
    messages.error(
        request,
        _("There is no campus sign-in for that address. Sign in with your password."),
    )
    return redirect("account_login")


@login_not_required
def sso_office(request, slug: str):
    sign_on = selectors.office_sign_on_enabled(slug=slug)
    if sign_on is None or sign_on not in sso.enabled_sign_ons():
        raise Http404
    return render(
        request,
        "account/sso_office.html",
        {"sign_on": sign_on, "login_url": sso.login_url(sign_on)},
    )
