from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model

from apps.accounts.copies import user_with_office as kept_user_with_office
from apps.core.compiled import PrimaryKeyRead

# Every signed-in request reads its user: compiled once per process, not per request.
user_with_office = PrimaryKeyRead(
    lambda: get_user_model()._default_manager.select_related("office")
)


class AccountBackend(AuthenticationBackend):
    """allauth's email login, loading the user's office with the user: every page
    shows the office, so this saves a query on each request. Both come from this
    process's copy while neither has changed (accounts.copies)."""

    def get_user(self, user_id):
        user = kept_user_with_office(user_id, user_with_office)
        return user if user is not None and self.user_can_authenticate(user) else None
