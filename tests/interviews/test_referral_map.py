import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.contacts.enums import Stage
from apps.contacts.models import Contact
from apps.contacts.services import contact_set_stage, contact_update
from apps.interviews.selectors.notes import NODE_HEIGHT, NODE_WIDTH, referral_map_for_student
from tests.factories.contacts import ContactFactory

NETWORK = reverse("referral_map")


@pytest.fixture
def tree(student):
    """You → Ana → Ben → Cy; Ana → <b>Eve</b> & Co; You → Dee."""
    ana = ContactFactory(student=student, full_name="Ana Alvarez", organisation="Acme")
    ben = ContactFactory(student=student, full_name="Ben Brown", referred_by=ana)
    cy = ContactFactory(student=student, full_name="Cy Chen", referred_by=ben)
    eve = ContactFactory(student=student, full_name="<b>Eve</b> & Co", referred_by=ana)
    dee = ContactFactory(student=student, full_name="Dee Diaz")
    contact_set_stage(contact=ana, stage=Stage.MET)
    return {"ana": ana, "ben": ben, "cy": cy, "eve": eve, "dee": dee}


def _edge(parent, child) -> str:
    x1, y1 = parent.x + NODE_WIDTH, parent.y + NODE_HEIGHT // 2
    x2, y2 = child.x, child.y + NODE_HEIGHT // 2
    mid = (x1 + x2) // 2
    return f'<path d="M{x1} {y1} C{mid} {y1} {mid} {y2} {x2} {y2}"/>'


def test_map_lays_out_who_led_to_whom(student, tree):
    network = referral_map_for_student(student=student)

    assert [(n.label, n.depth) for n in network.nodes] == [
        ("You", 0),
        ("Ana Alvarez", 1),
        ("<b>Eve</b> & Co", 2),
        ("Ben Brown", 2),
        ("Cy Chen", 3),
        ("Dee Diaz", 1),
    ]
    by_name = {n.contact.full_name: n for n in network.nodes if n.contact}
    # Depth columns; leaves on their own rows, parents midway between their children.
    assert [by_name[n].x for n in ("Ana Alvarez", "Ben Brown", "Cy Chen")] == [236, 460, 684]
    assert [by_name[n].y for n in ("<b>Eve</b> & Co", "Cy Chen", "Dee Diaz")] == [12, 62, 112]
    assert by_name["Ben Brown"].y == by_name["Cy Chen"].y
    assert by_name["Ana Alvarez"].y == (12 + 62) // 2
    assert (network.width, network.height) == (12 + 3 * 224 + 176 + 12, 12 + 3 * 50 - 14 + 12)
    assert network.contact_count == 5


def test_map_page_draws_escaped_names_edges_and_links(login_as, student, tree):
    response = login_as(student).get(NETWORK)

    assert response.status_code == 200
    content = response.content.decode()
    network = response.context["map"]
    nodes = {n.contact.full_name if n.contact else "You": n for n in network.nodes}
    expected_edges = [
        ("You", "Ana Alvarez"),
        ("You", "Dee Diaz"),
        ("Ana Alvarez", "<b>Eve</b> & Co"),
        ("Ana Alvarez", "Ben Brown"),
        ("Ben Brown", "Cy Chen"),
    ]
    for parent, child in expected_edges:
        assert _edge(nodes[parent], nodes[child]) in content
    assert content.count("<path ") == 5
    assert ">&lt;b&gt;Eve&lt;/b&gt; &amp; Co</text>" in content
    assert "<b>Eve</b>" not in content
    for contact in tree.values():
        assert f'<a href="/contacts/{contact.pk}/" tabindex="-1">' in content
    ana = nodes["Ana Alvarez"]
    assert f'<rect x="{ana.x}" y="{ana.y}" width="176" height="36" rx="6" fill="#d1e7dd"' in (
        content
    )
    assert "<title>Ana Alvarez, Acme (Met)</title>" in content


def test_map_page_has_a_nested_list_for_screen_readers(login_as, student, tree):
    content = login_as(student).get(NETWORK).content.decode()

    outline = content.split('<ul class="referral-outline"', 1)[1].split("</ul>\n", 1)[0]
    names = re.findall(r'<a href="/contacts/\d+/">([^<]+)</a>', outline)
    assert names == [
        "Ana Alvarez",
        "&lt;b&gt;Eve&lt;/b&gt; &amp; Co",
        "Ben Brown",
        "Cy Chen",
        "Dee Diaz",
    ]
    assert re.sub(r"\s+|<a [^>]*>|</a>|, Acme|<span[^>]*>[^<]*</span>", "", outline) == (
        'aria-labelledby="outline-heading"><li><strong>You</strong><ul><li>AnaAlvarez<ul>'
        "<li>&lt;b&gt;Eve&lt;/b&gt;&amp;Co</li><li>BenBrown<ul><li>CyChen</li></ul></li>"
        "</ul></li><li>DeeDiaz</li></ul></li>"
    )


def test_people_whose_referrer_is_archived_hang_from_the_student(student, tree):
    Contact.objects.filter(pk=tree["ben"].pk).update(archived_at=timezone.now())

    network = referral_map_for_student(student=student)

    assert [(n.label, n.depth) for n in network.nodes] == [
        ("You", 0),
        ("Ana Alvarez", 1),
        ("<b>Eve</b> & Co", 2),
        ("Cy Chen", 1),
        ("Dee Diaz", 1),
    ]


def test_a_circle_of_referrals_is_drawn_once(student, tree):
    contact_update(student=student, contact=tree["ana"], referred_by=tree["cy"])

    network = referral_map_for_student(student=student)

    assert [(n.label, n.depth) for n in network.nodes] == [
        ("You", 0),
        ("Dee Diaz", 1),
        ("Ana Alvarez", 1),
        ("<b>Eve</b> & Co", 2),
        ("Ben Brown", 2),
        ("Cy Chen", 3),
    ]
    assert len(network.edges) == 5


def test_map_shows_only_the_students_own_contacts(login_as, student, student2, tree):
    ContactFactory(student=student2, full_name="Priya's Friend")

    content = login_as(student2).get(NETWORK).content.decode()

    assert "Priya&#x27;s Friend" in content
    assert "Ana Alvarez" not in content


def test_empty_network_invites_a_first_contact(login_as, student):
    response = login_as(student).get(NETWORK)

    assert response.status_code == 200
    assert "<svg" not in response.content.decode()
    assert reverse("contact_create") in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("alumni", 403),
        ("advisor", 403),
        ("office_admin", 403),
        ("other_alumni", 403),
        ("other_admin", 403),
    ],
)
def test_network_is_for_students(request, login_as, persona, status):
    response = login_as(request.getfixturevalue(persona)).get(NETWORK)

    assert response.status_code == status


def test_network_sends_visitors_to_sign_in(nobody):
    response = nobody.get(NETWORK)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("count", [1, 3, 50])
def test_network_query_count(login_as, student, count, django_assert_num_queries):
    root = ContactFactory(student=student, full_name="Root")
    parent = root
    for i in range(count):
        parent = ContactFactory(student=student, full_name=f"Child {i}", referred_by=parent)
    browser = login_as(student)

    with django_assert_num_queries(3):
        response = browser.get(NETWORK)

    assert response.context["map"].contact_count == count + 1


@pytest.mark.parametrize("alone", [19, 20, 50])
def test_many_people_who_referred_nobody_are_drawn_as_one_count(
    login_as, student, tree, alone, django_assert_num_queries
):
    for i in range(alone):
        ContactFactory(student=student, full_name=f"Alone {i:02}")
    browser = login_as(student)

    # session, user with office, the contacts
    with django_assert_num_queries(3):
        response = browser.get(NETWORK)

    drawn = response.context["map"]
    # The tree's own loose person (Dee) is one of them.
    loose = alone + 1
    assert drawn.contact_count == 5 + alone
    html = response.content.decode()
    if loose <= 20:
        assert drawn.hidden == 0
        assert "Alone 00" in html
    else:
        assert drawn.hidden == loose
        assert "Alone 00" not in html and "Dee Diaz" not in html
        labels = [n.label for n in drawn.root.children]
        assert labels == ["Ana Alvarez", f"+ {loose} more"]
        assert f"{loose} more people you found yourself, who referred nobody" in html
        assert "Ben Brown" in html and "Cy Chen" in html
