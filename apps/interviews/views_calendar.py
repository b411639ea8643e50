"""Calendar pages: the .ics a participant downloads, the secret feed calendar
programs subscribe to, and the page where a person finds or resets that feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from apps.accounts.permissions import participant
from apps.core.links import site_url
from apps.interviews import calendar, selectors, services
from apps.interviews.enums import State
from apps.interviews.selectors import interview_get_for_participant

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _ics_response(body: bytes, *, filename: str, disposition: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@login_required
@require_GET
@never_cache
def interview_invite_ics(request, pk: int):
    """The meeting as a file to import, for its student or its volunteer only."""
    interview = interview_get_for_participant(user=request.user, pk=pk)
    if interview.state != State.SCHEDULED:
        raise Http404
    body = calendar.interview_ics(interview=interview, method="PUBLISH", viewer=request.user)
    return _ics_response(body, filename=f"interview-{interview.pk}.ics", disposition="attachment")


@require_safe
@never_cache
def calendar_feed(request, token: str):
    """No sign-in: calendar programs fetch this on their own. The token is the
    credential, so the answer is never cached by anyone but the caller. No
    Last-Modified: no one time covers a renamed contact, an edited shared question
    or a meeting leaving the 30 days, so only the ETag answers a conditional GET."""
    found = selectors.calendar_feed_read(token=token)
    if found is None:
        raise Http404
    owner, rows = found
    etag = calendar.calendar_feed_etag(owner=owner, rows=rows)
    # Calendar programs poll: one that sends back the ETag it holds gets a 304
    # while nothing the feed shows has changed, and the feed is not written.
    response = get_conditional_response(request, etag=etag)
    if response is None:
        body = calendar.calendar_feed_ics(owner=owner, rows=rows)
        response = _ics_response(body, filename="fieldnotes.ics", disposition="inline")
    response["ETag"] = etag
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _feed_urls(feed) -> dict:
    https_url = site_url("calendar_feed", feed.token)
    return {
        "feed_url": https_url,
        # Apple Calendar and Outlook on the desktop subscribe when given webcal://.
        "webcal_url": "webcal://" + https_url.split("://", 1)[1],
    }


@participant
@require_GET
@never_cache
def calendar_settings(request):
    feed = services.calendar_feed_get_or_create(user=request.user)
    return render(request, "interviews/calendar_settings.html", {"feed": feed, **_feed_urls(feed)})


@participant
@require_http_methods(["GET", "POST"])
@never_cache
def calendar_reset(request):
    if request.method == "POST":
        services.calendar_feed_reset(user=request.user)
        messages.success(
            request,
            _(
                "Your calendar link is new. The old one has stopped working: subscribe "
                "again with the link below wherever you used it."
            ),
        )
        return redirect("calendar_settings")
    return render(request, "interviews/calendar_reset_confirm.html")
