from django.urls import include, path

from apps.advising import views, views_dashboard

urlpatterns = [
    path("advising/", views.caseload, name="caseload"),
    path("advising/caseload.csv", views.caseload_csv, name="caseload_csv"),
    path("advising/dashboard/", views_dashboard.dashboard, name="advising_dashboard"),
    path("advising/dashboard.csv", views_dashboard.dashboard_csv, name="advising_dashboard_csv"),
    path("advising/students/<int:pk>/", views.student_page, name="advising_student"),
    path("advising/assign/", views.assign, name="advising_assign"),
    path(
        "advising/students/<int:pk>/advisors/<int:advisor_pk>/remove/",
        views.unassign,
        name="advising_unassign",
    ),
    # The office admin's people import, /office/people/import/...
    path("", include("apps.advising.urls_import")),
    path("", include("apps.advising.urls_comments")),
    path("", include("apps.advising.urls_audit")),
    path("", include("apps.advising.urls_rights")),
]
