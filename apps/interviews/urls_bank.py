from django.urls import path

from apps.interviews import views_bank as views

urlpatterns = [
    path("office/questions/", views.question_bank, name="office_questions"),
    path("office/questions/new/", views.question_create, name="office_question_create"),
    path("office/questions/<int:pk>/", views.question_edit, name="office_question_edit"),
    path(
        "office/questions/<int:pk>/retire/",
        views.question_retire,
        name="office_question_retire",
    ),
    path(
        "office/questions/<int:pk>/restore/",
        views.question_restore,
        name="office_question_restore",
    ),
    path("office/questions/<int:pk>/move/", views.question_move, name="office_question_move"),
]
