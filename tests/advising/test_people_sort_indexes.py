"""Each sort of the People page is read from an index in its order, a page at a time,
instead of joining and sorting every member of the office (18–32 ms for the scale
office's 25,000 before these indexes, 0.1–2 ms after)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Lower

from apps.accounts.models import User
from apps.advising.selectors_people import PeopleQuery, people_for_admin
from apps.core.models import SortIndex
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
@pytest.mark.parametrize(
    ("sort", "descending", "index"),
    [
        ("name", False, "user_office_name"),
        ("name", True, "user_office_name_desc"),
        ("joined", False, "user_office_date_joined"),
        ("joined", True, "user_office_date_joined_desc"),
        ("last_login", False, "user_office_last_login"),
        ("last_login", True, "user_office_last_login_desc"),
    ],
)
def test_a_page_of_people_is_read_from_its_sorts_index_without_sorting(
    office_admin, sort, descending, index
):
    UserFactory(office=office_admin.office)
    rows = people_for_admin(admin=office_admin, query=PeopleQuery(sort=sort, descending=descending))
    with connection.cursor() as cursor:
        # On a handful of rows the planner would rather scan and sort; the question
        # is whether an index gives the page in its order (without one, the plan
        # keeps its Sort whatever these say).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = rows[:50].explain()

    assert f"using {index} on accounts_user" in plan.lower()
    assert "Sort" not in plan


def test_a_sort_index_keeps_nulls_last_in_the_order_each_database_can_build(office_admin):
    index = SortIndex(
        F("office"), F("last_login").desc(nulls_last=True), F("id"), name="test_sort_index"
    )
    # Not entered: SQLite's editor refuses to open inside the test's transaction,
    # and writing the statement needs none.
    editor = connection.schema_editor(collect_sql=True)
    sql = str(index.create_sql(User, editor))
    # What the index is built from is left as it was (the migration's state).
    assert index.expressions[1].nulls_last is True

    if connection.vendor == "postgresql":
        assert '"last_login" DESC NULLS LAST' in sql
    else:
        # SQLite refuses NULLS in an index; its DESC already puts nulls last.
        assert '"last_login" DESC' in sql
        assert "NULLS" not in sql


def test_never_signed_in_members_come_last_either_way(office_admin):
    early = UserFactory(office=office_admin.office, full_name="Early")
    late = UserFactory(office=office_admin.office, full_name="Late")
    never = UserFactory(office=office_admin.office, full_name="Never")
    User.objects.filter(pk=early.pk).update(last_login=early.date_joined)
    User.objects.filter(pk=late.pk).update(last_login=late.date_joined + timedelta(days=1))
    User.objects.filter(pk__in=[office_admin.pk, never.pk]).update(last_login=None)
    nobody = sorted([never.pk, office_admin.pk])

    def order(descending):
        query = PeopleQuery(sort="last_login", descending=descending)
        return list(people_for_admin(admin=office_admin, query=query).values_list("pk", flat=True))

    assert order(False) == [early.pk, late.pk, *nobody]
    assert order(True) == [late.pk, early.pk, *nobody]


def test_the_name_sorts_ignore_case():
    # The index is on the lower-cased name, as the sort is.
    (index,) = [i for i in User._meta.indexes if i.name == "user_office_name_desc"]
    assert index.expressions[1].expression == Lower("full_name")
