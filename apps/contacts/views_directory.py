"""The alumni directory, the volunteer's own profile and the office's volunteer list."""

import functools
import html
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaulttags import querystring
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.permissions import (
    alumni_only,
    office_admin_required,
    student_only,
)
from apps.contacts import directory, volunteers
from apps.contacts.enums import Format, Industry, OpenTo
from apps.contacts.forms_directory import (
    DirectoryFilterForm,
    OfficeDirectorySearchForm,
    VolunteerPauseForm,
    VolunteerProfileForm,
)
from apps.core.feedback import form_add_errors
from apps.core.links import path_for_pk
from apps.core.rendering import (
    Kept,
    csrf_input_html,
    options_html,
    pagination_html,
    render_list,
    widget_kept,
)

PAGE_SIZE = 20


# --- The volunteer ------------------------------------------------------------------


def _profile_page(request, profile, form, pause_form, status=200):
    return render(
        request,
        "contacts/volunteer_profile.html",
        {
            "profile": profile,
            "form": form,
            "pause_form": pause_form,
            "today": timezone.localdate(),
        },
        status=status,
    )


@alumni_only
def volunteer_profile(request):
    profile = volunteers.volunteer_profile_get_or_create(user=request.user)
    form = VolunteerProfileForm(
        request.POST or None, instance=profile, office_id=request.user.office_id
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                volunteers.volunteer_profile_update(
                    user=request.user, profile=profile, **form.cleaned_data
                )
            except ValidationError as exc:
                form_add_errors(form, exc)
                profile.refresh_from_db()
            else:
                messages.success(request, _("Your volunteer profile is saved."))
                return redirect("volunteer_profile")
        return _profile_page(request, profile, form, VolunteerPauseForm(), status=400)
    return _profile_page(request, profile, form, VolunteerPauseForm())


@alumni_only
@require_POST
def volunteer_pause(request):
    profile = volunteers.volunteer_profile_get_or_create(user=request.user)
    if request.POST.get("resume"):
        volunteers.volunteer_pause(user=request.user, profile=profile, until=None)
        messages.success(request, _("You are taking requests again."))
        return redirect("volunteer_profile")
    pause_form = VolunteerPauseForm(request.POST)
    if pause_form.is_valid():
        try:
            volunteers.volunteer_pause(
                user=request.user, profile=profile, until=pause_form.cleaned_data["until"]
            )
        except ValidationError as exc:
            pause_form.add_error("until", exc.message_dict.get("paused_until", exc.messages))
        else:
            messages.success(
                request,
                _("Paused until %(date)s. Students will not see you in the directory until then.")
                % {"date": formats.date_format(profile.paused_until, "DATE_FORMAT")},
            )
            return redirect("volunteer_profile")
    form = VolunteerProfileForm(instance=profile, office_id=request.user.office_id)
    return _profile_page(request, profile, form, pause_form, status=400)


# --- Students -----------------------------------------------------------------------


def card_labels() -> dict[str, str]:
    """The fixed words of a directory card, translated once per process and
    language rather than once per card: with 20 cards that was a tenth of the
    page's render time."""
    return dict(_card_labels(get_language()))


@functools.cache
def _card_labels(language: str | None) -> dict[str, str]:
    return {
        "fields": _("Fields:"),
        "location": _("Location:"),
        "formats": _("Formats:"),
        "topics": _("Happy to talk about:"),
        "response_rate": _("Response rate"),
        "response_time": _("Typical response time"),
        "not_enough": _("not enough requests yet"),
        "has_time": _("Has time this month"),
        "industry": _("Industry:"),
        "major": _("Major:"),
        "open_to": _("Also open to:"),
        "fully_booked": _("Fully booked this month"),
        "in_contacts": _("In your contacts"),
        "add": _("Add to my contacts"),
        "ask": _("Ask for a conversation"),
        "hours": _("about %(n)s h"),
    }


_PK = 918273645


def _path_parts(name: str) -> tuple[str, str]:
    """What comes before and after the id in reverse(name, args=[pk]): reversed once
    per process (core.links.path_for_pk), not four times a page."""
    head, _pk, tail = path_for_pk(name)(_PK).partition(str(_PK))
    return head, tail


def _response_time(hours: int | None, not_enough: str) -> str:
    if hours is None:
        return not_enough
    return f"{hours} h" if hours < 48 else f"{round(hours / 24)} d"


TOPICS_SHOWN = 160


@functools.cache
def _choice_labels(language: str | None) -> tuple[dict[str, str], ...]:
    """The labels of formats, what volunteers are open to and industries, by value,
    translated once per process and language: choice labels are lazy, and the
    cards and the filters' options translated some fifty of them a page."""
    return tuple(
        {value: str(label) for value, label in choices}
        for choices in (Format.choices, OpenTo.choices, Industry.choices)
    )


@functools.cache
def _filter_choices(language: str | None, name: str) -> tuple[tuple[str, str], ...]:
    """A choice filter's (value, label) options, translated once per process and
    language (as _choice_labels)."""
    return tuple(
        (value, str(label)) for value, label in DirectoryFilterForm.base_fields[name].choices
    )


def directory_cards(profiles, labels: dict[str, str]) -> list[dict]:
    """What each card of the directory list shows, worked out here so that the list's
    template is one flat loop: the card's three included templates, four URL tags,
    two translated sentences and the choice labels per card were most of the page's
    rendering time (20 cards). Plain dicts, because the template language tries a
    key before an attribute: an object's every value cost it a caught exception.

    Keys: pk, name, detail_url, has_time, headline, fields (names), location,
    formats, industry, class_of, programme, open_to, topics, response_rate,
    response_time, contact_url (when in the student's contacts, else ""), add_url,
    ask_url (when they have time this month, else "")."""
    detail_head, detail_tail = _path_parts("directory_detail")
    add_head, add_tail = _path_parts("directory_contact_add")
    ask_head, ask_tail = _path_parts("interview_request_volunteer")
    contact_head, contact_tail = _path_parts("contact_detail")
    # Translated once per page, not once per card (choice labels are lazy).
    formats, open_to, industries = _choice_labels(get_language())
    title_at, class_of = _("%(title)s at %(employer)s"), _("Class of %(year)s")
    not_enough = labels["not_enough"]
    cards = []
    for v in profiles:
        pk = v.pk
        if v.job_title and v.employer:
            headline = title_at % {"title": v.job_title, "employer": v.employer}
        else:
            headline = v.job_title or v.employer
        topics = v.topics
        if len(topics) > TOPICS_SHOWN:
            topics = Truncator(topics).chars(TOPICS_SHOWN)
        rate, has_time = v.response_rate, v.spare_capacity > 0
        contact_id = v.my_contact_id
        cards.append(
            {
                "pk": pk,
                "name": v.user_full_name,
                "detail_url": f"{detail_head}{pk}{detail_tail}",
                "has_time": has_time,
                "headline": headline,
                "fields": v.field_names,
                "location": v.location,
                "formats": ", ".join([formats.get(f, f) for f in v.formats]),
                "industry": industries.get(v.industry, v.industry),
                "class_of": class_of % {"year": v.graduation_year} if v.graduation_year else "",
                "programme": v.programme,
                "open_to": ", ".join([open_to.get(o, o) for o in v.open_to]),
                "topics": topics,
                "response_rate": f"{rate}%" if rate is not None else not_enough,
                "response_time": _response_time(v.typical_response_hours, not_enough),
                "contact_url": f"{contact_head}{contact_id}{contact_tail}" if contact_id else "",
                "add_url": f"{add_head}{pk}{add_tail}",
                "ask_url": f"{ask_head}{pk}{ask_tail}" if has_time else "",
            }
        )
    return cards


def directory_card_rows(cards: list[dict], labels: dict[str, str]) -> list[tuple]:
    """Each card of `directory_cards` as the list writes it: (head, form, tail), the
    template writing the csrf token between head and tail when `form` (the "Add to
    my contacts" form). Written here rather than with a variable or tag per value:
    those 20 cards' ~600 template nodes were most of the page's rendering time. The
    markup is the old template's to the byte (tests/contacts/test_directory_html.py):
    each card one string with its optional lines worked out before, every value
    escaped as the template escaped it."""
    e = html.escape
    has_time = f'<span class="badge text-bg-success text-wrap">{e(labels["has_time"])}</span>'
    booked = f'<span class="badge text-bg-secondary text-wrap">{e(labels["fully_booked"])}</span>'
    hidden = {
        key: f'<span class="visually-hidden">{e(labels[key])} </span>'
        for key in ("fields", "location", "formats", "industry", "major")
    }
    location_item = f'<li><i class="bi bi-geo-alt" aria-hidden="true"></i> {hidden["location"]}'
    formats_item = (
        f'\n      <li><i class="bi bi-chat-dots" aria-hidden="true"></i> {hidden["formats"]}'
    )
    industry_item = f'<li><i class="bi bi-building" aria-hidden="true"></i> {hidden["industry"]}'
    open_to, topics = (
        f'<p class="small mb-2"><span class="fw-semibold">{e(labels[key])}</span> '
        for key in ("open_to", "topics")
    )
    rate_label, time_label = e(labels["response_rate"]), e(labels["response_time"])
    in_contacts = (
        '<i class="bi bi-check2" aria-hidden="true"></i> ' + e(labels["in_contacts"]) + "</a>"
    )
    add = (
        '\n  <button type="submit" class="btn btn-sm btn-primary"><i class="bi bi-person-plus"'
        f' aria-hidden="true"></i> {e(labels["add"])}<span class="visually-hidden"> '
    )
    ask = e(labels["ask"])
    rows = []
    for card in cards:
        pk, name = card["pk"], e(card["name"])
        headline = card["headline"]
        headline = f'<p class="mb-2">{e(headline)}</p>' if headline else ""
        fields = card["fields"]
        if fields:
            fields = "".join(
                [
                    f'<p class="mb-2">{hidden["fields"]}',
                    *[
                        f'<span class="badge text-bg-light border me-1">{e(field)}</span>'
                        for field in fields
                    ],
                    "</p>",
                ]
            )
        else:
            fields = ""
        location = card["location"]
        location = f"{location_item}{e(location)}</li>" if location else ""
        industry = card["industry"]
        industry = f"{industry_item}{e(industry)}</li>" if industry else ""
        class_of, programme = card["class_of"], card["programme"]
        if class_of or programme:
            studies = (
                f'<li><i class="bi bi-mortarboard" aria-hidden="true"></i> {e(class_of)}'
                f"{' · ' if class_of and programme else ''}"
                f"{hidden['major'] + e(programme) if programme else ''}</li>"
            )
        else:
            studies = ""
        also = card["open_to"]
        also = f"{open_to}{e(also)}</p>" if also else ""
        talks = card["topics"]
        talks = f"{topics}{e(talks)}</p>" if talks else ""
        head = (
            f'<li class="col"><article class="card h-100" aria-labelledby="volunteer-{pk}">\n'
            '  <div class="card-body d-flex flex-column">\n'
            '    <div class="d-flex justify-content-between gap-2 align-items-start">\n'
            f'      <h2 class="h5 mb-1" id="volunteer-{pk}"><a href="{e(card["detail_url"])}">'
            f"{name}</a></h2>\n"
            f"      {has_time if card['has_time'] else booked}\n"
            f"    </div>\n    {headline}\n    {fields}"
            '\n    <ul class="list-unstyled small text-body-secondary mb-2">\n      '
            f"{location}{formats_item}{e(card['formats'])}</li>\n      {industry}"
            f"\n      {studies}\n    </ul>\n    {also}\n    {talks}\n    "
            '<dl class="row small text-body-secondary mb-3 gx-2">\n'
            f'      <dt class="col-6 fw-normal">{rate_label}</dt>'
            f'<dd class="col-6 mb-0">{e(card["response_rate"])}</dd>\n'
            f'      <dt class="col-6 fw-normal">{time_label}</dt>'
            f'<dd class="col-6 mb-0">{e(card["response_time"])}</dd>\n'
            "    </dl>\n"
            '    <div class="mt-auto d-flex flex-wrap gap-2">'
        )
        ask_url = card["ask_url"]
        ask_link = (
            f'<a class="btn btn-sm btn-outline-primary" href="{e(ask_url)}">{ask}'
            f'<span class="visually-hidden"> {name}</span></a>'
            if ask_url
            else ""
        )
        end = "</div>\n  </div>\n</article></li>"
        form = not card["contact_url"]
        if form:
            head += f'<form method="post" action="{e(card["add_url"])}">'
            tail = f"{add}{name}</span></button>\n</form>{ask_link}{end}"
        else:
            head += (
                f'<a class="btn btn-sm btn-outline-success" href="{e(card["contact_url"])}">'
                f"{in_contacts}"
            )
            tail = f"{ask_link}{end}"
        # SafeString rather than mark_safe, whose check for lazy text these strings
        # made here do not need (40 calls a page).
        rows.append((SafeString(head), form, SafeString(tail)))
    return rows


def directory_results_html(
    request, *, page, cards: list[tuple], searching: bool, csrf_token: str
) -> str:
    """The results below the alerts: the count, the cards (`directory_card_rows`)
    with each "Add to my contacts" form's csrf token (`csrf_token`, the page's), and
    the pager, as the results template wrote them with a tag or variable each.
    Their count, csrf tokens, query strings and translations were most of the
    partial's rendering time once the cards were written here. The markup is the
    old template's to the byte (tests/contacts/test_directory_results_html.py)."""
    found, nobody, pager = _results_frame(request, page, searching)
    if cards:
        hidden = csrf_input_html(csrf_token)
        middle = (
            '\n\n<ul class="list-unstyled row row-cols-1 row-cols-md-2 g-3">\n  '
            + "".join(f"\n  {head}{hidden if form else ''}{tail}\n  " for head, form, tail in cards)
            + "\n</ul>\n\n"
        )
    else:
        middle = nobody
    return mark_safe(f"{found}{middle}{pager}\n")  # noqa: S308 - every value escaped


# The results' count, "nobody" and pager as written, per everything they are made
# from (_results_frame): most pages are one of a few.
_kept_results_frames = Kept(256)


def _results_frame(request, page, searching: bool) -> tuple[str, str, str]:
    """The results' count line, what they say when nobody is found, and the pager,
    kept per process for what they are made from: the count, the page's number and
    the number of pages, whether it is a search ranked by text, the query string
    (the pager's links keep it) and the language."""
    count = page.paginator.count
    key = (
        count,
        page.number,
        page.paginator.num_pages,
        searching and not page.fuzzy,
        request.META.get("QUERY_STRING", ""),
        get_language(),
    )
    frame = _kept_results_frames.get(key)
    if frame is None:
        frame = _results_frame_written(request, page, searching)
        _kept_results_frames.put(key, frame)
    return frame


def _results_frame_written(request, page, searching: bool) -> tuple[str, str, str]:
    # Translations are not escaped, as the template's {% translate %} and
    # {% blocktranslate %} did not escape them.
    e, count = html.escape, page.paginator.count
    found = ngettext("%(n)s volunteer found", "%(n)s volunteers found", count) % {
        "n": e(str(formats.localize(count)))
    }
    if searching and not page.fuzzy:
        found += f" · {_('best matches first')}"
    found = f'<p class="text-body-secondary" role="status" aria-live="polite">\n  {found}\n</p>\n'
    nobody = _("Nobody matches these filters yet. Try fewer words or another field.")
    nobody = f"\n<p>{nobody}</p>\n\n"
    if not page.has_other_pages():
        return found, nobody, ""
    context = SimpleNamespace(request=request)
    parts = [
        f'\n<nav aria-label="{_("Directory pages")}" class="mt-4">\n'
        '  <ul class="pagination flex-wrap">\n    '
    ]
    links = '<li class="page-item"><a class="page-link" href="{url}" hx-get="{url}"'
    links += ' hx-target="#directory-results" hx-push-url="true">{label}</a></li>'
    if page.has_previous():
        url = e(querystring(context, page=page.previous_page_number()))
        parts.append(f"\n    \n    {links.format(url=url, label=_('Previous'))}\n    ")
    number = _("Page %(n)s of %(total)s") % {
        "n": e(str(formats.localize(page.number))),
        "total": e(str(formats.localize(page.paginator.num_pages))),
    }
    parts.append(
        f'\n    <li class="page-item disabled"><span class="page-link">{number}</span></li>\n    '
    )
    if page.has_next():
        url = e(querystring(context, page=page.next_page_number()))
        parts.append(f"\n    \n    {links.format(url=url, label=_('Next'))}\n    ")
    parts.append("\n  </ul>\n</nav>\n")
    return found, nobody, "".join(parts)


def directory_filter_options(form: DirectoryFilterForm) -> dict[str, str]:
    """The <option>s of the filters' selects, written here: as a loop of variables
    and an {% if %} per option (some fifty) they were the page's largest template
    cost once the cards were written in the view. Each is selected as the old
    template chose it (tests/contacts/test_directory_html.py): the field by its id
    as text, the major whatever its case, the others by the value as sent."""
    major = form["major"].value()
    major = ("" if major is None else str(major)).lower()
    options = {
        # As the template's |stringformat:"s" made it: None is "None".
        "field": options_html(form.field_options(), str(form["field"].value())),
        "major": options_html(((m, m) for m in form.major_options()), major, key=str.lower),
    }
    language = get_language()
    for name in ("industry", "open_to", "format"):
        options[name] = options_html(_filter_choices(language, name), form[name].value())
    return {name: mark_safe(value) for name, value in options.items()}  # noqa: S308


# The filters' form as directory_list.html wrote it with a tag or variable each,
# byte for byte (tests/contacts/test_directory_html.py renders that template): the
# {names} are filled in by directory_filters_html.
_FILTERS_HTML = (
    '<form method="get" action="{url}" role="search" class="card mb-4"\n'
    '      hx-get="{url}" hx-target="#directory-results" hx-push-url="true"\n'
    '      hx-trigger="submit, change, keyup changed delay:400ms from:#id_q"'
    ' hx-indicator="#directory-loading">\n'
    '  <div class="card-body">\n'
    '    <div class="row g-3">\n'
    '      <div class="col-12 col-lg-6">\n'
    '        <label class="form-label" for="id_q">{label_q}</label>\n'
    '        <input type="search" name="q" id="id_q" class="form-control"'
    ' maxlength="200" value="{value_q}"\n'
    '               placeholder="{t_placeholder}" aria-describedby="q-help">\n'
    '        <div class="form-text" id="q-help">{t_q_help}{typos}</div>\n'
    "      </div>\n"
    "    </div>\n"
    "    \n"
    '    <button class="btn btn-outline-secondary btn-sm mt-3 d-md-none"'
    ' type="button" data-bs-toggle="collapse"'
    ' data-bs-target="#directory-more-filters" aria-expanded="{expanded}"'
    ' aria-controls="directory-more-filters"><i class="bi bi-sliders"'
    ' aria-hidden="true"></i> {t_more_filters}</button>\n'
    '    <div class="collapse d-md-block{show}" id="directory-more-filters">\n'
    '    <div class="row g-3 mt-0">\n'
    '      <div class="col-12 col-sm-6 col-lg-3">\n'
    '        <label class="form-label" for="id_field">{label_field}</label>\n'
    '        <select name="field" id="id_field" class="form-select{invalid_field}">\n'
    '          <option value="">{t_any_field}</option>\n'
    "          {options[field]}\n"
    "        </select>\n"
    "      </div>\n"
    '      <div class="col-12 col-sm-6 col-lg-3">\n'
    '        <label class="form-label" for="id_industry">{label_industry}</label>\n'
    '        <select name="industry" id="id_industry"'
    ' class="form-select{invalid_industry}">\n'
    "          {options[industry]}\n"
    "        </select>\n"
    "      </div>\n"
    '      <div class="col-12 col-sm-6 col-lg-3">\n'
    '        <label class="form-label" for="id_major">{label_major}</label>\n'
    '        <select name="major" id="id_major" class="form-select{invalid_major}">\n'
    '          <option value="">{t_any_major}</option>\n'
    "          {options[major]}\n"
    "        </select>\n"
    "      </div>\n"
    '      <div class="col-12 col-sm-6 col-lg-3">\n'
    '        <label class="form-label" for="id_open_to">{label_open_to}</label>\n'
    '        <select name="open_to" id="id_open_to" class="form-select{invalid_open_to}">\n'
    "          {options[open_to]}\n"
    "        </select>\n"
    "      </div>\n"
    '      <div class="col-12 col-sm-6 col-lg-3">\n'
    '        <label class="form-label" for="id_format">{label_format}</label>\n'
    '        <select name="format" id="id_format" class="form-select">\n'
    "          {options[format]}\n"
    "        </select>\n"
    "      </div>\n"
    '      <div class="col-12 col-sm-6 col-lg-3">\n'
    '        <label class="form-label" for="id_location">{label_location}</label>\n'
    '        <input type="text" name="location" id="id_location"'
    ' class="form-control" maxlength="120" value="{value_location}">\n'
    "      </div>\n"
    '      <fieldset class="col-12 col-sm-6 col-lg-3">\n'
    '        <legend class="form-label fs-6 mb-2">{t_graduation_year}</legend>\n'
    '        <div class="input-group">\n'
    '          <label class="input-group-text" for="id_year_from">{t_from}</label>\n'
    '          <input type="number" name="year_from" id="id_year_from"'
    ' class="form-control{invalid_year_from}"{aria_year_from} min="{min_year_from}"'
    ' max="{max_year_from}" value="{value_year_from}">\n'
    '          <label class="input-group-text" for="id_year_to">{t_to}</label>\n'
    '          <input type="number" name="year_to" id="id_year_to"'
    ' class="form-control{invalid_year_to}"{aria_year_to} min="{min_year_to}"'
    ' max="{max_year_to}" value="{value_year_to}">\n'
    "        </div>\n"
    "      </fieldset>\n"
    '      <div class="col-12 col-sm-6 col-lg-3 d-flex align-items-end">\n'
    '        <div class="form-check form-switch mb-2">\n'
    '          <input class="form-check-input" type="checkbox" role="switch"'
    ' name="accepting" id="id_accepting" value="on"{checked}>\n'
    '          <label class="form-check-label"'
    ' for="id_accepting">{label_accepting}</label>\n'
    "        </div>\n"
    "      </div>\n"
    "    </div>\n"
    "    </div>\n"
    '    <div class="d-flex flex-wrap gap-2 mt-3 align-items-center">\n'
    '      <button type="submit" class="btn btn-primary">{t_search}</button>\n'
    '      <a class="btn btn-link" href="{url}">{t_clear}</a>\n'
    '      <span id="directory-loading" class="htmx-indicator spinner-border'
    ' spinner-border-sm text-secondary" role="status"><span'
    ' class="visually-hidden">{t_loading}</span></span>\n'
    "    </div>\n"
    "  </div>\n"
    "</form>"
)


@functools.cache
def _filter_words(language: str | None) -> dict[str, str]:
    """The filters' fixed words in a language: the form's labels, escaped as
    {{ form.<name>.label }} escaped them, and the template's translations, which
    {% translate %} did not escape."""
    form = DirectoryFilterForm.base_fields
    labels = ("q", "field", "industry", "major", "open_to", "format", "location", "accepting")
    return {
        **{f"label_{name}": html.escape(str(form[name].label)) for name in labels},
        "t_placeholder": _("Name, employer, job, field, topic…"),
        "t_q_help": _("Every word must match. Partial words work: “consult” finds consulting."),
        "t_more_filters": _("More filters"),
        "t_any_field": _("Any field"),
        "t_any_major": _("Any major"),
        "t_graduation_year": _("Graduation year"),
        "t_from": _("from"),
        "t_to": _("to"),
        "t_search": _("Search"),
        "t_clear": _("Clear"),
        "t_loading": _("Loading…"),
        "typos": " " + _("A misspelt word finds the closest spelling."),
    }


def _shown(value) -> str:
    # As {{ value|default_if_none:'' }}: localized (a number), then escaped.
    return "" if value is None else html.escape(str(formats.localize(value)))


def directory_filters_html(
    form: DirectoryFilterForm, options: dict[str, str], *, filters_open: bool, forgives_typos: bool
) -> str:
    """The filters' form (the search box, and the filters that fold away on a
    phone), written here rather than by some fifty template tags and variables,
    which were the page's largest template cost once the results were written in
    the view."""
    words = _filter_words(get_language())
    errors, fields = form.errors, form.fields
    values = {
        **words,
        "url": html.escape(reverse("directory")),
        "typos": words["typos"] if forgives_typos else "",
        "expanded": "true" if filters_open else "false",
        "show": " show" if filters_open else "",
        "checked": " checked" if form["accepting"].value() else "",
        "options": options,
    }
    for name in ("field", "industry", "major", "open_to", "year_from", "year_to"):
        values[f"invalid_{name}"] = " is-invalid" if errors.get(name) else ""
    for name in ("year_from", "year_to"):
        values[f"aria_{name}"] = ' aria-invalid="true"' if errors.get(name) else ""
        values[f"min_{name}"] = _shown(fields[name].widget.attrs.get("min"))
        values[f"max_{name}"] = _shown(fields[name].widget.attrs.get("max"))
    for name in ("q", "location", "year_from", "year_to"):
        values[f"value_{name}"] = _shown(form[name].value())
    return mark_safe(_FILTERS_HTML.format(**values))  # noqa: S308 - every value escaped above


# The filters under "More filters", folded away on a phone unless one is set.
FOLDED_FILTERS = (
    "field", "industry", "major", "open_to", "format", "location", "year_from", "year_to",
    "accepting",
)  # fmt: skip
# Every name of the filters' form: what it writes of each is made from its value in
# the query string alone, and whether it has an error.
FILTER_NAMES = ("q", *FOLDED_FILTERS)

# The filters as written, per everything they are made from (directory_filters_kept):
# most pages are one of a few (no filter, a common search).
_kept_filters = Kept(64)


def directory_filters_kept(
    form: DirectoryFilterForm, *, filters_open: bool, forgives_typos: bool
) -> tuple[dict[str, str], str]:
    """directory_filter_options and directory_filters_html, written once per process
    for everything they are made from: each filter's value as sent (which the
    form's inputs and selected options show), which filters have an error, the
    office's field choices and majors (the options), the year (the year inputs'
    max), the language, the URL conf and script prefix (the form's action), and
    whether the filters are open and typos forgiven. Writing them, some hundred
    options and escapes, cost about 0.15 ms a page (bench/floor.py)."""
    errors = form.errors
    key = (
        form.is_bound,
        tuple(form.data.get(name) for name in FILTER_NAMES),
        tuple(bool(errors.get(name)) for name in FILTER_NAMES),
        tuple(form.field_options()),
        tuple(form.major_options()),
        form.last_year,
        filters_open,
        forgives_typos,
        get_language(),
        get_urlconf(),
        get_script_prefix(),
    )
    try:
        kept = _kept_filters.get(key)
    except TypeError:  # a value that cannot be a key: written each time
        key, kept = None, None
    if kept is None:
        options = directory_filter_options(form)
        kept = (
            options,
            directory_filters_html(
                form, options, filters_open=filters_open, forgives_typos=forgives_typos
            ),
        )
        if key is not None:
            _kept_filters.put(key, kept)
    return kept


@student_only
@require_GET
@vary_on_headers("HX-Request")
def directory_list(request):
    student = request.user
    form = DirectoryFilterForm(request.GET or None, office_id=student.office_id)
    filters = form.filters() if form.is_bound else directory.DirectoryFilters()
    partial = bool(request.htmx and not request.htmx.history_restore_request)
    # The whole page offers the majors and the fields; unless the form has read the
    # majors (to check the major asked for), both come with the ranking, in its
    # cache round trip.
    page = directory.directory_page_for_student(
        student=student,
        filters=filters,
        page_number=request.GET.get("page"),
        per_page=PAGE_SIZE,
        with_majors=not partial and form.majors is None,
        with_fields=not partial,
    )
    if page.majors is not None:
        form.majors = page.majors
    if page.field_choices is not None:
        form.field_choices = page.field_choices
    labels = card_labels()
    context = {
        "form": form,
        "page": page,
        "searching": bool(filters.q.strip()),
        "forgives_typos": directory.directory_forgives_typos(),
        # On a phone the filters beyond the search box fold away unless one is set.
        "filters_open": any(request.GET.get(name) for name in FOLDED_FILTERS),
        "labels": labels,
    }
    cards = directory_card_rows(directory_cards(page.object_list, labels), labels)
    # One masked token for the cards' forms and the layout's, as a template's
    # {% csrf_token %} tags share the context's; none for a partial without a form.
    csrf_token = get_token(request) if cards or not partial else ""
    if csrf_token:
        context["csrf_token"] = csrf_token
    context["results"] = directory_results_html(
        request, page=page, cards=cards, searching=context["searching"], csrf_token=csrf_token
    )
    # A bad filter is named on the page and left out of the results shown, with a
    # 400 (which the page's htmx swaps in like a 200).
    status = 400 if form.is_bound and form.errors else 200
    if partial:
        return render_list(request, "contacts/_directory_results.html", context, status=status)
    context["options"], context["filters"] = directory_filters_kept(
        form, filters_open=context["filters_open"], forgives_typos=context["forgives_typos"]
    )
    return render_list(request, "contacts/directory_list.html", context, status=status)


@student_only
@require_GET
def directory_detail(request, pk: int):
    student = request.user
    try:
        profile = directory.directory_get_for_student(student=student, pk=pk)
    except Http404:
        # A paused volunteer is out of the directory, but links to them live on
        # (bookmarks, contacts, emails): say they are away and who else might help.
        away = directory.volunteer_away_for_student(student=student, pk=pk)
        if away is None:
            raise
        return render(
            request,
            "contacts/directory_away.html",
            {
                "volunteer": away,
                "similar": directory.volunteers_similar_for_student(
                    student=student, volunteer=away
                ),
            },
        )
    return render(
        request, "contacts/directory_detail.html", {"volunteer": profile, "labels": card_labels()}
    )


@student_only
@require_POST
def directory_contact_add(request, pk: int):
    profile = directory.directory_get_for_student(student=request.user, pk=pk)
    contact, created = volunteers.volunteer_add_to_contacts(student=request.user, profile=profile)
    if created:
        messages.success(
            request,
            _(
                "%(name)s is in your contacts. Their email and phone are shared only if they "
                "accept a request from you."
            )
            % {"name": profile.user.full_name},
        )
    else:
        messages.info(
            request, _("%(name)s is already in your contacts.") % {"name": profile.user.full_name}
        )
    return redirect(reverse("contact_detail", args=[contact.pk]))


# --- The office ---------------------------------------------------------------------


OFFICE_PAGE_SIZE = 50


class _CountedPaginator(Paginator):
    """A Paginator told the count, so it does not count the rows again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _office_rows_html(profiles: list) -> str:
    """The table's rows as HTML, written here rather than by the template: each row
    (its badge, "this month" and action worked out once per page) cost the template
    about a dozen lookups and escapes, and 50 rows of them were most of the page's
    time (cProfile). The markup is the old template's, byte for byte
    (tests/contacts/test_office_directory_rows.py renders the old one and compares);
    every value is escaped as the template escaped it (the standard library's escape,
    which Django's wraps: the same characters, without a test for lazy text on each
    of some 400 calls a page)."""
    badges = {
        directory.STATUS_DEACTIVATED: ("text-bg-dark", _("deactivated")),
        directory.STATUS_NOT_ACCEPTING: ("text-bg-secondary", _("not accepting requests")),
        directory.STATUS_INCOMPLETE: ("text-bg-info", _("profile not filled in")),
        directory.STATUS_AT_CAPACITY: ("text-bg-secondary", _("at capacity")),
        directory.STATUS_ACTIVE: ("text-bg-success", _("active")),
    }
    # One reverse for each action; the rows differ only by their id.
    deactivate = path_for_pk("office_volunteer_deactivate")
    reactivate = path_for_pk("office_volunteer_reactivate")
    actions = {
        True: ("btn-outline-success", html.escape(_("Reactivate")), reactivate),
        False: ("btn-outline-danger", html.escape(_("Deactivate")), deactivate),
    }
    month = _("%(used)s of %(capacity)s requests")
    parts = []
    for profile in profiles:
        if profile.status == directory.STATUS_PAUSED:
            badge_class = "text-bg-warning text-wrap"
            badge_label = _("paused until %(date)s") % {
                "date": formats.date_format(profile.paused_until, "j M Y")
            }
        else:
            badge_class, badge_label = badges[profile.status]
        works_at = ", ".join(p for p in (profile.job_title, profile.employer) if p)
        this_month = month % {
            "used": profile.requests_this_month,
            "capacity": profile.capacity_per_month,
        }
        action_class, action_label, action_path = actions[profile.deactivated_at is not None]
        name = html.escape(profile.user.full_name)
        parts.append(
            "\n    <tr>\n"
            f'      <td>{name}<div class="small text-body-secondary d-md-none">'
            f"{html.escape(profile.employer)}</div></td>\n"
            f'      <td class="d-none d-md-table-cell">{html.escape(works_at)}</td>\n'
            f'      <td><span class="badge {badge_class}">{html.escape(badge_label)}</span></td>\n'
            f'      <td class="d-none d-sm-table-cell">{html.escape(this_month)}</td>\n'
            f'      <td class="text-end"><button class="btn btn-sm {action_class}" type="submit"'
            f' formaction="{html.escape(action_path(profile.pk))}">{action_label}'
            f'<span class="visually-hidden"> {name}</span></button></td>\n'
            "    </tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@office_admin_required
@require_GET
def office_directory(request):
    admin = request.user
    form = OfficeDirectorySearchForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "contacts/directory_office.html",
            {"form": form, "search_box": widget_kept(form["q"])},
            status=400,
        )
    search = form.cleaned_data["q"]
    summary = directory.office_directory_summary(admin=admin)
    rows = directory.volunteer_rows_for_admin(admin=admin, search=search)
    # Without a search the count is the office's, from the cached figures; a search
    # counts its matches.
    if search.strip():
        paginator = Paginator(rows, OFFICE_PAGE_SIZE)
    else:
        paginator = _CountedPaginator(rows, OFFICE_PAGE_SIZE, count=summary.volunteers)
    page = paginator.get_page(request.GET.get("page"))
    profiles = directory.volunteers_with_status(page.object_list, office=admin.office)
    return render_list(
        request,
        "contacts/directory_office.html",
        {
            "form": form,
            "page": page,
            "profiles": profiles,
            "rows": _office_rows_html(profiles),
            # As {{ form.q }} and {% include "_pagination.html" %} wrote them.
            "search_box": widget_kept(form["q"]),
            "pagination": mark_safe(pagination_html(request, page)),  # noqa: S308
            "searching": bool(search.strip()),
            "without_profile": summary.without_profile,
            "without_profile_count": summary.without_profile_count,
        },
    )


@office_admin_required
@require_POST
def office_volunteer_deactivate(request, pk: int):
    profile = directory.volunteer_get_for_admin(admin=request.user, pk=pk)
    if volunteers.volunteer_deactivate(admin=request.user, profile=profile):
        messages.success(
            request,
            _("%(name)s is hidden from the directory and has been told.")
            % {"name": profile.user.full_name},
        )
    else:
        messages.info(
            request, _("%(name)s was already deactivated.") % {"name": profile.user.full_name}
        )
    return redirect("office_directory")


@office_admin_required
@require_POST
def office_volunteer_reactivate(request, pk: int):
    profile = directory.volunteer_get_for_admin(admin=request.user, pk=pk)
    if volunteers.volunteer_reactivate(admin=request.user, profile=profile):
        messages.success(
            request,
            _("%(name)s is back in the directory and has been told.")
            % {"name": profile.user.full_name},
        )
    else:
        messages.info(request, _("%(name)s was already active.") % {"name": profile.user.full_name})
    return redirect("office_directory")
