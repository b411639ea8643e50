from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "apps.interviews"
    label = "interviews"

    def ready(self):
        from apps.interviews import handlers

        handlers.register()
