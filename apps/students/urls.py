from django.urls import path

from apps.students import views

urlpatterns = [
    path("me/profile/", views.profile_edit, name="student_profile"),
    path("me/profile/pitch-check/", views.pitch_check, name="student_pitch_check"),
    path("me/research/", views.note_list, name="research_note_list"),
    path("me/research/new/", views.note_edit, name="research_note_create"),
    path("me/research/<int:pk>/", views.note_detail, name="research_note_detail"),
    path("me/research/<int:pk>/edit/", views.note_edit, name="research_note_edit"),
    path("me/research/<int:pk>/delete/", views.note_delete, name="research_note_delete"),
    path("office/fields/", views.field_list, name="office_fields"),
    path("office/fields/<int:pk>/", views.field_edit, name="office_field_edit"),
    path("office/fields/standard/", views.field_seed, name="office_fields_seed"),
]
