from django.urls import path

from reference import views

urlpatterns = [
    path("person/<int:pk>/", views.person),
    path("signed-in/", views.signed_in),
]
