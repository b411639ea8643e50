from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self):
        from apps.core import checks  # noqa: F401  (registers the deployment checks)
        from apps.core.channels import channel_register
        from apps.core.channels.email import EmailChannel

        channel_register(EmailChannel())
