from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model

from apps.core.compiled import PrimaryKeyRead

# Every signed-in request reads its user: compiled once per process, not per request.
user_with_office = PrimaryKeyRead(
    lambda: get_user_model()._default_manager.select_related("office")
)


class AccountBackend(AuthenticationBackend):
    """allauth's email login, loading the user's office with the user: every page
    shows the office, so this saves a query on each request."""

    def get_user(self, user_id):
        user = user_with_office.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
