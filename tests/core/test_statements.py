"""apps.core.statements: a queryset's statement kept per shape and only bound
afterwards gives the rows the ORM gives (model fields, annotations converted as the
ORM converts them), in one query; a statement whose SQL depends on an input that
the shape does not name is never kept."""

from datetime import UTC, datetime

import pytest
from django.db.models import Count, Exists, OuterRef, Value
from django.db.models.functions import Coalesce

from apps.accounts.models import User
from apps.advising.models import Assignment
from apps.advising.services import assignments_add
from apps.core import statements
from apps.core.statements import StatementRows

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
SENTINELS = {"office_id": 2_000_000_011, "since": datetime(1901, 1, 1, tzinfo=UTC), "q": "qzxq"}


@pytest.fixture(autouse=True)
def _fresh():
    statements.statements_clear()
    yield
    statements.statements_clear()


def _build(values):
    return (
        User.objects.filter(
            office_id=values["office_id"],
            date_joined__gte=values["since"],
            full_name__icontains=values["q"],
        )
        .annotate(
            has_advisor=Exists(Assignment.objects.filter(student=OuterRef("pk"))),
            active_at=Coalesce("last_activity_at", "date_joined"),
            label=Value("x"),
        )
        .order_by("full_name", "pk")
    )


def _rows(office, q="a"):
    return StatementRows(
        shape=("test",),
        build=_build,
        inputs={"office_id": office.pk, "since": SINCE, "q": q},
        sentinels=SENTINELS,
    )


def _seen(rows):
    return [(r.pk, r.email, r.office_id, r.has_advisor, r.active_at, r.label) for r in rows]


def test_kept_rows_are_the_orms_in_one_query(
    student, student2, advisor, office_admin, other_student, django_assert_num_queries
):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    orm = _seen(_build({"office_id": student.office_id, "since": SINCE, "q": "a"})[0:3])
    first = _rows(student.office)[0:3]

    with django_assert_num_queries(1):
        again = _rows(student.office)[0:3]

    assert _seen(first) == _seen(again) == orm
    assert [r.full_name for r in again] == ["Avery Admin", "Dana Advisor", "Priya Patel"]
    assert {r.has_advisor for r in _rows(student.office)[0:10]} == {True, False}
    assert all(isinstance(r.active_at, datetime) for r in again)
    assert [shape[-2:] for shape in statements._statements("default")] == [(0, 3), (0, 10)]


def test_a_search_is_bound_as_the_orm_escapes_it(student, office):
    type(student).objects.filter(pk=student.pk).update(full_name="Sam 50%_off")
    _rows(office, q="zzz")[0:5]

    found = _rows(office, q="50%_o")[0:5]
    not_a_pattern = _rows(office, q="5_%")[0:5]

    assert [r.full_name for r in found] == ["Sam 50%_off"]
    assert not_a_pattern == []


def test_a_statement_that_depends_on_an_unnamed_input_is_not_kept(student, office):
    def build(values):
        # The SQL differs with the value: the shape would have to say which.
        if values["office_id"] > 1_000_000_000:
            return User.objects.filter(office_id=values["office_id"], pk__gt=0)
        return User.objects.filter(office_id=values["office_id"])

    rows = StatementRows(
        shape=("test",), build=build, inputs={"office_id": office.pk}, sentinels=SENTINELS
    )

    assert [r.pk for r in rows[0:5]] == [student.pk]
    assert statements._statements("default") == {}


def test_the_least_recently_used_go_first(office, monkeypatch):
    monkeypatch.setattr(statements, "STATEMENTS_KEPT", 2)
    for start in (0, 1, 2):
        _rows(office)[start : start + 1]

    assert [shape[-2:] for shape in statements._statements("default")] == [(1, 2), (2, 3)]


def test_an_empty_slice_asks_nothing(office, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert _rows(office)[0:0] == []


def test_counted_and_iterated_as_the_queryset(student, student2, advisor, office):
    whole = _build({"office_id": office.pk, "since": SINCE, "q": "a"})

    assert _rows(office).count() == whole.count() == 3
    assert [r.pk for r in _rows(office)] == [r.pk for r in whole]
    with pytest.raises(TypeError):
        _rows(office)[0:4:2]


# --- select_related, and what a statement cannot read -------------------------------


def _with_office(values):
    return (
        User.objects.filter(date_joined__gte=values["since"], full_name__icontains=values["q"])
        .select_related("office")
        .only("full_name", "email", "office__name")
        .order_by("full_name", "pk")
    )


def _office_rows(q="a"):
    return StatementRows(
        shape=("with office",),
        build=_with_office,
        inputs={"since": SINCE, "q": q},
        sentinels=SENTINELS,
    )


def _offices_seen(rows):
    return [
        (r.pk, r.full_name, r.office_id, r.office and (r.office.pk, r.office.name)) for r in rows
    ]


def test_select_related_objects_come_with_the_kept_rows_in_one_query(
    student, other_student, django_assert_num_queries
):
    # A superuser has no office: the LEFT JOIN's empty columns are no office at all.
    loner = User.objects.create_superuser(email="loner@example.test", password="x" * 12)
    User.objects.filter(pk=loner.pk).update(full_name="Aaron Alone")
    orm = _offices_seen(_with_office({"since": SINCE, "q": "a"})[0:10])
    _office_rows()[0:10]

    with django_assert_num_queries(1):
        again = _office_rows()[0:10]
        seen = _offices_seen(again)

    assert seen == orm
    assert seen[0] == (loner.pk, "Aaron Alone", None, None)
    assert {r.office.name for r in again if r.office} == {
        student.office.name,
        other_student.office.name,
    }
    assert [shape[-2:] for shape in statements._statements("default")] == [(0, 10)]
    # Fields left out by only() are deferred on the related object as by the ORM.
    assert (
        again[1].office.get_deferred_fields()
        == _with_office({"since": SINCE, "q": "a"})[1].office.get_deferred_fields()
    )


@pytest.mark.parametrize(
    "kind",
    [
        lambda qs: qs.prefetch_related("office"),
        lambda qs: qs.values_list("pk", "email", named=True),
        # Annotations named before the fields: the ORM reorders the row.
        lambda qs: qs.annotate(n=Value(1)).values_list("n", "pk"),
    ],
)
def test_what_a_statement_cannot_read_is_read_by_the_orm_and_never_kept(student, kind):
    def build(values):
        return kind(User.objects.filter(office_id=values["office_id"]).order_by("pk"))

    rows = StatementRows(
        shape=("orm",), build=build, inputs={"office_id": student.office_id}, sentinels=SENTINELS
    )

    assert list(rows[0:5]) == list(build({"office_id": student.office_id})[0:5])
    assert statements._statements("default") == {}


@pytest.mark.parametrize(
    "kind",
    [
        lambda qs: qs.values("pk", "email", "date_joined"),
        lambda qs: qs.values("email", "pk"),
        lambda qs: qs.values_list("pk", "email", "date_joined"),
        lambda qs: qs.values_list("date_joined", flat=True),
        lambda qs: qs.values_list("office__name", "pk"),
        # Grouped, with counts: a row per role.
        lambda qs: qs.order_by().values_list("role").annotate(Count("pk"), Count("last_login")),
        lambda qs: qs.values("role").annotate(n=Count("pk")).order_by("role"),
    ],
)
def test_values_rows_are_the_orms_from_a_kept_statement(
    student, student2, advisor, office, kind, django_assert_num_queries
):
    def build(values):
        return kind(User.objects.filter(office_id=values["office_id"]).order_by("pk"))

    def rows():
        return StatementRows(
            shape=("values",), build=build, inputs={"office_id": office.pk}, sentinels=SENTINELS
        )

    orm = list(build({"office_id": office.pk}))
    first = rows()[0:10]
    with django_assert_num_queries(1):
        again = rows()[0:10]

    assert again == first == orm[0:10]
    assert len(again) >= 2
    assert [shape[1] for shape in statements._statements("default")] == ["values"]


def test_listing_the_rows_reads_them_without_counting_them(
    student, student2, office, django_assert_num_queries
):
    # No __len__: list() and sorted() would ask it for a length hint, a COUNT query.
    _rows(office)[0:None]
    with django_assert_num_queries(1):
        listed = list(_rows(office))
    with django_assert_num_queries(1):
        ordered = sorted(_rows(office), key=lambda r: r.pk)

    assert sorted(r.pk for r in listed) == [r.pk for r in ordered]


def test_rows_for_ids_binds_each_id_and_keeps_a_statement_per_number_of_ids(
    student, student2, advisor, other_student, office, django_assert_num_queries
):
    def build(values, ids):
        return User.objects.filter(office_id=values["office_id"], pk__in=ids).order_by("pk")

    def read(ids):
        return statements.rows_for_ids(
            shape=("ids",),
            ids=ids,
            build=build,
            inputs={"office_id": office.pk},
            sentinels={"office_id": SENTINELS["office_id"]},
        )

    read([student.pk, advisor.pk])
    with django_assert_num_queries(1):
        two = read([student2.pk, other_student.pk])
    with django_assert_num_queries(0):
        assert read([]) == []
    three = read([student.pk, student2.pk, advisor.pk])

    # Another office's student is never read through this office's statement.
    assert [u.pk for u in two] == [student2.pk]
    assert [u.pk for u in three] == sorted([student.pk, student2.pk, advisor.pk])
    kept = sorted(shape[1:3] for shape in statements._statements("default"))
    assert kept == [("ids", 2), ("ids", 3)]
