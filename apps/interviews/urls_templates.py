from django.urls import path

from apps.interviews import views_templates as views

urlpatterns = [
    path(
        "office/request-templates/",
        views.request_template_list,
        name="office_request_templates",
    ),
    path(
        "office/request-templates/new/",
        views.request_template_create,
        name="office_request_template_create",
    ),
    path(
        "office/request-templates/preview/",
        views.request_template_preview,
        name="office_request_template_preview",
    ),
    path(
        "office/request-templates/<int:pk>/",
        views.request_template_edit,
        name="office_request_template_edit",
    ),
    path(
        "office/request-templates/<int:pk>/archive/",
        views.request_template_archive,
        name="office_request_template_archive",
    ),
    path(
        "office/request-templates/<int:pk>/restore/",
        views.request_template_restore,
        name="office_request_template_restore",
    ),
]
