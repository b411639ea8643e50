from django.urls import path

from apps.contacts import views_transfer as views

urlpatterns = [
    path("contacts/import/", views.contact_import, name="contact_import"),
    path(
        "contacts/import/template.csv",
        views.contact_import_template,
        name="contact_import_template",
    ),
    path("contacts/import/<int:pk>/", views.contact_import_detail, name="contact_import_detail"),
    path(
        "contacts/import/<int:pk>/confirm/",
        views.contact_import_confirm,
        name="contact_import_confirm",
    ),
    path(
        "contacts/import/<int:pk>/cancel/",
        views.contact_import_cancel,
        name="contact_import_cancel",
    ),
    path(
        "contacts/import/<int:pk>/progress/",
        views.contact_import_progress,
        name="contact_import_progress",
    ),
    path("contacts/export.csv", views.contact_export, name="contact_export"),
    path("contacts/<int:pk>/vcard/", views.contact_vcard, name="contact_vcard"),
    path("contacts/vcards/", views.contacts_vcards, name="contacts_vcards"),
]
