"""Issue 13, point 2: one person is one contact, however they reach the book."""

import re

import pytest
from django.urls import reverse

from apps.accounts.enums import Role
from apps.contacts import transfer
from apps.contacts.keys import text_key, url_key
from apps.contacts.matching import contact_matches, match_reason
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.services import contact_archive
from apps.contacts.volunteers import volunteer_add_to_contacts
from apps.interviews.enums import State
from apps.interviews.services import referrals_add
from tests.contacts.test_transfer import template_upload
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, make_volunteer
from tests.factories.interviews import InterviewFactory


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("José  GARCÍA", "jose garcia"),
        ("  Zoë Ångström\t", "zoe angstrom"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_text_key_drops_case_accents_and_spacing(given, key):
    assert text_key(given) == key


@pytest.mark.parametrize(
    "given",
    [
        "https://www.linkedin.com/in/Alex-Alumni/",
        "http://linkedin.com/in/alex-alumni?trk=public_profile",
        "https://uk.linkedin.com/in/alex-alumni#about",
        "www.linkedin.com/in/alex-alumni",
    ],
)
def test_url_key_drops_scheme_www_query_and_trailing_slash(given):
    assert url_key(given) == "linkedin.com/in/alex-alumni"


def test_url_key_of_nothing_is_empty():
    assert (url_key(""), url_key("   "), url_key(None)) == ("", "", "")


# The person every path below adds: the `volunteer` persona (Alex Alumni, Acme
# Analytics, alex@alumni.test), with a public LinkedIn profile.
PERSON = {
    "full_name": "Alex Alumni",
    "organisation": "Acme Analytics",
    "email": "alex@alumni.test",
    "linkedin_url": "https://www.linkedin.com/in/alex-alumni",
}
# Already in the book, each matching the person by one key only.
ALREADY = {
    "email": {"full_name": "A. Alumni", "email": "ALEX@alumni.test"},
    "linkedin": {
        "full_name": "Alex A.",
        "linkedin_url": "https://uk.linkedin.com/in/Alex-Alumni/?trk=x",
    },
    "name": {"full_name": "Álex  alumni", "organisation": "ACME analytics"},
}


@pytest.fixture
def public_volunteer(volunteer):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(
        linkedin_url=PERSON["linkedin_url"], show_linkedin_in_directory=True
    )
    volunteer.refresh_from_db()
    return volunteer


def _by_hand(login_as, student, **_):
    data = {**PERSON, "source": "friend_family", "on_target_list": "on"}
    response = login_as(student).post(reverse("contact_create"), data)
    assert response.status_code == 400
    assert len(response.context["duplicates"]) == 1


def _from_the_directory(login_as, student, volunteer, **_):
    response = login_as(student).post(reverse("directory_contact_add", args=[volunteer.pk]))
    assert response.status_code == 302
    assert Contact.objects.get(owner=student, volunteer=volunteer).full_name != "Alex Alumni"


def _from_a_referral(student, **_):
    held = InterviewFactory(student=student, state=State.COMPLETED)
    person = {k: v for k, v in PERSON.items() if k != "linkedin_url"}
    [outcome] = referrals_add(student=student, interview=held, people=[person])
    assert outcome.existing is True
    # The interviewee of `held` is a contact of its own.
    Contact.objects.filter(pk=held.contact_id).delete()


def _by_import(student, **_):
    row = {"name": PERSON["full_name"], **{k: v for k, v in PERSON.items() if k != "full_name"}}
    contact_import = transfer.contact_import_parse(student=student, upload=template_upload([row]))
    assert contact_import.rows[0]["duplicate"] in ("email", "linkedin", "name")
    transfer.contact_import_confirm(
        student=student, contact_import=contact_import, include_duplicates=False
    )


PATHS = {
    "by hand": _by_hand,
    "from the directory": _from_the_directory,
    "from a referral": _from_a_referral,
    "by import": _by_import,
}


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (path, key)
        for path in PATHS
        for key in ALREADY
        # A referral is noted with a name, an organisation and an email only.
        if not (path == "from a referral" and key == "linkedin")
    ],
)
def test_a_person_already_in_the_book_is_not_added_twice(
    login_as, student, public_volunteer, path, key
):
    existing = ContactFactory(student=student, **ALREADY[key])

    PATHS[path](login_as=login_as, student=student, volunteer=public_volunteer)

    assert list(Contact.objects.filter(owner=student)) == [existing]


@pytest.mark.parametrize("path", PATHS)
def test_another_students_contact_is_no_duplicate(
    login_as, student, student2, public_volunteer, path
):
    ContactFactory(student=student2, **ALREADY["name"])
    if path == "by hand":
        response = login_as(student).post(
            reverse("contact_create"), {**PERSON, "source": "friend_family"}
        )
        assert response.status_code == 302
    elif path == "from the directory":
        login_as(student).post(reverse("directory_contact_add", args=[public_volunteer.pk]))
    elif path == "from a referral":
        held = InterviewFactory(student=student, state=State.COMPLETED)
        [outcome] = referrals_add(
            student=student,
            interview=held,
            people=[{"full_name": "Alex Alumni", "organisation": "Acme Analytics"}],
        )
        assert outcome.existing is False
    else:
        row = {"name": "Alex Alumni", "organisation": "Acme Analytics"}
        imported = transfer.contact_import_parse(student=student, upload=template_upload([row]))
        transfer.contact_import_confirm(
            student=student, contact_import=imported, include_duplicates=False
        )

    assert Contact.objects.filter(owner=student, full_name="Alex Alumni").count() == 1
    assert Contact.objects.filter(owner=student2).count() == 1


def test_directory_volunteer_already_in_the_book_is_linked_and_blanks_filled(
    login_as, student, volunteer
):
    existing = ContactFactory(
        student=student, full_name="alex alumni", organisation="ACME ANALYTICS"
    )

    login_as(student).post(reverse("directory_contact_add", args=[volunteer.pk]))

    existing.refresh_from_db()
    assert (existing.volunteer, existing.organisation, existing.job_title) == (
        volunteer,
        "ACME ANALYTICS",
        "Data Scientist",
    )


def test_directory_never_links_a_contact_of_another_volunteer(student, volunteer, office):
    other = make_volunteer(
        UserFactory(office=office, email="al@alumni.test", full_name="Al", role=Role.ALUMNI)
    )
    namesake = ContactFactory(
        student=student, full_name="Alex Alumni", organisation="Acme Analytics", volunteer=other
    )

    contact, created = volunteer_add_to_contacts(student=student, profile=volunteer)

    assert created is True
    assert contact != namesake
    assert contact.volunteer == volunteer


def test_name_alone_is_no_match(student):
    ContactFactory(student=student, full_name="Alex Alumni", organisation="Other Co")

    assert list(contact_matches(student, name="Alex Alumni")) == []
    assert list(contact_matches(student, name="Alex Alumni", organisation="Acme")) == []


def test_matches_come_surest_first_in_one_query(student, volunteer, django_assert_num_queries):
    by_name = ContactFactory(student=student, **ALREADY["name"])
    by_email = ContactFactory(student=student, **ALREADY["email"])
    by_link = ContactFactory(student=student, full_name="AA", volunteer=volunteer)
    ContactFactory(student=student, full_name="Someone Else", organisation="Acme Analytics")

    with django_assert_num_queries(1):
        found = list(
            contact_matches(
                student,
                volunteer=volunteer,
                **{
                    "email": PERSON["email"],
                    "linkedin_url": PERSON["linkedin_url"],
                    "name": PERSON["full_name"],
                    "organisation": PERSON["organisation"],
                },
            )
        )

    assert found == [by_link, by_email, by_name]
    assert [match_reason(c) for c in found] == ["volunteer", "email", "name"]


def test_the_same_file_previewed_twice_and_confirmed_twice_adds_each_person_once(student):
    rows = [
        {"name": "Ada Lovelace", "email": "ada@example.org"},
        {"name": "Grace Hopper", "organisation": "US Navy", "referred_by": "Ada Lovelace"},
    ]
    first = transfer.contact_import_parse(student=student, upload=template_upload(rows))
    second = transfer.contact_import_parse(student=student, upload=template_upload(rows))

    transfer.contact_import_confirm(student=student, contact_import=first, include_duplicates=False)
    transfer.contact_import_confirm(
        student=student, contact_import=second, include_duplicates=False
    )

    assert sorted(Contact.objects.filter(owner=student).values_list("full_name", flat=True)) == [
        "Ada Lovelace",
        "Grace Hopper",
    ]
    second.refresh_from_db()
    assert second.created_count == 0


def test_the_same_file_imported_again_is_all_flagged(student):
    rows = [
        {"name": "Zoë Ångström", "organisation": "Lund University"},
        {"name": "Kim Park", "linkedin_url": "https://www.linkedin.com/in/kimpark/"},
    ]
    first = transfer.contact_import_parse(student=student, upload=template_upload(rows))
    transfer.contact_import_confirm(student=student, contact_import=first, include_duplicates=False)

    again = transfer.contact_import_parse(student=student, upload=template_upload(rows))

    assert [r["duplicate"] for r in again.rows] == ["name", "linkedin"]


def test_form_offers_open_merge_and_add_anyway(login_as, student):
    existing = ContactFactory(student=student, **ALREADY["name"])
    browser = login_as(student)

    warned = browser.post(reverse("contact_create"), {**PERSON, "source": "friend_family"})
    page = warned.content.decode()
    assert reverse("contact_detail", args=[existing.pk]) in page
    assert 'name="merge_into"' in page
    assert "save anyway" in page

    merged = browser.post(
        reverse("contact_create"),
        {**PERSON, "source": "friend_family", "merge_into": str(existing.pk)},
    )
    added = Contact.objects.get(owner=student, full_name="Alex Alumni")
    assert merged["Location"] == reverse("contact_merge", args=[existing.pk, added.pk])


def test_detail_page_shows_a_look_alike_with_merge(login_as, student, django_assert_num_queries):
    one = ContactFactory(student=student, **ALREADY["name"])
    two = ContactFactory(student=student, full_name="Alex Alumni", organisation="Acme Analytics")

    page = login_as(student).get(reverse("contact_detail", args=[one.pk])).content.decode()

    assert reverse("contact_merge", args=[one.pk, two.pk]) in page


def test_referred_by_picker_tells_namesakes_apart(login_as, student):
    ContactFactory(student=student, full_name="Kim Park", organisation="Northwind")
    ContactFactory(student=student, full_name="Kim Park", organisation="Contoso")

    page = login_as(student).get(reverse("contact_create")).content.decode()

    assert "Kim Park (Contoso)" in page
    assert "Kim Park (Northwind)" in page


# --- The "referred by" picker -------------------------------------------------------


def _options(html: str) -> list[str]:
    return re.findall(r"<option value=\"(\d+)\"[^>]*>([^<]*)</option>", html)


@pytest.mark.parametrize("count", [1, 3, 30])
def test_referrer_search_is_bounded_and_filtered(
    login_as, student, count, django_assert_num_queries
):
    for i in range(count):
        ContactFactory(student=student, full_name=f"Kim {i:02d}", organisation="Northwind")
    ContactFactory(student=student, full_name="Lee Wong", organisation="Contoso")
    browser = login_as(student)
    browser.get(reverse("contact_list"))

    with django_assert_num_queries(3):
        response = browser.get(reverse("contact_referrer_search"), {"referrer_q": "kim"})

    names = [name for _pk, name in _options(response.content.decode())]
    assert len(names) == min(count, 20)
    assert names[0] == "Kim 00 (Northwind)"


def test_referrer_search_leaves_out_archived_self_and_other_students(login_as, student, student2):
    me = ContactFactory(student=student, full_name="Kim Self")
    gone = ContactFactory(student=student, full_name="Kim Gone")
    contact_archive(student=student, contact=gone)
    ContactFactory(student=student2, full_name="Kim Theirs")
    kept = ContactFactory(student=student, full_name="Kim Kept")

    response = login_as(student).get(
        reverse("contact_referrer_search"), {"referrer_q": "kim", "exclude": me.pk}
    )

    assert _options(response.content.decode()) == [(str(kept.pk), "Kim Kept")]


def test_referrer_search_keeps_the_chosen_one_first(login_as, student):
    chosen = ContactFactory(student=student, full_name="Zed Zulu")
    ContactFactory(student=student, full_name="Kim Park")

    response = login_as(student).get(
        reverse("contact_referrer_search"), {"referrer_q": "kim", "referred_by": chosen.pk}
    )

    html = response.content.decode()
    assert [name for _pk, name in _options(html)] == ["Zed Zulu", "Kim Park"]
    assert f'<option value="{chosen.pk}" selected>' in html


def test_referrer_search_is_for_students_only(login_as, advisor, alumni):
    for persona in (advisor, alumni):
        assert login_as(persona).get(reverse("contact_referrer_search")).status_code == 403


def test_contact_form_never_renders_the_whole_book(login_as, student):
    for i in range(45):
        ContactFactory(student=student, full_name=f"Person {i:02d}")

    page = login_as(student).get(reverse("contact_create")).content.decode()

    picker = page.split('id="id_referred_by"', 1)[1].split("</select>", 1)[0]
    assert len(_options(picker)) == 20
    assert 'hx-get="' + reverse("contact_referrer_search") in page


def test_without_javascript_find_fills_the_picker_and_saves_nothing(login_as, student):
    for i in range(25):
        ContactFactory(student=student, full_name=f"Person {i:02d}")
    wanted = ContactFactory(student=student, full_name="Zoë Ångström", organisation="Lund")

    response = login_as(student).post(
        reverse("contact_create"),
        {"full_name": "New Person", "referrer_q": "Lund", "find_referrer": "1"},
    )

    assert response.status_code == 200
    picker = response.content.decode().split('id="id_referred_by"', 1)[1].split("</select>")[0]
    assert _options(picker) == [(str(wanted.pk), "Zoë Ångström (Lund)")]
    assert 'value="New Person"' in response.content.decode()
    assert not Contact.objects.filter(full_name="New Person").exists()


def test_a_referrer_beyond_the_first_twenty_can_still_be_chosen(login_as, student):
    for i in range(25):
        ContactFactory(student=student, full_name=f"Person {i:02d}")
    last = Contact.objects.get(full_name="Person 24")

    response = login_as(student).post(
        reverse("contact_create"),
        {"full_name": "New Person", "source": "referral", "referred_by": last.pk},
    )

    assert response.status_code == 302
    assert Contact.objects.get(full_name="New Person").referred_by == last


def test_keys_are_kept_when_a_contact_changes(student):
    contact = ContactFactory(student=student, full_name="Kim Park", organisation="Northwind")

    contact.full_name, contact.linkedin_url = "Zoë  Ångström", "https://www.linkedin.com/in/ZA/"
    contact.save(update_fields=["full_name", "linkedin_url"])

    stored = Contact.objects.values_list("match_name", "match_org", "match_linkedin").get()
    assert stored == ("zoe angstrom", "northwind", "linkedin.com/in/za")
