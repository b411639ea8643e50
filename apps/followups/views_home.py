"""The student's home. It lives in followups, the right-most app it reads: getting
ready (students, contacts), the conversations coming up (interviews) and what is
due (follow-ups), with the one next step that matters most today."""

import functools
from datetime import timedelta
from html import escape

from django.template.defaultfilters import truncatewords
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.accounts.permissions import student_only
from apps.accounts.selectors import user_home_intro
from apps.contacts.enums import Stage
from apps.contacts.selectors import contact_counts_for_student, target_list_for_student
from apps.core.links import path_for_pk, route_path, route_path_for_pk
from apps.core.rendering import day_and_month_names, render_list, time_since_aware
from apps.followups.enums import Kind
from apps.followups.selectors import followups_due_soon, student_profile_for_home
from apps.interviews.selectors import upcoming_rows_for_student
from apps.students.services import pitch_stats

HOME_LIST = 3
PREPARE_AHEAD = timedelta(days=2)


# The getting-ready steps: what tells whether each is done, and where it is done.
_STEPS = (
    ("fields", "student_profile"),
    ("notes", "research_note_create"),
    ("pitch", "student_profile"),
    ("contacts", "contact_create"),
    ("targets", "target_list"),
)


@functools.cache
def _row_words(language: str | None) -> dict:
    """What the rows say in the active language, looked up once per language: the
    steps' labels, the sentences a row fills in, and the lists' fixed words and
    markup, escaped (as the template's tags escaped them)."""
    return {
        "steps": {
            "fields": _("Choose the fields you want to explore"),
            "notes": _("Research a field before you ask"),
            "pitch": _("Write your elevator pitch"),
            "contacts": _("Add people you could talk to"),
            "targets": _("Rank at least three people on a target list"),
        },
        "thank": _("Thank %(name)s"),
        "check_in": _("Check in with %(name)s"),
        "overdue": _("overdue by %(ago)s"),
        "due": _("due %(date)s"),
        "prepare": escape(_("Prepare")),
        "done": f'{_STEP_DONE}<span class="visually-hidden">{escape(_("Done:"))}</span>',
        "to_do": f'{_STEP_TO_DO}<span class="visually-hidden">{escape(_("To do:"))}</span>',
    }


def _getting_ready(*, profile, counts, words: dict) -> list[dict]:
    done = {
        "fields": profile.has_fields,
        "notes": profile.has_notes,
        "pitch": bool(profile.pitch),
        "contacts": counts["total"] > 0,
        "targets": counts["targets"] >= 3,
    }
    labels = words["steps"]
    return [
        {"done": done[key], "url": route_path(name), "label": labels[key]} for key, name in _STEPS
    ]


def _next_step(*, student, thank_you, upcoming, steps, counts, now) -> dict | None:
    """What to do first: a thank-you is the most perishable (its window is a day),
    then a conversation within two days to prepare for, then getting ready, then
    asking the best-ranked person not asked yet (while the office's limit of open
    requests allows)."""
    if thank_you:
        name = thank_you.contact_name
        return {
            "label": _("Thank %(name)s for the conversation") % {"name": name},
            "url": route_path_for_pk("followup_thank_you", thank_you.pk),
            "action": _("Write the thank-you"),
        }
    soon = next((iv for iv in upcoming if iv.starts_at < now + PREPARE_AHEAD), None)
    if soon:
        return {
            "label": _("Prepare your questions for %(name)s") % {"name": soon.contact_name},
            "url": route_path_for_pk("interview_prepare", soon.pk),
            "action": _("Prepare now"),
        }
    step = next((s for s in steps if not s["done"]), None)
    if step:
        return {**step, "action": _("Do it now")}
    if counts[Stage.REQUESTED] < student.office.max_open_requests:
        # The best-ranked person not asked yet (one query, only on this path).
        ask = (
            target_list_for_student(student=student)
            .filter(stage=Stage.IDENTIFIED)
            .select_related(None)
            .order_by("target_rank", "full_name")
            .only("pk", "full_name", "volunteer_id")
            .first()
        )
        if ask is not None:
            url = (
                route_path_for_pk("interview_request_volunteer", ask.volunteer_id)
                if ask.volunteer_id
                else route_path_for_pk("interview_request_contact", ask.pk)
            )
            return {
                "label": _("Ask %(name)s for a short conversation") % {"name": ask.full_name},
                "url": url,
                "action": _("Write the request"),
            }
    if not any(counts[stage] for stage in Stage.values if stage != Stage.IDENTIFIED):
        return {
            "label": _("Ask the first person on your target list for a short conversation"),
            "url": route_path("target_list"),
            "action": _("Open my target list"),
        }
    return None


def _day(local) -> str:
    # As the template's |date:"D j M, H:i" showed it, `local` in the viewer's time
    # zone; the names from core.rendering's table rather than dateformat's per call.
    weekdays, months = day_and_month_names(get_language())
    return (
        f"{weekdays[local.weekday()]} {local.day} {months[local.month]}, "
        f"{local.hour:02d}:{local.minute:02d}"
    )


def _due_rows(items, now, *, words: dict, language) -> list[tuple]:
    """The follow-ups panel's rows, worked out here rather than by some ten template
    tags a row: (the link, its words, whether overdue, when)."""
    list_path = route_path("followup_list")
    thank_you_path = path_for_pk("followup_thank_you")
    zone = timezone.get_current_timezone()
    rows = []
    for item in items:
        name = item.contact_name
        if item.kind == Kind.THANK_YOU:
            path = thank_you_path(item.pk)
            title = words["thank"] % {"name": name}
        else:
            path = f"{list_path}#followup-{item.pk}"
            title = words["check_in"] % {"name": name}
        if item.is_overdue:
            when = words["overdue"] % {"ago": time_since_aware(item.due_at, now, language)}
        else:
            when = words["due"] % {"date": _day(item.due_at.astimezone(zone))}
        rows.append((path, title, item.is_overdue, when))
    return rows


def _upcoming_rows(interviews) -> list[tuple]:
    """The conversations coming up: (its path, the contact's name, when, the path to
    prepare it)."""
    detail, prepare = path_for_pk("interview_detail"), path_for_pk("interview_prepare")
    zone = timezone.get_current_timezone()
    return [
        (
            detail(interview.pk),
            interview.contact_name,
            _day(interview.starts_at.astimezone(zone)),
            prepare(interview.pk),
        )
        for interview in interviews
    ]


# The three lists' items as the template's loops wrote them, whitespace and all
# (tests/followups/student_home_before_lists.html): a dozen tags a row cost more
# than the rest of the page's own work. Escaped with the standard library's
# escape, which Django's wraps: every value here is a str.
_DUE_ITEM = (
    '\n        <li class="py-1">\n          <a href="{}">{}</a>\n'
    '          <span class="small {}">· {}</span>\n        </li>\n        '
)
_UPCOMING_ITEM = (
    '\n        <li class="py-1"><a href="{}">{}</a>\n'
    '          <span class="small text-body-secondary">· {} · <a href="{}">{}</a></span></li>\n'
    "        "
)
_STEP_ITEM = (
    '\n        <li class="d-flex align-items-center gap-2 py-1">\n          {}\n'
    '          <a href="{}"{}>{}</a>\n        </li>\n        '
)
_STEP_DONE = '<i class="bi bi-check-circle-fill text-success" aria-hidden="true"></i>'
_STEP_TO_DO = '<i class="bi bi-circle text-body-secondary" aria-hidden="true"></i>'


def _due_items(rows) -> str:
    return "".join(
        _DUE_ITEM.format(
            escape(path),
            escape(title),
            "text-danger-emphasis" if overdue else "text-body-secondary",
            escape(when),
        )
        for path, title, overdue, when in rows
    )


def _upcoming_items(rows, *, words: dict) -> str:
    prepare = words["prepare"]
    return "".join(
        _UPCOMING_ITEM.format(escape(path), escape(name), escape(when), escape(prep), prepare)
        for path, name, when, prep in rows
    )


def _step_items(steps, *, words: dict) -> str:
    done, to_do = words["done"], words["to_do"]
    return "".join(
        _STEP_ITEM.format(
            done if step["done"] else to_do,
            escape(step["url"]),
            ' class="text-body-secondary"' if step["done"] else "",
            escape(step["label"]),
        )
        for step in steps
    )


# The home's fixed links, reversed once per process (core.links.route_path).
_LINKS = (
    "followup_list",
    "interview_list",
    "contact_list",
    "target_list",
    "student_profile",
    "referral_map",
)


@functools.cache
def _words(language: str | None) -> dict:
    """The content block's {% translate %} literals (not escaped, as the tag leaves
    them) and its two {% blocktranslate %} sentences, looked up once per language."""
    return {
        "next_step": _("Next step"),
        "due": _("Follow-ups due this week"),
        "all_due": _("All follow-ups"),
        "see_all": _("See all %(more)s"),
        "nothing_due": _(
            "Nothing due. After each conversation a thank-you appears here, then "
            "check-ins to keep in touch."
        ),
        "coming_up": _("Coming up"),
        "all_conversations": _("All conversations"),
        "nothing_booked": _("No conversation booked yet."),
        "getting_ready": _("Getting ready"),
        "contacts": _("contacts"),
        "targets": _("on target lists"),
        "referrals": _("came through referrals"),
        "held": _("conversations held"),
        "pitch": _("Your pitch"),
        "pitch_stats": _("%(words)s words, about %(seconds)s seconds"),
        "no_pitch": _("Not written yet."),
        "write_it": _("Write it"),
        "network": _("See how your network grew"),
    }


def _content_html(
    *,
    student,
    intro: dict,
    next_step: dict | None,
    due,
    due_items: str,
    upcoming: list,
    upcoming_items: str,
    step_items: str,
    counts: dict,
    held: int,
    profile,
    stats: dict,
    links: dict,
) -> str:
    """The page's content block as student_home.html wrote it, byte for byte
    (tests/followups/test_student_home_html.py renders that template as it was,
    tests/followups/student_home_before_content.html, and compares): some twenty
    {% translate %} and as many variables cost the page more than its own rows."""
    w = _words(get_language())
    links = {name: escape(path) for name, path in links.items()}
    if next_step:
        step = f"""
    <div class="card border-primary mb-4"><div class="card-body">
      <p class="text-uppercase small fw-semibold text-primary mb-1">{w["next_step"]}</p>
      <h2 class="h5">{escape(next_step["label"])}</h2>
      <a class="btn btn-primary" href="{escape(next_step["url"])}">{escape(next_step["action"])}</a>
    </div></div>
    """  # noqa: E501
    else:
        step = ""
    badge = (
        "text-bg-danger" if due.overdue else "text-bg-warning" if due.count else "text-bg-secondary"
    )
    if due.items:
        more = ""
        if due.count > len(due.items):
            see_all = w["see_all"] % {"more": due.count}
            more = (
                f'<p class="small mb-0 mt-1"><a href="{links["followup_list"]}">{see_all}</a></p>'
            )
        due_html = f"""
      <ul class="list-unstyled mb-0">
        {due_items}
      </ul>
      {more}
      """
    else:
        due_html = f"""
      <p class="small text-body-secondary mb-0">{w["nothing_due"]}</p>
      """
    if upcoming:
        upcoming_html = f"""
      <ul class="list-unstyled mb-0">
        {upcoming_items}
      </ul>
      """
    else:
        upcoming_html = f"""
      <p class="small text-body-secondary mb-0">{w["nothing_booked"]}</p>
      """
    if profile.pitch:
        sentence = w["pitch_stats"] % {"words": stats["words"], "seconds": stats["seconds"]}
        pitch = (
            f'<p class="small mb-1">{escape(truncatewords(profile.pitch, 30))}</p>'
            f'<p class="small text-body-secondary mb-0">{sentence}</p>\n      '
        )
    else:
        pitch = (
            f'<p class="small text-body-secondary mb-0">{w["no_pitch"]} '
            f'<a href="{links["student_profile"]}">{w["write_it"]}</a></p>'
        )
    return mark_safe(  # noqa: S308
        f"""

<h1 class="h3">{escape(intro["welcome"])}</h1>
<p class="text-body-secondary">{escape(student.office.name)} · {escape(intro["role"])}</p>

<div class="row g-4">
  <div class="col-lg-7">
    {step}
    <section class="card mb-4" aria-labelledby="home-due"><div class="card-body">
      <div class="d-flex justify-content-between align-items-baseline gap-2">
        <h2 class="h5" id="home-due">{w["due"]} <span class="badge {badge}">{due.count}</span></h2>
        <a class="small" href="{links["followup_list"]}">{w["all_due"]}</a>
      </div>
      {due_html}
    </div></section>
    <section class="card mb-4" aria-labelledby="home-upcoming"><div class="card-body">
      <div class="d-flex justify-content-between align-items-baseline gap-2">
        <h2 class="h5" id="home-upcoming">{w["coming_up"]}</h2>
        <a class="small" href="{links["interview_list"]}">{w["all_conversations"]}</a>
      </div>
      {upcoming_html}
    </div></section>
    <div class="card"><div class="card-body">
      <h2 class="h5">{w["getting_ready"]}</h2>
      <ol class="list-unstyled mb-0">
        {step_items}
      </ol>
    </div></div>
  </div>
  <div class="col-lg-5">
    <div class="row g-3">
      <div class="col-6"><div class="card h-100"><div class="card-body"><div class="stat">{counts["total"]}</div><a href="{links["contact_list"]}">{w["contacts"]}</a></div></div></div>
      <div class="col-6"><div class="card h-100"><div class="card-body"><div class="stat">{counts["targets"]}</div><a href="{links["target_list"]}">{w["targets"]}</a></div></div></div>
      <div class="col-6"><div class="card h-100"><div class="card-body"><div class="stat">{counts["referrals"]}</div><span class="text-body-secondary">{w["referrals"]}</span></div></div></div>
      <div class="col-6"><div class="card h-100"><div class="card-body"><div class="stat">{held}</div><span class="text-body-secondary">{w["held"]}</span></div></div></div>
    </div>
    <div class="card mt-3"><div class="card-body">
      <h2 class="h6">{w["pitch"]}</h2>
      {pitch}
    </div></div>
    <p class="small mt-3 mb-0"><a href="{links["referral_map"]}">{w["network"]}</a></p>
  </div>
</div>
"""  # noqa: E501
    )


@student_only
def student_home(request):
    student = request.user
    now = timezone.now()
    language = get_language()
    words = _row_words(language)
    profile = student_profile_for_home(student=student)
    counts = contact_counts_for_student(student=student)
    steps = _getting_ready(profile=profile, counts=counts, words=words)
    due = followups_due_soon(student=student, limit=HOME_LIST, now=now)
    # The home shows when and with whom; not the volunteer's profile and user, nor
    # the interview's long text columns.
    upcoming = upcoming_rows_for_student(student=student, limit=HOME_LIST)
    due_rows = _due_rows(due.items, now, words=words, language=language)
    upcoming_rows = _upcoming_rows(upcoming)
    next_step = _next_step(
        student=student,
        thank_you=due.thank_you,
        upcoming=upcoming,
        steps=steps,
        counts=counts,
        now=now,
    )
    due_items = mark_safe(_due_items(due_rows))  # noqa: S308
    upcoming_items = mark_safe(_upcoming_items(upcoming_rows, words=words))  # noqa: S308
    step_items = mark_safe(_step_items(steps, words=words))  # noqa: S308
    held = counts[Stage.MET] + counts[Stage.THANKED] + counts[Stage.KEEPING_IN_TOUCH]
    links = {name: route_path(name) for name in _LINKS}
    intro = user_home_intro(user=student)
    stats = pitch_stats(profile.pitch)
    # What the template wrote from is kept in the context: the tests render the old
    # templates from it and compare.
    return render_list(
        request,
        "followups/student_home.html",
        {
            "profile": profile,
            "counts": counts,
            "steps": steps,
            "next_step": next_step,
            "pitch_stats": stats,
            "due": due.items,
            "due_count": due.count,
            "overdue_count": due.overdue,
            "upcoming": upcoming,
            "due_rows": due_rows,
            "upcoming_rows": upcoming_rows,
            "due_items": due_items,
            "upcoming_items": upcoming_items,
            "step_items": step_items,
            "held": held,
            "links": links,
            "intro": intro,
            "content": _content_html(
                student=student,
                intro=intro,
                next_step=next_step,
                due=due,
                due_items=due_items,
                upcoming=upcoming,
                upcoming_items=upcoming_items,
                step_items=step_items,
                counts=counts,
                held=held,
                profile=profile,
                stats=stats,
                links=links,
            ),
        },
    )
