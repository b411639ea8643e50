from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import member, student_only
from apps.core.feedback import error_messages
from apps.core.links import safe_next
from apps.core.rendering import render_list
from apps.followups import selectors, services
from apps.followups.enums import CADENCE_CHOICES, Kind, Snooze, Status
from apps.followups.forms import (
    CadenceForm,
    DoneForm,
    InteractionForm,
    NotificationPreferenceForm,
    SnoozeForm,
    ThankYouForm,
)
from apps.followups.notifications import (
    EXPIRED,
    notification_preference_get,
    notification_preference_update,
    notification_unsubscribe,
    quiet_hours_window,
    unsubscribe_token_user,
)
from apps.interviews.selectors import interview_get_for_student

# --- The follow-ups page ------------------------------------------------------------


def _path_for(name: str):
    """The path of the URL `name` for any follow-up's pk: reversed once for the
    page, not once for each row and action."""
    marker = 2147483647
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _day(moment, format: str) -> str:
    # As the template's |date filter shows it: in the viewer's time zone.
    return date_format(timezone.localtime(moment), format) if moment else ""


def _active_rows(items, *, section: str, paths: dict, cadence_options: dict) -> list[dict]:
    """What each row of a section shows, worked out here rather than by template
    tags row by row (a page has 30): its words, dates and the paths its forms post
    to. The forms themselves are plain HTML in the template."""
    rows = []
    for followup in items:
        contact = followup.contact
        name = contact.full_name
        pk = followup.pk
        row = {
            "followup": followup,
            "pk": pk,
            "name": name,
            "organisation": contact.organisation,
            "thank_you": followup.kind == Kind.THANK_YOU,
            "overdue": False,
            "done_path": paths["done"](pk),
            "stop_path": paths["stop"](pk),
        }
        if followup.status == Status.SNOOZED:
            row["when"] = _("Snoozed until %(date)s") % {
                "date": _day(followup.snoozed_until, "D j M Y")
            }
        elif section == "overdue":
            row["overdue"] = True
            row["when"] = _("Was due %(date)s (%(ago)s ago)") % {
                "date": _day(followup.due_at, "D j M, H:i"),
                "ago": timesince(followup.due_at),
            }
        else:
            row["when"] = _("Due %(date)s (in %(left)s)") % {
                "date": _day(followup.due_at, "D j M, H:i"),
                "left": timeuntil(followup.due_at),
            }
        if row["thank_you"]:
            row["title"] = _("Thank %(name)s") % {"name": name}
            row["write_path"] = paths["thank_you"](pk)
            rows.append(row)
            continue
        row["title"] = _("Check in with %(name)s") % {"name": name}
        if contact.last_interaction_at:
            row["last_contact"] = _("Last contact: %(what)s, %(date)s") % {
                "what": contact.last_interaction,
                "date": _day(contact.last_interaction_at, "j M Y"),
            }
        row["interactions"] = [
            (
                _day(interaction.occurred_at, "c"),
                _day(interaction.occurred_at, "j M Y"),
                interaction.get_kind_display(),
                interaction.note,
            )
            for interaction in contact.recent_interactions
        ]
        if row["interactions"]:
            row["interactions_label"] = _("Interactions logged with %(name)s") % {"name": name}
        row["snoozes"] = [
            (
                value,
                _("Snooze check-in with %(name)s for %(label)s") % {"name": name, "label": label},
                text,
            )
            for value, label, text in paths["snooze_choices"]
        ]
        row["snooze_path"] = paths["snooze"](pk)
        row["cadence_path"] = paths["cadence"](pk)
        row["cadence_options"] = cadence_options.get(followup.cadence_months, cadence_options[None])
        row["log_path"] = paths["log"](contact.pk)
        if contact.volunteer_id:
            row["outcome_help"] = _(
                "For example “I got an internship in policy research”. %(name)s sees this "
                "on their Fieldnotes home."
            ) % {"name": name}
        rows.append(row)
    return rows


def _done_rows(items) -> list[dict]:
    thanked, checked_in = _("Thanked %(name)s"), _("Checked in with %(name)s")
    return [
        {
            "followup": followup,
            "pk": followup.pk,
            "title": (thanked if followup.kind == Kind.THANK_YOU else checked_in)
            % {"name": followup.contact.full_name},
            "iso": _day(followup.done_at, "c"),
            "day": _day(followup.done_at, "D j M Y"),
            "sent_via": followup.get_sent_via_display() if followup.sent_via else "",
            "note": followup.note,
            "on_time": followup.on_time,
        }
        for followup in items
    ]


def _cadence_options() -> dict:
    """The cadence <select>'s options with each choice selected (and, under None,
    none), built once a page."""
    selected = mark_safe(" selected")
    return {
        current: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (months, selected if months == current else "", label)
                for months, label in CADENCE_CHOICES
            ),
        )
        for current in [None, *(months for months, _label in CADENCE_CHOICES)]
    }


@student_only
def followup_list(request):
    # ?section= opens one section alone, a page at a time (its anchor's name).
    only = request.GET.get("section", "").replace("-", "_")
    only = only if only in selectors.SECTIONS else None
    groups = selectors.followup_groups_for_student(
        student=request.user, section=only, page=request.GET.get("page")
    )
    sections = [
        ("overdue", _("Overdue"), groups.overdue, groups.counts["overdue"]),
        ("this-week", _("Due this week"), groups.this_week, groups.counts["this_week"]),
        ("upcoming", _("Coming up"), groups.upcoming, groups.counts["upcoming"]),
    ]
    paths = {
        action: _path_for(f"followup_{action}")
        for action in ("done", "snooze", "stop", "cadence", "thank_you")
    }
    paths["log"] = _path_for("interaction_log")
    paths["snooze_choices"] = [
        (value, label, _("Snooze %(label)s") % {"label": label}) for value, label in Snooze.choices
    ]
    cadence_options = _cadence_options()
    # What every form on the page carries: the CSRF token and, from one section's
    # page, where to come back to.
    hidden = csrf_input(request)
    if only:
        hidden += format_html(
            '<input type="hidden" name="next" value="{}">', request.get_full_path()
        )
    return render_list(
        request,
        "followups/followup_list.html",
        {
            "groups": groups,
            "only": only,
            "sections": [
                {
                    "key": key,
                    "label": label,
                    "items": items,
                    "rows": _active_rows(
                        items, section=key, paths=paths, cadence_options=cadence_options
                    ),
                    "count": count,
                }
                for key, label, items, count in sections
                if only is None or key.replace("-", "_") == only
            ],
            "done_rows": _done_rows(groups.done),
            "hidden": hidden,
            "preview": selectors.SECTION_PREVIEW,
        },
    )


@student_only
@require_GET
def interview_thank_you_panel(request, pk: int):
    """The thank-you's state on a held interview's page, loaded by htmx (the
    interviews app cannot read follow-ups): due and a link to write it, or how and
    when it went."""
    interview = interview_get_for_student(student=request.user, pk=pk)
    followup = (
        selectors.followup_list_for_student(student=request.user)
        .filter(interview=interview, kind=Kind.THANK_YOU)
        .first()
    )
    return render(
        request,
        "followups/_interview_thank_you.html",
        {"followup": followup, "now": timezone.now()},
    )


@student_only
@require_GET
def followups_badge(request):
    """The nav's count, loaded by htmx after the page, so no page pays a query."""
    count = selectors.followups_due_count(student=request.user)
    return render(request, "followups/_nav_badge.html", {"count": count})


def _back(followup, request=None):
    # From one section's page (?section=…&page=…) the forms say where they were
    # sent from, so the student lands back on that page, not on the first ten.
    page = safe_next(request, reverse("followup_list")) if request else reverse("followup_list")
    return redirect(f"{page.split('#')[0]}#followup-{followup.pk}")


def _act(request, followup, action, success):
    try:
        action()
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, success)
    return _back(followup, request)


@student_only
@require_POST
def followup_done(request, pk: int):
    followup = selectors.followup_get_for_student(student=request.user, pk=pk)
    form = DoneForm(request.POST)
    if not form.is_valid():
        error_messages(request, ValidationError(form.errors))
        return _back(followup, request)
    success = (
        _("Thank-you marked as sent.")
        if followup.kind == Kind.THANK_YOU
        else _("Check-in done. The next one is on your list.")
    )
    return _act(
        request,
        followup,
        lambda: services.followup_complete(
            student=request.user,
            followup=followup,
            note=form.cleaned_data["note"],
            outcome=form.cleaned_data["outcome"],
        ),
        success,
    )


@student_only
@require_POST
def followup_snooze(request, pk: int):
    followup = selectors.followup_get_for_student(student=request.user, pk=pk)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how long to snooze."))
        return _back(followup, request)
    return _act(
        request,
        followup,
        lambda: services.followup_snooze(
            student=request.user, followup=followup, period=form.cleaned_data["period"]
        ),
        _("Snoozed. It comes back to your list by itself."),
    )


@student_only
@require_POST
def followup_stop(request, pk: int):
    followup = selectors.followup_get_for_student(student=request.user, pk=pk)
    return _act(
        request,
        followup,
        lambda: services.followup_stop(student=request.user, followup=followup),
        _("Stopped. No more reminders about this one."),
    )


@student_only
@require_POST
def followup_cadence(request, pk: int):
    followup = selectors.followup_get_for_student(student=request.user, pk=pk)
    form = CadenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose 1, 3, 6 or 12 months."))
        return _back(followup, request)
    return _act(
        request,
        followup,
        lambda: services.keep_in_touch_set_cadence(
            student=request.user, followup=followup, months=form.cleaned_data["months"]
        ),
        _("Saved. The next check-in moved with it."),
    )


# --- Logging an interaction --------------------------------------------------------


def _logged_message(contact, logged: services.InteractionLogged) -> str:
    name = contact.full_name
    if logged.checkin is None:
        return _(
            "Logged. Check-ins with %(name)s are stopped; they start again after your next meeting."
        ) % {"name": name}
    day = date_format(timezone.localtime(logged.checkin.due_at), "j F Y")
    if logged.moved:
        return _("Logged. The next check-in with %(name)s is due on %(date)s.") % {
            "name": name,
            "date": day,
        }
    return _(
        "Logged. You were in touch with %(name)s more recently, so the next check-in "
        "stays on %(date)s."
    ) % {"name": name, "date": day}


@student_only
@require_http_methods(["GET", "POST"])
def interaction_log(request, pk: int):
    """A message, a call, a coffee with someone the student met: the check-in clock
    restarts from it."""
    contact = selectors.contact_get_met_for_student(student=request.user, pk=pk)
    today = services.student_today(student=request.user)
    next_url = safe_next(request)
    status = 200
    if request.method == "POST":
        form = InteractionForm(request.POST, today=today)
        if form.is_valid():
            try:
                logged = services.interaction_log(
                    student=request.user, contact=contact, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _logged_message(contact, logged))
                if next_url:
                    return redirect(next_url)
                if logged.checkin is not None:
                    return _back(logged.checkin)
                return redirect("contact_detail", pk=contact.pk)
        status = 400
    else:
        form = InteractionForm(today=today)
    return render(
        request,
        "followups/interaction_form.html",
        {
            "contact": contact,
            "checkin": selectors.checkin_active_for_contact(contact_id=contact.pk),
            "recent": contact.recent_interactions,
            "form": form,
            "next": next_url,
        },
        status=status,
    )


# --- Writing the thank-you ----------------------------------------------------------


@student_only
@require_http_methods(["GET", "POST"])
def followup_thank_you(request, pk: int):
    followup = selectors.followup_get_for_student(student=request.user, pk=pk)
    if followup.kind != Kind.THANK_YOU:
        raise Http404
    interview = followup.interview
    recipient, _visible = selectors.thank_you_recipient(interview=interview)
    status = 200
    if request.method == "POST" and followup.status in (Status.OPEN, Status.SNOOZED):
        form = ThankYouForm(request.POST)
        action = request.POST.get("action")
        if action == "other":
            try:
                services.followup_complete(student=request.user, followup=followup)
            except ValidationError as exc:
                error_messages(request, exc)
            else:
                messages.success(request, _("Thank-you marked as sent."))
            return redirect("followup_list")
        if form.is_valid():
            try:
                services.followup_thank_you_send(
                    student=request.user,
                    followup=followup,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Your thank-you is on its way to %(name)s, with a copy to you.")
                    % {"name": followup.contact.full_name},
                )
                return redirect("followup_list")
        status = 400
    else:
        draft = selectors.thank_you_draft(followup=followup, student=request.user)
        form = ThankYouForm(initial={"subject": draft.subject, "body": draft.body})
    return render(
        request,
        "followups/followup_thank_you.html",
        {
            "followup": followup,
            "interview": interview,
            "form": form,
            "recipient": recipient,
        },
        status=status,
    )


# --- Preferences and unsubscribe ----------------------------------------------------


@member
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    preference = notification_preference_get(user=request.user)
    options = {"role": request.user.role, "quiet_window": quiet_hours_window(request.user.office)}
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST, instance=preference, **options)
        if form.is_valid():
            notification_preference_update(
                user=request.user, **{name: form.cleaned_data[name] for name in form.fields}
            )
            messages.success(request, _("Your email preferences are saved."))
            return redirect("notification_settings")
        status = 400
    else:
        form = NotificationPreferenceForm(instance=preference, **options)
        status = 200
    return render(request, "followups/notification_settings.html", {"form": form}, status=status)


@csrf_protect
def _unsubscribe_page(request, token: str):
    user, topic = unsubscribe_token_user(token)
    if user is None or user is EXPIRED:
        return render(
            request,
            "followups/unsubscribe_invalid.html",
            {"expired": user is EXPIRED},
            status=400,
        )
    if request.method == "POST":
        notification_unsubscribe(user=user, topic=topic)
        return render(request, "followups/unsubscribe_done.html", {"topic": topic})
    return render(
        request,
        "followups/unsubscribe_confirm.html",
        {"topic": topic, "token": token},
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """No sign-in: the signed token is the authority. A mail client's RFC 8058
    one-click POST carries no CSRF token and needs none (it cannot be forged
    without the token); the confirmation page's own form is CSRF-protected."""
    if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
        user, topic = unsubscribe_token_user(token)
        if user is None or user is EXPIRED:
            return HttpResponse(status=400)
        notification_unsubscribe(user=user, topic=topic)
        return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")
    return _unsubscribe_page(request, token)
