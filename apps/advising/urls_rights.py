from django.urls import path

from apps.advising import views_rights

urlpatterns = [
    path("profile/export/", views_rights.profile_export, name="profile_export"),
    path("profile/delete/", views_rights.profile_delete, name="profile_delete"),
    path("office/deletions/", views_rights.office_erasures, name="office_erasures"),
    path(
        "office/deletions/<int:pk>/erase/",
        views_rights.office_erasure_carry_out,
        name="office_erasure_carry_out",
    ),
]
