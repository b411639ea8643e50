from django.urls import path

from apps.accounts import views_sso

# Mounted under accounts/ ahead of allauth's URLs (config/urls.py), same names.
oidc_urlpatterns = [
    path("oidc/<str:provider_id>/login/", views_sso.oidc_login, name="openid_connect_login"),
    path(
        "oidc/<str:provider_id>/login/callback/",
        views_sso.oidc_callback,
        name="openid_connect_callback",
    ),
]

urlpatterns = [
    path("sso/", views_sso.sso_find, name="sso_find"),
    path("sso/<slug:slug>/", views_sso.sso_office, name="sso_office"),
    path("office/sign-on/", views_sso.office_sign_on, name="office_sign_on"),
]
