from django.urls import path

from apps.accounts import views_sso

# Mounted under accounts/ ahead of allauth's URLs (config/urls.py), same names.
urlpatterns = [
    path("oidc/<str:provider_id>/login/", views_sso.oidc_login, name="openid_connect_login"),
    path(
        "oidc/<str:provider_id>/login/callback/",
        views_sso.oidc_callback,
        name="openid_connect_callback",
    ),
]
