import functools
from html import escape

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import member, student_only
from apps.core.feedback import error_messages
from apps.core.links import path_for_pk, route_path, safe_next
from apps.core.rendering import (
    LocalDates,
    options_html,
    pagination_html,
    render_list,
    time_since_aware,
)
from apps.followups import selectors, services
from apps.followups.enums import CADENCE_CHOICES, InteractionKind, Kind, SentVia, Snooze, Status
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
#
# Each row is written here as HTML rather than by the template engine (a page has up
# to 40 rows, each some 60 template nodes, forms included): the words every row
# shares are translated once per language, dates come from per-language tables,
# paths from routes reversed once per process. The markup is the template's as it
# was, byte for byte (tests/followups/test_list_html.py). `escape` is the standard
# library's, which Django's wraps (a lazy-string check on every call, 50 a row): the
# values escaped here are all str.


def _around_name(sentence: str, **values) -> tuple[str, ...]:
    """`sentence` with its %(name)s left out, each part escaped: joined by an escaped
    name, the escaped sentence, as html.escape works character by character."""
    return tuple(escape(part) for part in (sentence % {**values, "name": "\x00"}).split("\x00"))


@functools.cache
def _words(language: str | None) -> dict:
    """What every row says in the active language, looked up once per language: the
    template's {% translate %} literals (not escaped, as the tag leaves them), the
    sentences rows fill in, the choices' labels and the cadence <select>s."""
    return {
        "snoozed": _("Snoozed until %(date)s"),
        "was_due": _("Was due %(date)s (%(ago)s ago)"),
        "due": _("Due %(date)s (in %(left)s)"),
        "last_contact": _("Last contact: %(what)s, %(date)s"),
        "thanked": _("Thanked %(name)s"),
        "checked_in": _("Checked in with %(name)s"),
        "write": _("Write thank-you"),
        "another_way": _("Sent another way"),
        "skip": _("Skip"),
        "stop": _("Stop check-ins"),
        "done": _("Done"),
        "share": _("What did you share? (optional)"),
        "came_of_it": _("What came of their advice? (optional)"),
        "save_check_in": _("Save check-in"),
        "log": _("Log an interaction"),
        "check_in_every": _("Check in"),
        "save": _("Save"),
        "on_time": _("on time"),
        "late": _("late"),
        "snoozes": [
            (
                escape(value),
                _around_name(_("Snooze check-in with %(name)s for %(label)s"), label=label),
                escape(_("Snooze %(label)s") % {"label": label}),
            )
            for value, label in Snooze.choices
        ],
        # Sentences around a name, escaped: the escaped name goes between the parts.
        "thank_parts": _around_name(_("Thank %(name)s")),
        "check_in_parts": _around_name(_("Check in with %(name)s")),
        "interactions_parts": _around_name(_("Interactions logged with %(name)s")),
        "outcome_help_parts": _around_name(
            _(
                "For example “I got an internship in policy research”. %(name)s sees this "
                "on their Fieldnotes home."
            )
        ),
        "interaction_kinds": {value: str(label) for value, label in InteractionKind.choices},
        "sent_via": {value: str(label) for value, label in SentVia.choices},
        "cadence": {
            current: mark_safe(options_html(CADENCE_CHOICES, current))  # noqa: S308
            for current in [None, *(months for months, _label in CADENCE_CHOICES)]
        },
    }


def _paths() -> dict:
    """The rows' paths, each escaped as a whole once, its id put between the
    escaped parts per row: kept per process for each URLconf, script prefix and
    language (path_for_pk reads them; building the six took as long as the
    page's overdue rows)."""
    return _paths_for(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language())


@functools.lru_cache(maxsize=64)
def _paths_for(_urlconf, _prefix, _language) -> dict:
    paths = {action: path_for_pk(f"followup_{action}") for action in _ACTIONS}
    paths["log"] = path_for_pk("interaction_log")
    return {name: _escaped_path(path) for name, path in paths.items()}


_MARKER = 2_147_483_647


def _escaped_path(path):
    head, _marker, tail = escape(path(_MARKER)).partition(str(_MARKER))
    return lambda pk: f"{head}{pk}{tail}"


_ACTIONS = ("done", "snooze", "stop", "cadence", "thank_you")


def _active_rows_html(items, *, section: str, hidden: str, now, language, dates, paths) -> str:
    """A section's rows as the template wrote them."""
    w = _words(language)
    out = []
    for followup in items:
        contact = followup.contact
        name = contact.full_name
        pk = followup.pk
        e_name = escape(name)
        if followup.status == Status.SNOOZED:
            when = escape(w["snoozed"] % {"date": dates.day_long(followup.snoozed_until)})
        elif section == "overdue":
            when = escape(
                w["was_due"]
                % {
                    "date": dates.due(followup.due_at),
                    "ago": time_since_aware(followup.due_at, now, language),
                }
            )
            when = f'<span class="text-danger-emphasis">{when}</span>'
        else:
            when = escape(
                w["due"]
                % {
                    "date": dates.due(followup.due_at),
                    "left": time_since_aware(now, followup.due_at, language),
                }
            )
        organisation = contact.organisation
        organisation = (
            f'<span class="text-body-secondary"> · {escape(organisation)}</span>'
            if organisation
            else ""
        )
        done_path = paths["done"](pk)
        stop_path = paths["stop"](pk)
        if followup.kind == Kind.THANK_YOU:
            out.append(
                _row_html(
                    pk=pk,
                    title=e_name.join(w["thank_parts"]),
                    organisation=organisation,
                    when=when,
                    actions=f"""
      <a class="btn btn-sm btn-primary" href="{paths["thank_you"](pk)}"><i class="bi bi-envelope" aria-hidden="true"></i> {w["write"]}<span class="visually-hidden"> ({e_name})</span></a>
      <form method="post" action="{done_path}">{hidden}<button class="btn btn-sm btn-outline-success" type="submit">{w["another_way"]}<span class="visually-hidden"> ({e_name})</span></button></form>
      <form method="post" action="{stop_path}">{hidden}<button class="btn btn-sm btn-link text-body-secondary" type="submit">{w["skip"]}<span class="visually-hidden"> ({e_name})</span></button></form>
    </div>
  </div>
      """,  # noqa: E501
                )
            )
            continue
        last = ""
        if contact.last_interaction_at:
            last = "<br>" + escape(
                w["last_contact"]
                % {
                    "what": contact.last_interaction,
                    "date": dates.day_short(contact.last_interaction_at),
                }
            )
        interactions = ""
        if contact.recent_interactions:
            kinds = w["interaction_kinds"]
            logged = "".join(
                f'<li><time datetime="{escape(dates.local(i.occurred_at).isoformat())}">'
                f"{escape(dates.day_short(i.occurred_at))}</time> · "
                f"{escape(kinds.get(i.kind, i.kind))}"
                f"{': ' + escape(i.note) if i.note else ''}</li>"
                for i in contact.recent_interactions
            )
            label = e_name.join(w["interactions_parts"])
            interactions = f"""
      <ul class="list-unstyled small text-body-secondary mb-0 mt-1" aria-label="{label}">
        {logged}
      </ul>
      """
        snoozes = "".join(
            f'<button class="btn btn-sm btn-outline-secondary" type="submit" name="period" '
            f'value="{value}" aria-label="{e_name.join(aria)}">'
            f"{text}</button>"
            for value, aria, text in w["snoozes"]
        )
        outcome = ""
        if contact.volunteer_id:
            outcome = f"""
        <label class="form-label small" for="outcome-{pk}">{w["came_of_it"]}</label>
        <input class="form-control form-control-sm" id="outcome-{pk}" name="outcome" maxlength="300" aria-describedby="outcome-help-{pk}">
        <div class="form-text mb-2" id="outcome-help-{pk}">{e_name.join(w["outcome_help_parts"])}</div>
        """  # noqa: E501
        cadence = w["cadence"]
        options = cadence.get(followup.cadence_months, cadence[None])
        out.append(
            _row_html(
                pk=pk,
                title=e_name.join(w["check_in_parts"]),
                organisation=organisation,
                when=when,
                last=last,
                interactions=interactions,
                actions=f"""
      <form method="post" action="{paths["snooze"](pk)}" class="d-flex gap-1">{hidden}
        {snoozes}
      </form>
      <form method="post" action="{stop_path}">{hidden}<button class="btn btn-sm btn-link text-body-secondary" type="submit">{w["stop"]}<span class="visually-hidden"> ({e_name})</span></button></form>
    </div>
  </div>
  <div class="d-flex flex-wrap gap-3 mt-2">
    <details class="flex-grow-1">
      <summary class="btn btn-sm btn-success">{w["done"]}<span class="visually-hidden"> ({e_name})</span></summary>
      <form method="post" action="{done_path}" class="mt-2">{hidden}
        <label class="form-label small" for="note-{pk}">{w["share"]}</label>
        <textarea class="form-control form-control-sm mb-2" id="note-{pk}" name="note" rows="2" maxlength="1000"></textarea>
        {outcome}
        <button class="btn btn-sm btn-success" type="submit">{w["save_check_in"]}</button>
      </form>
    </details>
    <a class="btn btn-sm btn-outline-primary align-self-start" href="{paths["log"](contact.pk)}"><i class="bi bi-chat-dots" aria-hidden="true"></i> {w["log"]}<span class="visually-hidden"> ({e_name})</span></a>
    <form method="post" action="{paths["cadence"](pk)}" class="d-flex flex-wrap align-items-center gap-1">{hidden}
      <label class="small text-body-secondary" for="cadence-{pk}">{w["check_in_every"]}</label>
      <select class="form-select form-select-sm w-auto" id="cadence-{pk}" name="months">
        {options}
      </select>
      <button class="btn btn-sm btn-outline-secondary" type="submit">{w["save"]}<span class="visually-hidden"> ({e_name})</span></button>
    </form>
  </div>
  """,  # noqa: E501
            )
        )
    return mark_safe("".join(out))


def _row_html(*, pk, title, organisation, when, actions, last="", interactions="") -> str:
    return f"""
<li class="list-group-item" id="followup-{pk}">
  <div class="d-flex flex-wrap justify-content-between gap-2">
    <div class="me-auto">
      <strong>{title}</strong>{organisation}
      <div class="small text-body-secondary">
        {when}
        {last}
      </div>
      {interactions}
    </div>
    <div class="d-flex flex-wrap gap-2 align-items-start">
      {actions}
</li>"""


def _done_rows_html(items, *, language, dates) -> str:
    w = _words(language)
    sent_via = w["sent_via"]
    out = []
    for followup in items:
        title = w["thanked"] if followup.kind == Kind.THANK_YOU else w["checked_in"]
        done_at = followup.done_at
        iso = escape(dates.local(done_at).isoformat()) if done_at else ""
        via = followup.sent_via
        via = f" · {escape(sent_via.get(via, via))}" if via else ""
        note = f'<p class="small mb-0 mt-1">{escape(followup.note)}</p>' if followup.note else ""
        on_time = followup.on_time
        if on_time is True:
            badge = f'<span class="badge text-bg-success align-self-start">{w["on_time"]}</span>'
        elif on_time is False:
            badge = f'<span class="badge text-bg-warning align-self-start">{w["late"]}</span>'
        else:
            badge = ""
        out.append(
            f"""
    <li class="list-group-item" id="followup-{followup.pk}">
      <div class="d-flex flex-wrap justify-content-between gap-2">
        <div class="me-auto">
          <strong>{escape(title % {"name": followup.contact.full_name})}</strong>
          <div class="small text-body-secondary"><time datetime="{iso}">{escape(dates.day_long(done_at))}</time>{via}</div>
          {note}
        </div>
        {badge}
      </div>
    </li>
    """  # noqa: E501
        )
    return mark_safe("".join(out))


@functools.cache
def _page_words(language: str | None) -> dict:
    """The page's own words around its rows, as its template's {% translate %} tags
    left them (not escaped), looked up once per language."""
    return {
        "title": _("Follow-ups"),
        "reminders": _("Email reminders"),
        "intro": _(
            "Thank each person within a day of your conversation, then keep in touch: "
            "tell them how your search is going. People who hear back are the ones who "
            "later mention an opening or offer to mentor."
        ),
        "all": _("All follow-ups"),
        "empty": {
            "overdue": _("Nothing overdue."),
            "this-week": _("Nothing due in the next seven days."),
            "upcoming": _("Nothing planned further ahead."),
        },
        "done": _("Recently done"),
        "nothing": _("Nothing to follow up yet"),
        "nothing_help": _(
            "When you mark a conversation as held, your thank-you appears here, and then "
            "regular check-ins with the person you met."
        ),
        "conversations": _("My conversations"),
    }


def _content_html(request, *, groups, only, sections, done_html, language) -> str:
    """The page's content block as followup_list.html wrote it (tests/followups/
    test_list_page_html.py renders that template as it was and compares)."""
    w = _page_words(language)
    head = f"""
<div class="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-2">
  <h1 class="h3 mb-0">{w["title"]}</h1>
  <a class="btn btn-sm btn-outline-secondary" href="{escape(route_path("notification_settings"))}"><i class="bi bi-bell" aria-hidden="true"></i> {w["reminders"]}</a>
</div>
<p class="text-body-secondary">{w["intro"]}</p>
"""  # noqa: E501
    if not groups.has_any:
        return mark_safe(  # noqa: S308
            f"""{head}
<div class="card"><div class="card-body text-center py-5">
  <h2 class="h5">{w["nothing"]}</h2>
  <p class="text-body-secondary">{w["nothing_help"]}</p>
  <a class="btn btn-primary" href="{escape(route_path("interview_list"))}">{w["conversations"]}</a>
</div></div>

"""  # noqa: E501
        )
    out = [head, "\n"]
    if only:
        out.append(f'<p><a href="{escape(route_path("followup_list"))}">{w["all"]}</a></p>')
    out.append("\n")
    for section in sections:
        key, items, count = section["key"], section["items"], section["count"]
        badge = "text-bg-danger" if key == "overdue" and items else "text-bg-secondary"
        if items:
            if only:
                more = pagination_html(request, groups.page)
            elif count > selectors.SECTION_PREVIEW:
                see_all = ngettext("See all %(n)s", "See all %(n)s", count) % {"n": count}
                more = f'<p class="mt-2 mb-0"><a href="?section={key}">{see_all}</a></p>'
            else:
                more = ""
            body = f"""
  <ul class="list-group">
    {section["rows_html"]}
  </ul>
  {more}
  """
        else:
            body = f"""
  <p class="small text-body-secondary mb-0">{w["empty"][key]}</p>
  """
        out.append(
            f"""
<section class="mb-4" aria-labelledby="h-{key}">
  <h2 class="h5" id="h-{key}">{escape(section["label"])} <span class="badge {badge}">{count}</span></h2>
  {body}
</section>
"""  # noqa: E501
        )
    out.append("\n")
    if done_html:
        out.append(
            f"""
<section class="mb-4" aria-labelledby="h-done">
  <h2 class="h5" id="h-done">{w["done"]}</h2>
  <ul class="list-group">
    {done_html}
  </ul>
</section>
"""
        )
    out.append("\n\n")
    return mark_safe("".join(out))  # noqa: S308


@student_only
def followup_list(request):
    # ?section= opens one section alone, a page at a time (its anchor's name).
    only = request.GET.get("section", "").replace("-", "_")
    only = only if only in selectors.SECTIONS else None
    now = timezone.now()
    groups = selectors.followup_groups_for_student(
        student=request.user, section=only, page=request.GET.get("page"), now=now
    )
    sections = [
        ("overdue", _("Overdue"), groups.overdue, groups.counts["overdue"]),
        ("this-week", _("Due this week"), groups.this_week, groups.counts["this_week"]),
        ("upcoming", _("Coming up"), groups.upcoming, groups.counts["upcoming"]),
    ]
    # What every form on the page carries: the CSRF token and, from one section's
    # page, where to come back to.
    hidden = csrf_input(request)
    language = get_language()
    dates = LocalDates(language)
    paths = _paths()
    if only:
        hidden += format_html(
            '<input type="hidden" name="next" value="{}">', request.get_full_path()
        )
    sections = [
        {
            "key": key,
            "label": label,
            "items": items,
            "rows_html": _active_rows_html(
                items,
                section=key,
                hidden=hidden,
                now=now,
                language=language,
                dates=dates,
                paths=paths,
            ),
            "count": count,
        }
        for key, label, items, count in sections
        if only is None or key.replace("-", "_") == only
    ]
    done_html = _done_rows_html(groups.done, language=language, dates=dates)
    return render_list(
        request,
        "followups/followup_list.html",
        {
            "groups": groups,
            "only": only,
            "sections": sections,
            "done_html": done_html,
            "content_html": _content_html(
                request,
                groups=groups,
                only=only,
                sections=sections,
                done_html=done_html,
                language=language,
            ),
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
