from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.utils.decorators import decorator_from_middleware

from reference.models import Person


def person(request, pk: int):
    return render(request, "person.html", {"person": get_object_or_404(Person, pk=pk)})


# Django's own session and authentication middleware, on this view only, so that the
# bare view above stays bare: the session read from Redis (cached_db, as Fieldnotes
# reads it), the user read by ModelBackend, then the same page as the bare view.
@decorator_from_middleware(SessionMiddleware)
@decorator_from_middleware(AuthenticationMiddleware)
def signed_in(request):
    if not request.user.is_authenticated:
        return HttpResponseForbidden("not signed in")
    return render(request, "person.html", {"person": request.user})
