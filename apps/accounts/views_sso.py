"""Campus single sign-on pages (issue 11, item 7; apps/accounts/sso.py).

allauth's OpenID Connect login and callback views build allauth's own OAuth2
adapter, which skips the id_token's signature; these two are the same views with
the campus adapter, mounted at the same paths ahead of allauth's (config/urls.py).
"""

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from requests import RequestException

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
