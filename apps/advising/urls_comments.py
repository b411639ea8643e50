from django.urls import path

from apps.advising import views_comments as views

urlpatterns = [
    path(
        "advising/students/<int:pk>/comments/", views.comment_start, name="advising_comment_start"
    ),
    path(
        "advising/students/<int:pk>/coaching-notes/",
        views.coaching_note_add,
        name="advising_coaching_note_add",
    ),
    path(
        "advising/coaching-notes/<int:pk>/edit/",
        views.coaching_note_edit,
        name="advising_coaching_note_edit",
    ),
    path(
        "advising/coaching-notes/<int:pk>/delete/",
        views.coaching_note_delete,
        name="advising_coaching_note_delete",
    ),
    # The student posts these too, and students never reach /advising/.
    path("comments/<int:pk>/reply/", views.comment_reply, name="comment_reply"),
    path("comments/<int:pk>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("comments/<int:pk>/reopen/", views.comment_reopen, name="comment_reopen"),
]
