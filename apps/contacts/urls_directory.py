from django.urls import path

from apps.contacts import views_directory as views

urlpatterns = [
    path("volunteer/profile/", views.volunteer_profile, name="volunteer_profile"),
    path("volunteer/profile/pause/", views.volunteer_pause, name="volunteer_pause"),
    path("directory/", views.directory_list, name="directory"),
    path("directory/<int:pk>/", views.directory_detail, name="directory_detail"),
    path("directory/<int:pk>/add/", views.directory_contact_add, name="directory_contact_add"),
    path("office/directory/", views.office_directory, name="office_directory"),
    path(
        "office/directory/<int:pk>/deactivate/",
        views.office_volunteer_deactivate,
        name="office_volunteer_deactivate",
    ),
    path(
        "office/directory/<int:pk>/reactivate/",
        views.office_volunteer_reactivate,
        name="office_volunteer_reactivate",
    ),
]
