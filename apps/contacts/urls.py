from django.urls import include, path

from apps.contacts import views

urlpatterns = [
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/referrers/", views.contact_referrer_search, name="contact_referrer_search"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/merge/<int:other>/", views.contact_merge, name="contact_merge"),
    path("contacts/<int:pk>/archive/", views.contact_archive, name="contact_archive"),
    path("contacts/<int:pk>/restore/", views.contact_restore, name="contact_restore"),
    path("contacts/<int:pk>/target/", views.contact_target_toggle, name="contact_target_toggle"),
    path("contacts/<int:pk>/move/", views.contact_target_move, name="contact_target_move"),
    path("targets/", views.target_list, name="target_list"),
    path("targets/board/", views.target_board, name="target_board"),
    path("targets/reorder/", views.target_reorder, name="target_reorder"),
    path("", include("apps.contacts.urls_transfer")),
    path("", include("apps.contacts.urls_directory")),
]
