from django.apps import AppConfig


class AdvisingConfig(AppConfig):
    name = "apps.advising"
    label = "advising"

    def ready(self):
        from apps.advising import guards, handlers, slots

        guards.register()
        handlers.register()
        slots.register()
