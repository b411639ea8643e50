from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        # Connects the two-factor and idle-clock signal receivers.
        from apps.accounts import mfa  # noqa: F401
