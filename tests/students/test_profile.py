import pytest
from django.urls import reverse

from apps.students.models import ResearchNote, StudentProfile
from apps.students.selectors import (
    programmes_cache_keys,
    programmes_for_office,
    student_profile_get,
)
from apps.students.services import pitch_stats, student_profile_update
from tests.factories.accounts import UserFactory
from tests.factories.students import FieldFactory

PITCH_90 = " ".join(["word"] * 90)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {"words": 0, "seconds": 0, "verdict": "empty"}),
        ("Hello there", {"words": 2, "seconds": 1, "verdict": "short"}),
        (PITCH_90, {"words": 90, "seconds": 36, "verdict": "good"}),
        (" ".join(["w"] * 150), {"words": 150, "seconds": 60, "verdict": "good"}),
        (" ".join(["w"] * 151), {"words": 151, "seconds": 61, "verdict": "long"}),
    ],
)
def test_pitch_stats_counts_words_and_spoken_seconds(text, expected):
    assert pitch_stats(text) == expected


@pytest.fixture
def fields(office):
    return [FieldFactory(office=office, name=n) for n in ("Consulting", "Healthcare")]


def _profile_post(field_objs, **overrides):
    data = {
        "programme": "Economics",
        "graduation_year": "2027",
        "fields": [field_objs[0].pk],
        "interest_tags": "transit, urban planning, transit",
        "target_companies": "Urban Institute\nDeloitte, McKinsey",
        "pitch": PITCH_90,
    }
    data.update(overrides)
    return data


def test_profile_saves_fields_tags_companies_and_pitch(login_as, student, fields):
    response = login_as(student).post(reverse("student_profile"), _profile_post(fields))

    assert response.status_code == 302
    profile = student_profile_get(user=student)
    assert profile.programme == "Economics"
    assert profile.graduation_year == 2027
    assert list(profile.fields.values_list("name", flat=True)) == ["Consulting"]
    assert profile.interest_tags == ["transit", "urban planning"]
    assert profile.target_companies == ["Urban Institute", "Deloitte", "McKinsey"]
    assert profile.pitch == PITCH_90


def test_profile_page_shows_pitch_word_count(login_as, student, fields):
    browser = login_as(student)
    browser.post(reverse("student_profile"), _profile_post(fields))

    page = browser.get(reverse("student_profile")).content.decode()

    assert "<span data-pitch-words>90</span>" in page
    assert "<span data-pitch-seconds>36</span>" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"graduation_year": "1820"}, "graduation_year", "Enter a year between"),
        ({"pitch": "x" * 2001}, "pitch", "at most 2000 characters"),
    ],
)
def test_profile_bad_input_is_refused_and_nothing_saved(
    login_as, student, fields, overrides, field, message
):
    response = login_as(student).post(
        reverse("student_profile"), _profile_post(fields, **overrides)
    )

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert student_profile_get(user=student).programme == ""


def test_profile_refuses_a_field_of_another_office(login_as, student, fields, other_office):
    foreign = FieldFactory(office=other_office, name="Law")

    response = login_as(student).post(
        reverse("student_profile"), _profile_post(fields, fields=[foreign.pk])
    )

    assert response.status_code == 400
    assert "fields" in response.context["form"].errors
    assert student_profile_get(user=student).fields.count() == 0


@pytest.mark.parametrize("pk", ["9223372036854775808", "-1", "0"])
def test_profile_refuses_a_field_id_no_row_can_have(login_as, student, fields, pk):
    # 2**63 is past what SQLite can bind: it was a 500 there (found by the fuzz test).
    response = login_as(student).post(
        reverse("student_profile"), _profile_post(fields, fields=[fields[0].pk, pk])
    )

    assert response.status_code == 400
    assert response.context["form"].errors["fields"] == [
        f"Select a valid choice. {pk} is not one of the available choices."
    ]
    assert student_profile_get(user=student).fields.count() == 0


@pytest.mark.parametrize("persona", ["alumni", "advisor", "office_admin"])
def test_profile_is_for_students_only(login_as, request, persona):
    user = request.getfixturevalue(persona)

    assert login_as(user).get(reverse("student_profile")).status_code == 403


def test_profile_needs_sign_in(nobody, office):
    response = nobody.get(reverse("student_profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_research_note_renders_sanitised_markdown(login_as, student, fields):
    browser = login_as(student)
    response = browser.post(
        reverse("research_note_create"),
        {
            "title": "Consulting basics",
            "field": fields[0].pk,
            "body": "**Case interviews** matter.\n\n<script>alert(1)</script>"
            "[bad](javascript:alert(2)) [good](https://example.org)",
        },
    )
    note = ResearchNote.objects.get()
    assert response["Location"] == reverse("research_note_detail", args=[note.pk])

    page = browser.get(response["Location"]).content.decode()

    assert "<strong>Case interviews</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "javascript:" not in page
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">good</a>' in page


def test_research_note_without_title_is_refused(login_as, student):
    response = login_as(student).post(reverse("research_note_create"), {"title": "", "body": "x"})

    assert response.status_code == 400
    assert ResearchNote.objects.count() == 0


def test_research_notes_of_another_student_are_404(login_as, student, student2, other_student):
    note = ResearchNote.objects.create(student=student, title="Mine", body="private")

    for intruder in (student2, other_student):
        browser = login_as(intruder)
        assert browser.get(reverse("research_note_detail", args=[note.pk])).status_code == 404
        assert browser.get(reverse("research_note_edit", args=[note.pk])).status_code == 404
        assert browser.post(reverse("research_note_delete", args=[note.pk])).status_code == 404
    assert ResearchNote.objects.filter(pk=note.pk).exists()


def test_research_note_delete(login_as, student):
    note = ResearchNote.objects.create(student=student, title="Old", body="")

    response = login_as(student).post(reverse("research_note_delete", args=[note.pk]))

    assert response.status_code == 302
    assert not ResearchNote.objects.filter(pk=note.pk).exists()


@pytest.mark.parametrize("count", [1, 3])
def test_research_note_list_query_count(
    login_as, student, fields, count, django_assert_num_queries
):
    for i in range(count):
        ResearchNote.objects.create(student=student, title=f"Note {i}", field=fields[i % 2])
    browser = login_as(student)

    # session, user, notes with their fields
    with django_assert_num_queries(3):
        response = browser.get(reverse("research_note_list"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == count


# --- The programmes of an office (filter choices) ------------------------------------


def _set_programme(user, programme):
    profile = student_profile_get(user=user)
    return student_profile_update(
        profile=profile,
        programme=programme,
        graduation_year=2027,
        fields=[],
        interest_tags=[],
        target_companies=[],
        pitch="",
    )


def test_programmes_of_an_office_are_distinct_sorted_and_its_own(
    student, student2, other_student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _set_programme(student, "History")
        _set_programme(student2, "Economics")
        _set_programme(other_student, "Law")
    # A student without a programme adds nothing.
    StudentProfile.objects.create(user=UserFactory(office=student.office))

    assert programmes_for_office(office_id=student.office_id) == ["Economics", "History"]


def test_programmes_are_cached_until_a_student_changes_theirs(
    student, student2, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _set_programme(student, "History")
    assert programmes_for_office(office_id=student.office_id) == ["History"]

    with django_assert_num_queries(0):
        assert programmes_for_office(office_id=student.office_id) == ["History"]

    with django_capture_on_commit_callbacks(execute=True):
        _set_programme(student2, "Nursing")

    assert programmes_for_office(office_id=student.office_id) == ["History", "Nursing"]


def test_a_list_read_before_a_programme_change_commits_is_never_shown_after_it(
    student, student2, django_capture_on_commit_callbacks
):
    """A reader that read the version, queried, and stored its list only after a
    change committed (a page served during the change) leaves nothing a later read
    takes: the list is kept under the version it was read under, and the change
    replaced that version. (Deleting the list instead kept the old one for an hour.)"""
    from django.core.cache import cache

    from apps.core.versions import version_read

    with django_capture_on_commit_callbacks(execute=True):
        _set_programme(student, "History")
    version_key, key = programmes_cache_keys(student.office_id)
    read_before = version_read(version_key)

    with django_capture_on_commit_callbacks(execute=True):
        _set_programme(student2, "Nursing")
    cache.set(key, (read_before, ["History"]), 3600)

    assert programmes_for_office(office_id=student.office_id) == ["History", "Nursing"]


def test_programmes_cache_is_kept_when_a_profile_saves_the_same_programme(
    student, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _set_programme(student, "History")
    programmes_for_office(office_id=student.office_id)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _set_programme(student, "History")

    assert callbacks == []
    with django_assert_num_queries(0):
        programmes_for_office(office_id=student.office_id)
