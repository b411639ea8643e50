from django.urls import path

from apps.advising import views_people as views

urlpatterns = [
    path("office/people/", views.people, name="office_people"),
    path("office/people/bulk/", views.people_bulk, name="office_people_bulk"),
    path("office/people/assign-by-rule/", views.people_assign_by_rule, name="office_people_rule"),
]
