"""The contact book (`/contacts/`) and the target list (`/targets/`): their rows read
by statements compiled once per process (core.statements) and written as HTML here.

Building and compiling each page's query in the ORM, and the templates' per-row
loops (some 20 nodes a row: lookups, ifs, escapes, blocktranslates, two URL
reversals and two CSRF tokens), were most of both pages' own time. The markup is
the old templates', byte for byte (tests/contacts/test_book_rows.py renders the old
ones and compares); every value is escaped as the templates escaped it.
"""

from html import escape

from django.db.models import QuerySet
from django.template.backends.utils import csrf_input
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from apps.contacts.enums import Source, Stage
from apps.contacts.selectors import contact_book_page_rows, target_list_for_student
from apps.core.links import path_for_pk
from apps.core.models import choice_label
from apps.core.rendering import options_html
from apps.core.statements import StatementRows

# Values no real input has, for StatementRows to trace each parameter of a page's
# statement to the input it came from.
_SENTINELS = {
    "owner_id": 2_000_000_021,
    "q": "qzxbookqzx",
    "field_id": 2_000_000_022,
    "stage": "qzxstageqzx",
    "source": "qzxsourceqzx",
    "tag": "qzxtagqzx",
}


def book_page_rows(*, student, filters: dict) -> StatementRows:
    """contacts.selectors.contact_book_page_rows as a Paginator slices it, its SQL
    compiled once per process for each shape (which filters are set, archived or
    not, the slice). `filters` as ContactFilterForm.selector_kwargs gives them."""
    inputs = {
        "owner_id": student.pk,
        "q": filters["q"],
        "field_id": filters["field_id"],
        "stage": filters["stage"],
        "source": filters["source"],
        "tag": filters["tag"],
    }
    # An input left empty stays empty: it changes the SQL, so it is in the shape.
    sentinels = {
        name: inputs[name] if not inputs[name] else value for name, value in _SENTINELS.items()
    }
    archived = bool(filters["archived"])
    shape = ("contacts.book", archived, *(bool(inputs[name]) for name in _SENTINELS))

    def build(values: dict) -> QuerySet:
        return contact_book_page_rows(
            student=values["owner_id"],
            archived=archived,
            q=values["q"],
            field_id=values["field_id"],
            stage=values["stage"],
            source=values["source"],
            tag=values["tag"],
        )

    return StatementRows(shape=shape, build=build, inputs=inputs, sentinels=sentinels)


def book_rows_html(contacts) -> str:
    """The book's rows (`<a class="list-group-item …">` each), as the loop of
    _contact_rows.html wrote them."""
    url = path_for_pk("contact_detail")
    referred = gettext("referred by %(name)s")
    on_list = escape(gettext("On the target list"))
    target = (
        f' <span class="badge text-bg-light" title="{on_list}"><i class="bi bi-bullseye"'
        f' aria-hidden="true"></i><span class="visually-hidden">{on_list}</span></span>'
    )
    parts = []
    for contact in contacts:
        title, organisation = contact.job_title, contact.organisation
        if title or organisation:
            comma = ", " if title and organisation else ""
            job = (
                f'<span class="text-body-secondary"> · {escape(title)}{comma}'
                f"{escape(organisation)}</span>"
            )
        else:
            job = ""
        field = f"{escape(contact.field.name)} · " if contact.field_id else ""
        referrer = (
            f" · {escape(referred % {'name': contact.referred_by.full_name})}"
            if contact.referred_by_id
            else ""
        )
        parts.append(
            "\n  "
            f'<a class="list-group-item list-group-item-action" href="{url(contact.pk)}">\n'
            '    <div class="d-flex flex-wrap justify-content-between gap-2">\n'
            '      <div class="me-auto">\n'
            f"        <strong>{escape(contact.full_name)}</strong>{job}\n"
            f'        <div class="small text-body-secondary">{field}'
            f"{escape(choice_label(Source, contact.source))}{referrer}</div>\n"
            "      </div>\n"
            '      <div class="text-nowrap">'
            f'<span class="badge stage stage-{escape(contact.stage)}">'
            f"{escape(choice_label(Stage, contact.stage))}</span>"
            f"{target if contact.target_rank else ''}</div>\n"
            "    </div>\n"
            "  </a>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


def filter_field_options(choices) -> list[tuple[str, str]]:
    """The office's active fields as the field filter offers them, (pk as text,
    name) by name, from students.selectors.field_choices_for_office's (pk, name)."""
    return [(str(pk), name) for pk, name in choices]


def filter_selects_html(selects: list[dict]) -> str:
    """The field, stage and source filters, as contact_list.html's loop over
    `selects` (views._filter_selects) wrote them."""
    parts = []
    for select in selects:
        name = escape(select["name"])
        options = options_html(select["options"], select["value"])
        parts.append(
            f'<div class="col-6 col-md-2"><label class="form-label small" for="id_{name}">'
            f'{escape(str(select["label"]))}</label><select name="{name}" class="form-select"'
            f' id="id_{name}">{options}</select></div>\n    '
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


# The target list's rows, ranked, a statement compiled once per process.
_TARGET_SENTINELS = {"owner_id": 2_000_000_023}

# What a row of the target list shows, and what groups it (the field's name and
# whether the office still uses it).
TARGET_ROW_FIELDS = (
    "pk",
    "owner_id",
    "full_name",
    "job_title",
    "organisation",
    "stage",
    "target_rank",
    "field__name",
    "field__is_active",
    "referred_by__full_name",
)


def target_list_rows(*, student) -> list:
    """contacts.selectors.target_list_for_student, as much of each row as the page
    shows, read by a statement compiled once per process."""

    def build(values: dict) -> QuerySet:
        return target_list_for_student(student=values["owner_id"]).only(*TARGET_ROW_FIELDS)

    # Not list(…): it would ask the rows' len(), a COUNT.
    return StatementRows(
        shape=("contacts.targets",),
        build=build,
        inputs={"owner_id": student.pk},
        sentinels=_TARGET_SENTINELS,
    ).rows(0, None)


class TargetRows:
    """Writes a group's `<li>` rows, as the loop of target_list.html wrote them; the
    page's links, CSRF input and phrases worked out once for all its groups."""

    def __init__(self, request):
        self.detail = path_for_pk("contact_detail")
        self.move = path_for_pk("contact_target_move")
        self.hidden = csrf_input(request)
        self.path = escape(request.path)
        self.via = gettext("via %(name)s")
        self.up = gettext("Move %(name)s up")
        self.down = gettext("Move %(name)s down")

    def html(self, contacts, *, cut: bool) -> str:
        handle = (
            ""
            if cut
            else '<span class="drag-handle text-body-secondary" aria-hidden="true">'
            '<i class="bi bi-grip-vertical"></i></span>'
        )
        last = len(contacts) - 1
        hidden, path = self.hidden, self.path
        parts = []
        for place, contact in enumerate(contacts):
            pk = contact.pk
            name = escape(contact.full_name)
            title, organisation = contact.job_title, contact.organisation
            comma = ", " if title and organisation else ""
            via = (
                f" · {self.via % {'name': escape(contact.referred_by.full_name)}}"
                if contact.referred_by_id
                else ""
            )
            move = self.move(pk)
            stage = contact.stage
            parts.append(
                "\n    "
                f'<li class="list-group-item d-flex align-items-center gap-2" id="contact-{pk}"'
                f' data-id="{pk}">\n'
                f"      {handle}\n"
                '      <div class="me-auto">\n'
                f'        <a href="{self.detail(pk)}" class="fw-semibold">{name}</a>\n'
                f'        <div class="small text-body-secondary">{escape(title)}{comma}'
                f"{escape(organisation)}{via}</div>\n"
                "      </div>\n"
                f'      <span class="badge stage stage-{escape(stage)}">'
                f"{escape(choice_label(Stage, stage))}</span>\n\n"
                '      <div class="btn-group btn-group-sm">\n'
                f'        <form method="post" action="{move}">{hidden}'
                '<input type="hidden" name="direction" value="up">'
                f'<input type="hidden" name="next" value="{path}">\n'
                '          <button class="btn btn-outline-secondary" type="submit" '
                f"{'disabled' if place == 0 else ''}"
                f' aria-label="{self.up % {"name": name}}">'
                '<i class="bi bi-arrow-up" aria-hidden="true"></i></button></form>\n'
                f'        <form method="post" action="{move}">{hidden}'
                '<input type="hidden" name="direction" value="down">'
                f'<input type="hidden" name="next" value="{path}">\n'
                '          <button class="btn btn-outline-secondary" type="submit" '
                f"{'disabled' if place == last and not cut else ''}"
                f' aria-label="{self.down % {"name": name}}">'
                '<i class="bi bi-arrow-down" aria-hidden="true"></i></button></form>\n'
                "      </div>\n"
                "    </li>\n    "
            )
        return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
