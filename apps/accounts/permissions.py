"""Who may open which page. Every role-specific view goes through one of these."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from apps.accounts.enums import Approval, Role


def role_required(*roles: str):
    """Signed-in users of the given roles only; others get 403. Alumni who are not
    (yet) approved are sent to the page that explains where they stand."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.office_id is None or user.role not in roles:
                raise PermissionDenied
            if user.role == Role.ALUMNI and user.approval != Approval.APPROVED:
                return redirect("alumni_pending")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def office_admin_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.office_id is None or not user.is_office_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# The role checks views use, defined once.
student_only = role_required(Role.STUDENT)
alumni_only = role_required(Role.ALUMNI)
advisor_only = role_required(Role.ADVISOR)
# Both sides of a conversation.
participant = role_required(Role.STUDENT, Role.ALUMNI)
# Everyone with a home in an office (not office-admin-only pages).
member = role_required(Role.STUDENT, Role.ALUMNI, Role.ADVISOR)
