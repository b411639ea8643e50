from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "apps.followups"
    label = "followups"

    def ready(self):
        from apps.followups import guards, handlers, slots

        guards.register()
        handlers.register()
        slots.register()
