from django.apps import AppConfig


class AdvisingConfig(AppConfig):
    name = "apps.advising"
    label = "advising"
