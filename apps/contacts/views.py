import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import student_only
from apps.contacts import book_rows, selectors, services
from apps.contacts.enums import Source, Stage
from apps.contacts.forms import ContactFilterForm, ContactForm, ContactMergeForm
from apps.contacts.matching import contact_matches
from apps.core.links import safe_next
from apps.core.rendering import render_list

PAGE_SIZE = 25


@student_only
def contact_list(request):
    form = ContactFilterForm(request.GET or None, office_id=request.user.office_id)
    filters = form.filters()
    contacts = book_rows.book_page_rows(student=request.user, filters=form.selector_kwargs())
    paginator = Paginator(contacts, PAGE_SIZE)
    rows_only = request.htmx and not request.htmx.boosted
    # The whole book, unfiltered: its count is cached (a filtered one is counted on
    # the index that serves the filter), and so are the field filter's choices, read
    # with it in one round trip to the cache.
    counted = not any(filters.values())
    if rows_only:
        count = selectors.contact_count_for_student(student=request.user) if counted else None
    else:
        count, fields = selectors.contact_book_count_and_fields(
            student=request.user, counted=counted
        )
    if count is not None:
        paginator.count = count
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    context = {
        "form": form,
        "page": page,
        "filtering": any(filters.values()),
        "rows_html": book_rows.book_rows_html(page.object_list),
    }
    if rows_only:
        template = "contacts/_contact_rows.html"
    else:
        template = "contacts/contact_list.html"
        context["selects_html"] = book_rows.filter_selects_html(
            _filter_selects(request, form, fields=fields)
        )
    return render_list(request, template, context)


def _detail_url():
    """pk → the contact's page, with one reverse for a whole list of them."""
    head, _zero, tail = reverse("contact_detail", args=[0]).rpartition("0")
    return lambda pk: f"{head}{pk}{tail}"


def _filter_selects(request, form, *, fields) -> list[dict]:
    """The field, stage and source filters as plain lists of (value, label): written
    by a loop of the page's template instead of three widgets, each of which renders
    a template per option. `fields` are the office's field choices, (pk, name)."""
    selects = []
    for name, options in (
        ("field", book_rows.filter_field_options(fields)),
        ("stage", Stage.choices),
        ("source", Source.choices),
    ):
        field = form.fields[name]
        empty = field.empty_label if name == "field" else field.choices[0][1]
        selects.append(
            {
                "name": name,
                "label": field.label,
                "options": [("", str(empty)), *((v, str(label)) for v, label in options)],
                # As typed: a value the form refused selects nothing.
                "value": request.GET.get(name, ""),
            }
        )
    return selects


def _save_contact(request, form, contact=None):
    data = dict(form.cleaned_data)
    on_target_list = data.pop("on_target_list", False)
    save_anyway = data.pop("save_anyway", False) or request.POST.get("merge_into", "").isdigit()
    if not save_anyway:
        duplicates = list(
            contact_matches(
                request.user,
                email=data.get("email", ""),
                linkedin_url=data.get("linkedin_url", ""),
                name=data["full_name"],
                organisation=data.get("organisation", ""),
                exclude_pk=contact.pk if contact else None,
            )[:5]
        )
        if duplicates:
            return None, duplicates
    try:
        if contact is None:
            contact = services.contact_create(
                student=request.user, on_target_list=on_target_list, **data
            )
        else:
            contact = services.contact_update(student=request.user, contact=contact, **data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None, []
    return contact, []


@student_only
def contact_create(request):
    initial = {"on_target_list": True}
    if request.GET.get("referred_by"):
        referrer = (
            selectors.contact_list_for_student(student=request.user)
            .filter(pk=request.GET["referred_by"])
            .first()
            if request.GET["referred_by"].isdigit()
            else None
        )
        if referrer:
            initial.update(referred_by=referrer, source="referral", field=referrer.field)
    form = ContactForm(request.POST or None, student=request.user, initial=initial)
    duplicates = []
    if "find_referrer" in request.POST:
        return _find_referrer(request, initial={**initial, **request.POST.dict()})
    if request.method == "POST":
        if form.is_valid():
            contact, duplicates = _save_contact(request, form)
            merge_into = request.POST.get("merge_into", "")
            if contact and merge_into.isdigit():
                # Added as a second record, to be merged into the first on the next page
                # (an id that is not theirs is a 404 there).
                return redirect("contact_merge", pk=int(merge_into), other=contact.pk)
            if contact:
                messages.success(
                    request, _("%(name)s is in your contacts.") % {"name": contact.full_name}
                )
                return redirect("contact_detail", pk=contact.pk)
        status = 400
    else:
        status = 200
    return render(
        request,
        "contacts/contact_form.html",
        {"form": form, "duplicates": duplicates},
        status=status,
    )


@student_only
def contact_edit(request, pk: int):
    contact = selectors.contact_get_for_student(student=request.user, pk=pk)
    form = ContactForm(request.POST or None, instance=contact, student=request.user)
    duplicates = []
    if "find_referrer" in request.POST:
        return _find_referrer(request, initial=request.POST.dict(), contact=contact)
    if request.method == "POST":
        if form.is_valid():
            saved, duplicates = _save_contact(request, form, contact)
            if saved:
                messages.success(request, _("Contact saved."))
                return redirect("contact_detail", pk=saved.pk)
        # The form mutated the instance while validating; show the stored values.
        contact.refresh_from_db()
        status = 400
    else:
        status = 200
    return render(
        request,
        "contacts/contact_form.html",
        {"form": form, "contact": contact, "duplicates": duplicates},
        status=status,
    )


def _find_referrer(request, *, initial, contact=None):
    """Without JavaScript, the referrer search is a button of the contact form: the
    form comes back as typed, nothing saved, the picker holding what was found."""
    form = ContactForm(
        initial=initial,
        instance=contact,
        student=request.user,
        referrer_q=request.POST.get("referrer_q", ""),
    )
    return render(
        request, "contacts/contact_form.html", {"form": form, "contact": contact, "duplicates": []}
    )


@student_only
@require_GET
def contact_referrer_search(request):
    """The "referred by" picker's options for what the student typed (htmx)."""
    exclude = request.GET.get("exclude", "")
    selected = request.GET.get("referred_by", "")
    options = selectors.referrer_options_for_student(
        student=request.user,
        q=request.GET.get("referrer_q", ""),
        exclude_pk=int(exclude) if exclude.isdigit() else None,
        selected_pk=int(selected) if selected.isdigit() else None,
    )
    return render_list(
        request,
        "contacts/_referrer_options.html",
        {"options": options, "selected": int(selected) if selected.isdigit() else None},
    )


@student_only
def contact_detail(request, pk: int):
    contact = selectors.contact_get_for_student(student=request.user, pk=pk)
    referrals = selectors.contact_list_for_student(student=request.user).filter(referred_by=contact)
    look_alikes = contact_matches(
        request.user,
        volunteer=None,
        email=contact.email,
        linkedin_url=contact.linkedin_url,
        name=contact.full_name,
        organisation=contact.organisation,
        exclude_pk=contact.pk,
    )[:3]
    return render(
        request,
        "contacts/contact_detail.html",
        {"contact": contact, "referrals": referrals, "look_alikes": look_alikes},
    )


@student_only
def contact_merge(request, pk: int, other: int):
    """Merge `other` into `pk`: both side by side, a choice where they differ."""
    keep = selectors.contact_get_for_student(student=request.user, pk=pk)
    drop = selectors.contact_get_for_student(student=request.user, pk=other)
    if keep.pk == drop.pk:
        return HttpResponseBadRequest(_("Choose two different contacts to merge."))
    # Bound on any POST: where nothing differs, an empty one is a valid choice.
    form = ContactMergeForm(
        request.POST if request.method == "POST" else None, keep=keep, drop=drop
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                kept = services.contact_merge(
                    student=request.user, keep=keep, drop=drop, take_from_drop=form.take_from_drop()
                )
            except services.MergeRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(name)s is one contact now, with the history of both.")
                    % {"name": kept.full_name},
                )
                return redirect("contact_detail", pk=kept.pk)
        status = 400
    return render(
        request,
        "contacts/contact_merge.html",
        {"form": form, "keep": keep, "drop": drop},
        status=status,
    )


@student_only
@require_POST
def contact_archive(request, pk: int):
    contact = selectors.contact_get_for_student(student=request.user, pk=pk)
    services.contact_archive(student=request.user, contact=contact)
    messages.success(
        request,
        _("%(name)s is archived. You can restore them from the archived contacts.")
        % {"name": contact.full_name},
    )
    return redirect("contact_list")


@student_only
@require_POST
def contact_restore(request, pk: int):
    contact = selectors.contact_get_for_student(student=request.user, pk=pk)
    services.contact_restore(student=request.user, contact=contact)
    messages.success(request, _("%(name)s is back in your contacts.") % {"name": contact.full_name})
    return redirect("contact_detail", pk=contact.pk)


@student_only
@require_POST
def contact_target_toggle(request, pk: int):
    contact = selectors.contact_get_for_student(student=request.user, pk=pk)
    if contact.target_rank is None:
        services.contact_target_add(student=request.user, contact=contact)
        messages.success(
            request, _("%(name)s is on your target list.") % {"name": contact.full_name}
        )
    else:
        services.contact_target_remove(student=request.user, contact=contact)
        messages.success(
            request, _("%(name)s is off your target list.") % {"name": contact.full_name}
        )
    return redirect(safe_next(request, reverse("contact_detail", args=[contact.pk])))


@student_only
@require_POST
def contact_target_move(request, pk: int):
    contact = selectors.contact_get_for_student(student=request.user, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.target_list_move(student=request.user, contact=contact, offset=offset)
    except ValueError:
        return HttpResponseBadRequest(_("This contact is not on a target list."))
    return redirect(f"{safe_next(request, reverse('target_list'))}#contact-{contact.pk}")


# A field's list shows its top people; a long one is cut here, with a link to
# the whole list of that field (dragging needs every row of the list it reorders;
# the arrow buttons work on a cut list too).
TARGET_PREVIEW = 25


@student_only
def target_list(request):
    contacts = book_rows.target_list_rows(student=request.user)
    groups = selectors.target_groups(contacts)
    # ?field=<id> (or "none" for the contacts without an active field) shows that
    # list whole and alone.
    whole = request.GET.get("field")
    if whole:
        groups = [g for g in groups if str(g["field"].pk if g["field"] else "none") == whole]
    rows = book_rows.TargetRows(request)
    for group in groups:
        group["count"] = len(group["contacts"])
        if not whole and group["count"] > TARGET_PREVIEW:
            group["contacts"] = group["contacts"][:TARGET_PREVIEW]
            group["cut"] = True
        group["rows_html"] = rows.html(group["contacts"], cut=group.get("cut", False))
    return render_list(
        request,
        "contacts/target_list.html",
        {"groups": groups, "has_contacts": bool(contacts), "whole": whole},
    )


@student_only
def target_board(request):
    # ?stage=<stage> opens that column alone, a page at a time (like the follow-ups'
    # sections); an unknown stage shows the whole board.
    only = request.GET.get("stage")
    only = only if only in Stage.values else None
    if only:
        page = Paginator(
            selectors.target_board_column(student=request.user, stage=only), PAGE_SIZE
        ).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        columns = [
            {
                "stage": only,
                "label": Stage(only).label,
                "contacts": page.object_list,
                "count": page.paginator.count,
            }
        ]
        has_contacts = True
    else:
        page = None
        board = selectors.target_board_for_student(student=request.user)
        columns = [
            {
                "stage": value,
                "label": label,
                "contacts": board.get(value, {}).get("contacts", []),
                "count": board.get(value, {}).get("count", 0),
            }
            for value, label in Stage.choices
        ]
        has_contacts = bool(board)
    url = _detail_url()
    for column in columns:
        for contact in column["contacts"]:
            contact.url = url(contact.pk)
    return render_list(
        request,
        "contacts/target_board.html",
        {"columns": columns, "has_contacts": has_contacts, "only": only, "page": page},
    )


@student_only
@require_POST
def target_reorder(request):
    """Drag and drop: the new order of one field's list, as JSON
    {"field": <id or null>, "order": [contact ids]}."""
    try:
        payload = json.loads(request.body)
        field_id = payload.get("field") or None
        ids = [int(i) for i in payload["order"]]
        services.target_list_reorder(student=request.user, field_id=field_id, contact_ids=ids)
    # RecursionError: JSON nested thousands deep (json.loads gives up on it).
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return HttpResponseBadRequest(_("That order does not match your list. Reload the page."))
    return HttpResponse(status=204)
