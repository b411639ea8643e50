from django.urls import path

from apps.advising import views_audit

urlpatterns = [
    path("office/audit/", views_audit.office_audit, name="office_audit"),
    path("office/audit.csv", views_audit.office_audit_csv, name="office_audit_csv"),
    path("me/record-access/", views_audit.record_access, name="record_access"),
]
