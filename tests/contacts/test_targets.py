import json

import pytest
from django.urls import reverse

from apps.contacts.enums import Stage
from apps.contacts.models import Contact
from apps.contacts.services import contact_set_stage
from tests.factories.contacts import ContactFactory
from tests.factories.students import FieldFactory


@pytest.fixture
def policy(office):
    return FieldFactory(office=office, name="Policy")


def _ranked(student, field):
    return list(
        Contact.objects.filter(owner=student, field=field, target_rank__isnull=False)
        .order_by("target_rank")
        .values_list("full_name", flat=True)
    )


@pytest.fixture
def three(student, consulting):
    return [
        ContactFactory(student=student, full_name=n, field=consulting, on_target_list=True)
        for n in ("Ana", "Ben", "Cy")
    ]


def test_target_list_groups_by_field_in_rank_order(login_as, student, consulting, policy, three):
    ContactFactory(student=student, full_name="Pia", field=policy, on_target_list=True)
    ContactFactory(student=student, full_name="Not ranked", field=policy)

    response = login_as(student).get(reverse("target_list"))

    groups = [
        (g["field"].name, [c.full_name for c in g["contacts"]]) for g in response.context["groups"]
    ]
    assert groups == [("Consulting", ["Ana", "Ben", "Cy"]), ("Policy", ["Pia"])]


def test_drag_and_drop_reorder_saves_the_order(login_as, student, consulting, three):
    ana, ben, cy = three

    response = login_as(student).post(
        reverse("target_reorder"),
        json.dumps({"field": consulting.pk, "order": [cy.pk, ana.pk, ben.pk]}),
        content_type="application/json",
    )

    assert response.status_code == 204
    assert _ranked(student, consulting) == ["Cy", "Ana", "Ben"]


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        json.dumps({"field": None}),
        json.dumps({"order": "abc"}),
        pytest.param('{"order": ' + "[" * 100_000 + "]" * 100_000 + "}", id="nested-deep"),
    ],
)
def test_reorder_garbage_is_400_and_changes_nothing(login_as, student, consulting, three, payload):
    response = login_as(student).post(
        reverse("target_reorder"), payload, content_type="application/json"
    )

    assert response.status_code == 400
    assert _ranked(student, consulting) == ["Ana", "Ben", "Cy"]


def test_reorder_with_someone_elses_contact_is_refused(
    login_as, student, student2, consulting, three
):
    ana, ben, cy = three
    theirs = ContactFactory(
        student=student2, full_name="Zed", field=consulting, on_target_list=True
    )

    response = login_as(student).post(
        reverse("target_reorder"),
        json.dumps({"field": consulting.pk, "order": [theirs.pk, ana.pk, ben.pk, cy.pk]}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert _ranked(student, consulting) == ["Ana", "Ben", "Cy"]
    theirs.refresh_from_db()
    assert theirs.target_rank == 1


def test_reorder_missing_a_contact_is_refused(login_as, student, consulting, three):
    ana, ben, _cy = three

    response = login_as(student).post(
        reverse("target_reorder"),
        json.dumps({"field": consulting.pk, "order": [ben.pk, ana.pk]}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert _ranked(student, consulting) == ["Ana", "Ben", "Cy"]


def test_keyboard_buttons_move_up_and_down(login_as, student, consulting, three):
    ana, ben, cy = three
    browser = login_as(student)

    up = browser.post(
        reverse("contact_target_move", args=[cy.pk]), {"direction": "up", "next": "/targets/"}
    )
    browser.post(reverse("contact_target_move", args=[ana.pk]), {"direction": "down"})
    browser.post(reverse("contact_target_move", args=[ana.pk]), {"direction": "down"})

    assert up["Location"] == f"/targets/#contact-{cy.pk}"
    assert _ranked(student, consulting) == ["Cy", "Ben", "Ana"]


def test_move_ignores_an_offsite_next(login_as, student, three):
    response = login_as(student).post(
        reverse("contact_target_move", args=[three[1].pk]),
        {"direction": "up", "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/targets/#contact-{three[1].pk}"


def test_move_a_contact_not_on_the_list_is_400(login_as, student, consulting):
    loose = ContactFactory(student=student, full_name="Loose", field=consulting)

    response = login_as(student).post(
        reverse("contact_target_move", args=[loose.pk]), {"direction": "up"}
    )

    assert response.status_code == 400


def test_toggle_adds_at_the_bottom_and_removes(login_as, student, consulting, three):
    dee = ContactFactory(student=student, full_name="Dee", field=consulting)
    browser = login_as(student)

    browser.post(reverse("contact_target_toggle", args=[dee.pk]))
    added = _ranked(student, consulting)
    browser.post(reverse("contact_target_toggle", args=[three[0].pk]))

    assert added == ["Ana", "Ben", "Cy", "Dee"]
    assert _ranked(student, consulting) == ["Ben", "Cy", "Dee"]


def test_board_puts_contacts_in_their_stage_column(login_as, student, three):
    contact_set_stage(contact=three[1], stage=Stage.SCHEDULED)

    response = login_as(student).get(reverse("target_board"))

    columns = {
        c["stage"]: [x.full_name for x in c["contacts"]] for c in response.context["columns"]
    }
    assert columns[Stage.IDENTIFIED] == ["Ana", "Cy"]
    assert columns[Stage.SCHEDULED] == ["Ben"]
    assert [c["stage"] for c in response.context["columns"]] == list(Stage.values)


@pytest.mark.parametrize("persona", ["alumni", "advisor"])
def test_target_pages_are_for_students(login_as, request, persona):
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(reverse("target_list")).status_code == 403
    assert browser.get(reverse("target_board")).status_code == 403
    assert browser.get(reverse("target_board"), {"stage": Stage.MET}).status_code == 403
    assert (
        browser.post(reverse("target_reorder"), "{}", content_type="application/json").status_code
        == 403
    )


@pytest.mark.parametrize("count", [1, 3, 50])
@pytest.mark.parametrize("page", ["target_list", "target_board"])
def test_target_pages_query_count(
    login_as, student, consulting, policy, count, page, django_assert_num_queries
):
    for i in range(count):
        ContactFactory(
            student=student,
            full_name=f"P{i}",
            field=[consulting, policy][i % 2],
            on_target_list=True,
        )
    browser = login_as(student)

    # session, user with office, ranked contacts with their fields
    with django_assert_num_queries(3):
        response = browser.get(reverse(page))

    assert response.status_code == 200
    if page == "target_list":
        shown = min(count // 2, 25) + min(count - count // 2, 25)
        assert response.content.decode().count('id="contact-') == shown
    else:
        [identified] = [c for c in response.context["columns"] if c["stage"] == Stage.IDENTIFIED]
        assert len(identified["contacts"]) == min(count, 25)
        assert identified["count"] == count
        assert sum(len(c["contacts"]) for c in response.context["columns"]) == min(count, 25)


@pytest.mark.parametrize("count", [1, 3, 50])
def test_one_board_column_query_count(
    login_as, student, consulting, policy, count, django_assert_num_queries
):
    for i in range(count):
        ContactFactory(
            student=student,
            full_name=f"P{i}",
            field=[consulting, policy][i % 2],
            on_target_list=True,
        )
    browser = login_as(student)

    # session, user with office, the column's count, its page of contacts with fields
    with django_assert_num_queries(4):
        response = browser.get(reverse("target_board"), {"stage": Stage.IDENTIFIED})

    [column] = response.context["columns"]
    assert len(column["contacts"]) == min(count, 25)
    assert column["count"] == count


def test_a_long_board_column_shows_its_first_25_and_opens_alone(
    login_as, student, consulting, policy
):
    people = [
        ContactFactory(student=student, full_name=f"P{i:02}", field=consulting, on_target_list=True)
        for i in range(27)
    ]
    # Policy comes after Consulting: the column keeps the target list's order.
    pia = ContactFactory(student=student, full_name="Pia", field=policy, on_target_list=True)
    contact_set_stage(contact=people[3], stage=Stage.MET)
    ContactFactory(student=student, full_name="Not ranked", field=consulting)
    browser = login_as(student)
    waiting = [*people[:3], *people[4:], pia]

    board = browser.get(reverse("target_board"))
    alone = browser.get(reverse("target_board"), {"stage": Stage.IDENTIFIED})
    second = browser.get(reverse("target_board"), {"stage": Stage.IDENTIFIED, "page": 2})

    columns = {c["stage"]: c for c in board.context["columns"]}
    assert columns[Stage.IDENTIFIED]["contacts"] == waiting[:25]
    assert columns[Stage.IDENTIFIED]["count"] == 27
    assert columns[Stage.MET]["contacts"] == [people[3]]
    assert columns[Stage.MET]["count"] == 1
    html = board.content.decode()
    # A plain link: the column opens alone without JavaScript.
    assert '<a href="?stage=identified">See all 27</a>' in html
    assert "?stage=met" not in html
    assert html.count('class="card mb-2"') == 26
    assert (
        f'<a class="fw-semibold" href="{reverse("contact_detail", args=[pia.pk])}">Pia</a>'
        not in html
    )
    assert (
        f'<a class="fw-semibold" href="{reverse("contact_detail", args=[people[3].pk])}">P03</a>'
        in html
    )
    [column] = alone.context["columns"]
    assert column["contacts"] == waiting[:25]
    assert column["count"] == 27
    alone_html = alone.content.decode()
    assert f'href="{reverse("target_board")}"' in alone_html
    assert "Page 1 of 2" in alone_html
    assert 'href="?stage=identified&amp;page=2"' in alone_html
    assert second.context["columns"][0]["contacts"] == waiting[25:]


def test_an_unknown_stage_shows_the_whole_board(login_as, student, three):
    response = login_as(student).get(reverse("target_board"), {"stage": "nonsense"})

    assert [c["stage"] for c in response.context["columns"]] == list(Stage.values)
    assert response.context["only"] is None


def test_a_board_column_shows_only_the_students_own(login_as, student, student2, three):
    ContactFactory(student=student2, full_name="Priya's", on_target_list=True)

    for params in ({}, {"stage": Stage.IDENTIFIED}):
        response = login_as(student2).get(reverse("target_board"), params)
        names = [c.full_name for col in response.context["columns"] for c in col["contacts"]]
        assert names == ["Priya's"]
        assert "Ana" not in response.content.decode()


def test_a_long_list_shows_its_top_25_and_links_to_the_whole_list(login_as, student, consulting):
    people = [
        ContactFactory(student=student, full_name=f"P{i:02}", field=consulting, on_target_list=True)
        for i in range(27)
    ]
    browser = login_as(student)

    cut = browser.get(reverse("target_list"))
    whole = browser.get(reverse("target_list") + f"?field={consulting.pk}")

    [group] = cut.context["groups"]
    assert group["contacts"] == people[:25]
    assert group["count"] == 27
    html = cut.content.decode()
    assert f'href="?field={consulting.pk}"' in html
    # A cut list cannot be dragged (a reorder names the whole list); arrows still work.
    assert "data-reorder-url" not in html
    assert "drag-handle" not in html
    [group] = whole.context["groups"]
    assert group["contacts"] == people
    assert "data-reorder-url" in whole.content.decode()
    last = people[24]
    browser.post(reverse("contact_target_move", args=[last.pk]), {"direction": "down"})
    assert _ranked(student, consulting)[24:26] == ["P25", "P24"]


def test_the_whole_list_of_contacts_without_a_field(login_as, student, consulting):
    ContactFactory(student=student, full_name="Ana", field=consulting, on_target_list=True)
    loose = ContactFactory(student=student, full_name="Cal", on_target_list=True)

    response = login_as(student).get(reverse("target_list") + "?field=none")

    assert [(g["field"], g["contacts"]) for g in response.context["groups"]] == [(None, [loose])]


def test_the_grouped_list_puts_a_retired_fields_contacts_with_those_without_a_field(
    student, consulting, policy
):
    from apps.contacts.selectors import target_list_grouped

    ContactFactory(student=student, full_name="Ana", field=policy, on_target_list=True)
    ContactFactory(student=student, full_name="Ben", field=consulting, on_target_list=True)
    ContactFactory(student=student, full_name="Cal", on_target_list=True)
    ContactFactory(student=student, full_name="Dee", field=consulting)
    policy.is_active = False
    policy.save()

    groups, contacts = target_list_grouped(student=student)

    # Within the loose group, the databases order a missing field differently.
    assert [(g["field"], sorted(c.full_name for c in g["contacts"])) for g in groups] == [
        (consulting, ["Ben"]),
        (None, ["Ana", "Cal"]),
    ]
    assert sorted(c.full_name for c in contacts) == ["Ana", "Ben", "Cal"]
