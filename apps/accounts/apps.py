from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        # Connects the two-factor, idle-clock and campus sign-in signal receivers.
        from apps.accounts import copies, mfa, sso  # noqa: F401

        # Kept copies of the signed-in user and office are renewed on every change.
        copies.connect()
