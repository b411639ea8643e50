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
]

# The feed, which calendar apps poll for every subscribed person every few minutes
# (the most requested URL at a large office): config/urls.py puts it first, before
# the hundred-odd patterns Django would try ahead of it here.
feed_urlpatterns = [
    # secrets.token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-].
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$",
        views_calendar.calendar_feed,
        name="calendar_feed",
    ),
]
