"""Office admins' writes of the office's request wording (`RequestTemplate`). An
office always has one active default; see selectors/request_templates.py for
the reads and the built-in wording."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.interviews.models import RequestTemplate
from apps.interviews.request_check import (
    request_template_problems,
)
from apps.interviews.selectors.request_templates import request_template_builtin

_RACE = gettext_lazy(
    "Someone else changed the templates at the same moment. Check the list and try again."
)


def _check_admin(admin) -> None:
    if not admin.is_office_admin or admin.office_id is None:
        raise PermissionError("not an office admin")


def _active(office_id: int) -> QuerySet[RequestTemplate]:
    return RequestTemplate.objects.filter(office_id=office_id, archived_at__isnull=True)


def _clean(*, office_id: int, name: str, subject: str, body: str, pk=None) -> dict:
    data = {"name": name.strip(), "subject": subject.strip(), "body": body.strip()}
    errors = {}
    if not data["name"]:
        errors["name"] = [_("Give the template a name.")]
    elif _active(office_id).filter(name__iexact=data["name"]).exclude(pk=pk).exists():
        errors["name"] = [_("Another active template already has this name.")]
    if not data["body"]:
        errors["body"] = [_("Write the message students start from.")]
    for field in ("subject", "body"):
        problems = request_template_problems(data[field])
        if problems:
            errors.setdefault(field, []).extend(problems)
    if errors:
        raise ValidationError(errors)
    return data


def _make_default(template: RequestTemplate) -> None:
    # The old default first: the constraint allows one per office at any moment.
    _active(template.office_id).filter(is_default=True).exclude(pk=template.pk).update(
        is_default=False, updated_at=timezone.now()
    )
    template.is_default = True


def _save(template: RequestTemplate) -> None:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:
        # Only a race gets here: _clean has checked the name.
        raise ValidationError(_RACE) from exc


@transaction.atomic
def request_template_create(
    *, admin, name: str, subject: str, body: str, make_default: bool = False
) -> RequestTemplate:
    _check_admin(admin)
    office_id = admin.office_id
    # Serialises changes of the default among admins saving at the same moment.
    has_default = _active(office_id).select_for_update().filter(is_default=True).exists()
    data = _clean(office_id=office_id, name=name, subject=subject, body=body)
    template = RequestTemplate(office_id=office_id, **data)
    if make_default or not has_default:
        _make_default(template)
    _save(template)
    return template


@transaction.atomic
def request_template_update(
    *,
    admin,
    template: RequestTemplate,
    name: str,
    subject: str,
    body: str,
    make_default: bool = False,
) -> RequestTemplate:
    _check_admin(admin)
    if template.office_id != admin.office_id:
        raise PermissionError("template of another office")
    template = RequestTemplate.objects.select_for_update().get(pk=template.pk)
    data = _clean(
        office_id=template.office_id, name=name, subject=subject, body=body, pk=template.pk
    )
    if make_default and template.archived_at is not None:
        raise ValidationError(_("Restore this template before making it the default."))
    for key, value in data.items():
        setattr(template, key, value)
    if make_default:
        _make_default(template)
    _save(template)
    return template


@transaction.atomic
def request_template_archive(*, admin, template: RequestTemplate) -> RequestTemplate:
    """Students stop seeing it; requests made from it keep their text. The last
    active template and the default stay: an office always has a default."""
    _check_admin(admin)
    if template.office_id != admin.office_id:
        raise PermissionError("template of another office")
    # Locks every active template of the office, so two admins archiving the last
    # two at once cannot both succeed.
    active = list(_active(template.office_id).select_for_update().order_by("pk"))
    current = next((t for t in active if t.pk == template.pk), None)
    if current is None:
        return template
    if len(active) == 1:
        raise ValidationError(
            _("This is your office's only active template. Add another before archiving it.")
        )
    if current.is_default:
        raise ValidationError(
            _("This is the default template. Make another one the default before archiving it.")
        )
    current.archived_at = timezone.now()
    current.save(update_fields=["archived_at", "updated_at"])
    return current


@transaction.atomic
def request_template_restore(*, admin, template: RequestTemplate) -> RequestTemplate:
    _check_admin(admin)
    if template.office_id != admin.office_id:
        raise PermissionError("template of another office")
    template = RequestTemplate.objects.select_for_update().get(pk=template.pk)
    if template.archived_at is None:
        return template
    if _active(template.office_id).filter(name__iexact=template.name).exists():
        raise ValidationError(
            _("An active template is already called “%(name)s”. Rename one of them first.")
            % {"name": template.name}
        )
    template.archived_at = None
    template.save(update_fields=["archived_at", "updated_at"])
    return template


def request_template_ensure_default(*, office_id: int) -> None:
    """Give an office its default if it has none: the oldest active template, or the
    built-in wording when it has none at all. Safe to call again and from two places
    at once (the loser of the race finds the winner's default)."""
    try:
        with transaction.atomic():
            active = list(_active(office_id).select_for_update().order_by("pk"))
            if any(t.is_default for t in active):
                return
            if active:
                RequestTemplate.objects.filter(pk=active[0].pk).update(
                    is_default=True, updated_at=timezone.now()
                )
            else:
                request_template_builtin(office_id=office_id).save()
    except IntegrityError:
        return
