from django.urls import path

from apps.advising import views

urlpatterns = [
    path("advising/", views.caseload, name="caseload"),
    path("advising/caseload.csv", views.caseload_csv, name="caseload_csv"),
    path("advising/students/<int:pk>/", views.student_page, name="advising_student"),
]
