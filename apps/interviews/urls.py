from django.urls import include, path

from apps.interviews import views, views_home, views_inbox, views_requests

urlpatterns = [
    path("alumni/", views_home.alumni_home, name="alumni_home"),
    path("interviews/", views_requests.interview_list, name="interview_list"),
    path("interviews/<int:pk>/", views.interview_detail, name="interview_detail"),
    path(
        "interviews/request/volunteer/<int:volunteer_pk>/",
        views_requests.request_volunteer,
        name="interview_request_volunteer",
    ),
    path(
        "interviews/request/contact/<int:contact_pk>/",
        views_requests.request_contact,
        name="interview_request_contact",
    ),
    path("interviews/request/check/", views_requests.request_check, name="interview_request_check"),
    path("interviews/<int:pk>/discard/", views.draft_discard, name="interview_draft_discard"),
    path("interviews/<int:pk>/withdraw/", views.withdraw, name="interview_withdraw"),
    path("interviews/<int:pk>/message/", views.message, name="interview_message"),
    path("interviews/<int:pk>/book/", views.book, name="interview_book"),
    path("interviews/<int:pk>/reply/", views.record_reply, name="interview_record_reply"),
    path("interviews/<int:pk>/reschedule/", views.reschedule, name="interview_reschedule"),
    path("interviews/<int:pk>/cancel/", views.cancel, name="interview_cancel"),
    path("interviews/<int:pk>/held/", views.complete, name="interview_complete"),
    path("interviews/<int:pk>/no-show/", views.no_show, name="interview_no_show"),
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/", views_inbox.inbox_detail, name="inbox_detail"),
    path("inbox/<int:pk>/accept/", views_inbox.accept, name="inbox_accept"),
    path("inbox/<int:pk>/decline/", views_inbox.decline, name="inbox_decline"),
    path("", include("apps.interviews.urls_prepare")),
    path("", include("apps.interviews.urls_calendar")),
    path("", include("apps.interviews.urls_templates")),
    path("", include("apps.interviews.urls_bank")),
]
