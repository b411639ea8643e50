from django.urls import path

from apps.followups import views, views_home

urlpatterns = [
    path("student/", views_home.student_home, name="student_home"),
    path("followups/", views.followup_list, name="followup_list"),
    path("followups/badge/", views.followups_badge, name="followups_badge"),
    path(
        "interviews/<int:pk>/thank-you/",
        views.interview_thank_you_panel,
        name="interview_thank_you_panel",
    ),
    path("followups/<int:pk>/thank-you/", views.followup_thank_you, name="followup_thank_you"),
    path("followups/<int:pk>/done/", views.followup_done, name="followup_done"),
    path("followups/<int:pk>/snooze/", views.followup_snooze, name="followup_snooze"),
    path("followups/<int:pk>/stop/", views.followup_stop, name="followup_stop"),
    path("followups/<int:pk>/cadence/", views.followup_cadence, name="followup_cadence"),
    path("followups/contacts/<int:pk>/log/", views.interaction_log, name="interaction_log"),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
