"""core.compiled.PrimaryKeyRead: `queryset.filter(pk=...).first()` with the SQL
compiled once per connection, giving what the ORM gives."""

import pytest
from django.db.models import Count

from apps.accounts.models import Office, User
from apps.core.compiled import PrimaryKeyRead

pytestmark = pytest.mark.django_db


def _values(obj) -> dict:
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in obj.get_deferred_fields()
    }


def test_compiled_read_defers_what_the_queryset_defers(student, django_assert_num_queries):
    def queryset():
        return User.objects.select_related("office").only("email", "office__slug")

    expected = queryset().filter(pk=student.pk).first()

    with django_assert_num_queries(1):
        user = PrimaryKeyRead(queryset).get(student.pk)
        slug = user.office.slug

    assert slug == "northfield"
    assert user.get_deferred_fields() == expected.get_deferred_fields()
    assert user.office.get_deferred_fields() == expected.office.get_deferred_fields()
    assert (_values(user), _values(user.office)) == (_values(expected), _values(expected.office))


def test_compiled_read_compiles_once(student, office):
    made = []

    def queryset():
        made.append(1)
        return Office.objects.all()

    read = PrimaryKeyRead(queryset)
    read.get(office.pk)
    compiled = len(made)

    assert read.get(office.pk) == office
    assert read.get(office.pk + 1000) is None
    assert len(made) == compiled


@pytest.mark.parametrize("pk", [2**63, -(2**63) - 1])
def test_compiled_read_out_of_range_id_is_none_without_a_query(
    pk, office, django_assert_num_queries
):
    read = PrimaryKeyRead(Office.objects.all)
    read.get(office.pk)

    with django_assert_num_queries(0):
        assert read.get(pk) is None


def test_compiled_read_other_ids_go_the_orm_way(office):
    read = PrimaryKeyRead(Office.objects.all)

    assert read.get(str(office.pk)) == office
    with pytest.raises(ValueError, match="Field 'id' expected a number but got 'x'"):
        read.get("x")


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Office.objects.annotate(people=Count("members")),
        lambda: Office.objects.extra(select={"one": "1"}),
        lambda: Office.objects.prefetch_related("members"),
        lambda: Office.objects.values("name"),
    ],
    ids=["annotated", "extra", "prefetching", "values"],
)
def test_compiled_read_refuses_what_it_cannot_build(queryset, office):
    with pytest.raises(ValueError, match="PrimaryKeyRead takes a plain queryset"):
        PrimaryKeyRead(queryset).get(office.pk)
