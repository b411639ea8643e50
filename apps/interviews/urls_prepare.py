from django.urls import path

from apps.interviews import views_prepare as views

urlpatterns = [
    path("interviews/<int:pk>/prepare/", views.prepare, name="interview_prepare"),
    path(
        "interviews/<int:pk>/prepare/write/", views.question_write, name="interview_question_write"
    ),
    path(
        "interviews/<int:pk>/prepare/pick/", views.questions_pick, name="interview_questions_pick"
    ),
    path(
        "interviews/<int:pk>/prepare/reorder/",
        views.questions_reorder,
        name="interview_questions_reorder",
    ),
    path(
        "interviews/<int:pk>/prepare/share/",
        views.questions_share,
        name="interview_questions_share",
    ),
    path(
        "interviews/<int:pk>/prepare/<int:question_pk>/remove/",
        views.question_remove,
        name="interview_question_remove",
    ),
    path(
        "interviews/<int:pk>/prepare/<int:question_pk>/move/",
        views.question_move,
        name="interview_question_move",
    ),
    path("interviews/<int:pk>/meeting/", views.meeting, name="interview_meeting"),
    path(
        "interviews/<int:pk>/meeting/<int:question_pk>/asked/",
        views.question_asked,
        name="interview_question_asked",
    ),
    path("interviews/<int:pk>/meeting/notes/", views.quick_notes, name="interview_quick_notes"),
    path("interviews/<int:pk>/meeting/held/", views.meeting_held, name="interview_meeting_held"),
    path("interviews/<int:pk>/notes/", views.notes, name="interview_notes"),
    path(
        "interviews/<int:pk>/notes/referrals/", views.referrals_add, name="interview_referrals_add"
    ),
    path("network/", views.referral_map, name="referral_map"),
]
