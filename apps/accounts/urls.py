from django.urls import path

from apps.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("alumni/pending/", views.alumni_pending, name="alumni_pending"),
    path("advisor/", views.advisor_home, name="advisor_home"),
    path("profile/", views.profile, name="profile"),
    path("two-factor/required/", views.two_factor_required, name="two_factor_required"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("o/<slug:slug>/volunteer/", views.volunteer_signup, name="volunteer_signup"),
    path("office/", views.office_home, name="office_home"),
    path("office/settings/", views.office_settings, name="office_settings"),
    path("office/deliverability/", views.office_deliverability, name="office_deliverability"),
    path(
        "office/deliverability/<int:pk>/retry/",
        views.office_deliverability_retry,
        name="office_deliverability_retry",
    ),
    path("office/invitations/", views.office_invitations, name="office_invitations"),
    path(
        "office/invitations/<int:pk>/revoke/",
        views.office_invitation_revoke,
        name="office_invitation_revoke",
    ),
    path(
        "office/invitations/<int:pk>/resend/",
        views.office_invitation_resend,
        name="office_invitation_resend",
    ),
    path("office/volunteers/", views.office_volunteers, name="office_volunteers"),
    path(
        "office/volunteers/<int:pk>/decide/",
        views.office_volunteer_decide,
        name="office_volunteer_decide",
    ),
    path(
        "office/members/<int:pk>/active/", views.office_member_active, name="office_member_active"
    ),
]
