from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        # Connects the two-factor, idle-clock and campus sign-in signal receivers.
        from apps.accounts import mfa, sso  # noqa: F401
