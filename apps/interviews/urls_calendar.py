from django.urls import path, re_path

from apps.interviews import views_calendar

urlpatterns = [
    path(
        "interviews/<int:pk>/invite.ics",
        views_calendar.interview_invite_ics,
        name="interview_ics",
    ),
    path("calendar/", views_calendar.calendar_settings, name="calendar_settings"),
    path("calendar/reset/", views_calendar.calendar_reset, name="calendar_reset"),
    # secrets.token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-].
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$",
        views_calendar.calendar_feed,
        name="calendar_feed",
    ),
]
