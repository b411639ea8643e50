from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.accounts import urls_sso
from apps.core import views as core_views
from apps.interviews import urls_calendar

# The admin's own login form would skip two-factor and allauth's rate limits: it
# sends everyone to the one sign-in instead, and refuses a signed-in non-staff user.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("", include(urls_calendar.feed_urlpatterns)),
    # Browsers ask for /favicon.ico where a page names no icon (JSON, files).
    path("favicon.ico", core_views.favicon),
    # Campus sign-in's OpenID Connect views (a nonce, a verified signature) take
    # the place of allauth's at the same paths.
    path("accounts/", include(urls_sso.oidc_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("apps.accounts.urls")),
    path("", include("apps.accounts.urls_sso")),
    path("", include("apps.students.urls")),
    path("", include("apps.contacts.urls")),
    path("", include("apps.interviews.urls")),
    path("", include("apps.followups.urls")),
    path("", include("apps.advising.urls")),
    path("", include("apps.advising.urls_people")),
]

handler403 = "apps.core.views.error_403"
handler404 = "apps.core.views.error_404"
handler500 = "apps.core.views.error_500"

if settings.DEBUG:
    urlpatterns += [
        path("__errors__/403/", core_views.error_403),
        path("__errors__/404/", core_views.error_404),
        path("__errors__/500/", core_views.error_500),
    ]
