from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` and screenshots. It sits at the far right of the
    dependency line, so it may use every other app's services."""

    name = "apps.demo"
    label = "demo"
