from django.urls import path

from apps.advising import views_import as views

urlpatterns = [
    path("office/people/import/", views.people_import, name="people_import"),
    path(
        "office/people/import/template.csv",
        views.people_import_template,
        name="people_import_template",
    ),
    path("office/people/import/<int:pk>/", views.people_import_detail, name="people_import_detail"),
    path(
        "office/people/import/<int:pk>/confirm/",
        views.people_import_confirm,
        name="people_import_confirm",
    ),
    path(
        "office/people/import/<int:pk>/progress/",
        views.people_import_progress,
        name="people_import_progress",
    ),
]
