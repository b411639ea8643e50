from django.apps import AppConfig


class StudentsConfig(AppConfig):
    name = "apps.students"
    label = "students"
