"""The office's request templates: the office admin pages (who may, bad input, the
preview, archiving) and the student choosing one on the request page."""

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.interviews import services
from apps.interviews.models import Interview, RequestTemplate
from apps.interviews.request_check import DEFAULT_TEMPLATE, request_template_problems
from apps.interviews.selectors.request_templates import request_template_choices
from apps.interviews.services.request_templates import request_template_create

BODY = "Dear {name},\n\nI study {my_programme}. Could we talk for {minutes} minutes?\n\n{my_name}"
OTHER = "Hello {full_name}! I am exploring {field}{organisation_clause}. 15 minutes?"


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _make(office, name, body=BODY, *, subject="", default=False, archived=False):
    return RequestTemplate.objects.create(
        office=office,
        name=name,
        subject=subject,
        body=body,
        is_default=default,
        archived_at=timezone.now() if archived else None,
    )


@pytest.fixture
def standard(office):
    return _make(office, "Standard", subject="About {field}", default=True)


@pytest.fixture
def warm(office):
    return _make(office, "Warm intro", OTHER, subject="Hello from {my_name}")


# --- The placeholders ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (DEFAULT_TEMPLATE, []),
        ("Hi {name}, {{braces}} stay", []),
        (
            "Hi {name}, your {salary}?",
            [
                "{salary} is not a placeholder Fieldnotes knows. Use one of: {name}, "
                "{full_name}, {organisation}, {organisation_clause}, {field}, {minutes}, "
                "{my_name}, {my_programme}, {office}."
            ],
        ),
        (
            "Hi {name",
            [
                "A brace is not matched. Write placeholders as {name}, and a brace that "
                "should appear as it is as {{ or }}."
            ],
        ),
        (
            "Hi name}",
            [
                "A brace is not matched. Write placeholders as {name}, and a brace that "
                "should appear as it is as {{ or }}."
            ],
        ),
        (
            "{} {0} {name!r} {minutes:>4} {name.upper}",
            [
                "{} is not a placeholder: write a plain name in braces, such as {name}.",
                "{0} is not a placeholder: write a plain name in braces, such as {name}.",
                "{name!r} is not a placeholder: write a plain name in braces, such as {name}.",
                "{minutes:>4} is not a placeholder: write a plain name in braces, such as {name}.",
                "{name.upper} is not a placeholder: write a plain name in braces, such as {name}.",
            ],
        ),
    ],
)
def test_request_template_problems(text, problems):
    assert request_template_problems(text) == problems


# --- Who may -------------------------------------------------------------------------


def _office_urls(template):
    return [
        ("get", reverse("office_request_templates")),
        ("get", reverse("office_request_template_create")),
        ("get", reverse("office_request_template_edit", args=[template.pk])),
        ("post", reverse("office_request_template_edit", args=[template.pk])),
        ("post", reverse("office_request_template_preview")),
        ("post", reverse("office_request_template_archive", args=[template.pk])),
        ("post", reverse("office_request_template_restore", args=[template.pk])),
    ]


@pytest.mark.parametrize("persona", ["student", "alumni", "advisor", "other_student"])
def test_office_template_pages_are_for_office_admins_only(login_as, request, persona, warm):
    browser = login_as(request.getfixturevalue(persona))

    for method, url in _office_urls(warm):
        response = getattr(browser, method)(url, {"name": "X", "body": "Y"})
        assert (url, response.status_code) == (url, 403)
    warm.refresh_from_db()
    assert (warm.name, warm.archived_at) == ("Warm intro", None)


def test_office_template_pages_send_visitors_to_sign_in(nobody, warm):
    for method, url in _office_urls(warm):
        response = getattr(nobody, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_another_offices_template_is_404(login_as, other_admin, warm):
    browser = login_as(other_admin)

    for method, url in _office_urls(warm)[2:]:
        if "preview" in url:
            continue
        assert getattr(browser, method)(url, {"name": "Mine", "body": BODY}).status_code == 404
    warm.refresh_from_db()
    assert (warm.name, warm.archived_at) == ("Warm intro", None)


# --- The list ------------------------------------------------------------------------


def test_first_visit_gives_the_office_the_built_in_wording_as_its_default(
    login_as, office_admin, office
):
    browser = login_as(office_admin)

    first = browser.get(reverse("office_request_templates"))
    browser.get(reverse("office_request_templates"))

    template = RequestTemplate.objects.get()
    assert (template.office, template.name, template.is_default, template.body) == (
        office,
        "Standard request",
        True,
        DEFAULT_TEMPLATE,
    )
    assert template.subject == "Informational interview request"
    assert first.context["active"] == [template]


@pytest.mark.parametrize("count", [1, 3])
def test_template_list_query_count(
    login_as, office_admin, office, other_office, count, django_assert_num_queries
):
    _make(office, "T0", default=True)
    for i in range(1, count):
        _make(office, f"T{i}", archived=i == 2)
    _make(other_office, "Theirs", default=True)
    browser = login_as(office_admin)

    # session, user with office, templates
    with django_assert_num_queries(3):
        response = browser.get(reverse("office_request_templates"))

    names = [t.name for t in response.context["active"] + response.context["archived"]]
    assert names == [f"T{i}" for i in range(count)]


def test_settings_page_links_to_the_templates(login_as, office_admin):
    page = login_as(office_admin).get(reverse("office_settings"))

    assert reverse("office_request_templates") in page.content.decode()


# --- Writing -------------------------------------------------------------------------


def test_creating_a_template(login_as, office_admin, standard):
    response = login_as(office_admin).post(
        reverse("office_request_template_create"),
        {"name": " Warm intro ", "subject": "Hello from {my_name}", "body": OTHER},
    )

    made = RequestTemplate.objects.get(name="Warm intro")
    standard.refresh_from_db()
    assert response["Location"] == reverse("office_request_templates")
    assert (made.office, made.subject, made.body, made.is_default) == (
        standard.office,
        "Hello from {my_name}",
        OTHER,
        False,
    )
    assert standard.is_default


def test_making_another_template_the_default(login_as, office_admin, standard, warm):
    login_as(office_admin).post(
        reverse("office_request_template_edit", args=[warm.pk]),
        {"name": warm.name, "subject": warm.subject, "body": warm.body, "make_default": "on"},
    )

    assert list(RequestTemplate.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Warm intro"
    ]
    assert [t.name for t in request_template_choices(office_id=standard.office_id)] == [
        "Warm intro",
        "Standard",
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": "Hi {salary}"}, "body", "{salary} is not a placeholder Fieldnotes knows."),
        ({"subject": "About {field"}, "subject", "A brace is not matched."),
        ({"body": "Hi {name!r}"}, "body", "{name!r} is not a placeholder"),
        ({"name": "standard"}, "name", "Another active template already has this name."),
        ({"name": "   "}, "name", "This field is required."),
        ({"body": ""}, "body", "This field is required."),
    ],
)
def test_bad_templates_are_refused_with_a_clear_message(
    login_as, office_admin, standard, data, field, message
):
    post = {"name": "New one", "subject": "", "body": BODY, **data}

    response = login_as(office_admin).post(reverse("office_request_template_create"), post)

    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message in _text(response)
    assert RequestTemplate.objects.count() == 1


def test_an_archived_name_is_free_but_restoring_a_clash_is_refused(
    login_as, office_admin, office, standard
):
    old = _make(office, "Warm intro", archived=True)

    response = login_as(office_admin).post(
        reverse("office_request_template_create"), {"name": "Warm intro", "body": OTHER}
    )

    assert response.status_code == 302
    assert RequestTemplate.objects.filter(name="Warm intro").count() == 2
    restored = login_as(office_admin).post(
        reverse("office_request_template_restore", args=[old.pk]), follow=True
    )
    old.refresh_from_db()
    assert old.archived_at is not None
    assert "An active template is already called “Warm intro”." in _text(restored)


# --- The preview ---------------------------------------------------------------------


def test_preview_fills_the_template_with_sample_people(login_as, office_admin, office, standard):
    response = login_as(office_admin).post(
        reverse("office_request_template_edit", args=[standard.pk]),
        {"action": "preview", "name": "Renamed", "subject": "About {field}", "body": OTHER},
    )

    standard.refresh_from_db()
    preview = response.context["preview"]
    assert response.status_code == 200
    assert preview == {
        "problems": [],
        "subject": "About Health care management",
        "body": "Hello Jordan Lee! I am exploring Health care management at Harbour Health. "
        "15 minutes?",
        "warnings": [],
    }
    assert "Hello Jordan Lee! I am exploring" in _text(response)
    # Previewing saves nothing.
    assert (standard.name, standard.body) == ("Standard", BODY)


def test_preview_uses_the_offices_slot_length(login_as, office_admin, office):
    response = login_as(office_admin).post(
        reverse("office_request_template_create"),
        {"action": "preview", "name": "New", "body": BODY},
    )

    assert response.context["preview"]["body"] == (
        f"Dear Jordan,\n\nI study an Economics student. Could we talk for "
        f"{office.slot_minutes} minutes?\n\nSam Student"
    )
    assert RequestTemplate.objects.count() == 0


def test_preview_partial_shows_problems_and_the_request_checkers_warnings(login_as, office_admin):
    browser = login_as(office_admin)
    url = reverse("office_request_template_preview")

    broken = browser.post(url, {"body": "Dear {name}, {salary}"}, headers={"HX-Request": "true"})
    jobby = browser.post(
        url, {"body": "Dear {name}, are you hiring? 15 minutes?"}, headers={"HX-Request": "true"}
    )

    assert broken.content.decode().startswith('<div id="template-preview"')
    assert "{salary} is not a placeholder Fieldnotes knows." in _text(broken)
    assert "Dear Jordan, are you hiring? 15 minutes?" in _text(jobby)
    assert 'data-warning="job_ask"' in jobby.content.decode()


# --- Archiving -----------------------------------------------------------------------


def test_archiving_hides_a_template_from_students(login_as, office_admin, standard, warm):
    response = login_as(office_admin).post(
        reverse("office_request_template_archive", args=[warm.pk])
    )

    warm.refresh_from_db()
    assert response["Location"] == reverse("office_request_templates")
    assert warm.archived_at is not None
    assert request_template_choices(office_id=standard.office_id) == [standard]


def test_the_default_and_the_last_template_cannot_be_archived(
    login_as, office_admin, office, standard, warm
):
    browser = login_as(office_admin)

    default = browser.post(
        reverse("office_request_template_archive", args=[standard.pk]), follow=True
    )
    browser.post(reverse("office_request_template_archive", args=[warm.pk]))
    last = browser.post(reverse("office_request_template_archive", args=[standard.pk]), follow=True)

    standard.refresh_from_db()
    assert standard.archived_at is None
    assert "This is the default template. Make another one the default" in _text(default)
    assert "This is your office's only active template. Add another before archiving it." in _text(
        last
    )


def test_the_service_refuses_non_admins(advisor, standard):
    with pytest.raises(PermissionError):
        request_template_create(admin=advisor, name="Sneaky", subject="", body=BODY)


# --- On the request page -------------------------------------------------------------


def _request_url(volunteer):
    return reverse("interview_request_volunteer", args=[volunteer.pk])


def test_the_student_starts_from_the_default_and_sees_the_choices(
    login_as, student, volunteer, standard, warm, office
):
    _make(office, "Old", archived=True)

    page = login_as(student).get(_request_url(volunteer))

    assert [t.name for t in page.context["choices"]] == ["Standard", "Warm intro"]
    assert page.context["form"].initial["subject"] == "About Consulting"
    assert page.context["form"].initial["message"].startswith("Dear Alex,\n\nI study a student.")
    assert f'<option value="{standard.pk}" selected>Standard (default)</option>' in _text(page)


def test_an_office_without_templates_offers_the_built_in_wording(login_as, student, volunteer):
    page = login_as(student).get(_request_url(volunteer))

    assert [t.name for t in page.context["choices"]] == ["Standard request"]
    assert page.context["form"].initial["subject"] == "Informational interview request"
    assert 'name="template"' in page.content.decode() and "<select" not in _text(page)


def test_choosing_another_template_refills_untouched_text(
    login_as, student, volunteer, standard, warm
):
    browser = login_as(student)
    initial = browser.get(_request_url(volunteer)).context["form"].initial

    response = browser.post(
        _request_url(volunteer),
        {
            "action": "template",
            "template": warm.pk,
            "filled_from": standard.pk,
            "subject": initial["subject"],
            # As the browser sends a textarea.
            "message": initial["message"].replace("\n", "\r\n"),
        },
    )

    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["subject"] == "Hello from Sam Student"
    assert form.initial["message"] == (
        "Hello Alex Alumni! I am exploring Consulting at Acme Analytics. 15 minutes?"
    )
    assert form.initial["filled_from"] == str(warm.pk)
    assert response.context["not_applied"] is None
    assert Interview.objects.count() == 0


def test_choosing_another_template_keeps_edited_text_until_replaced_on_purpose(
    login_as, student, volunteer, standard, warm
):
    browser = login_as(student)
    posted = {
        "template": warm.pk,
        "filled_from": standard.pk,
        "subject": "My own subject",
        "message": "My own words, 15 minutes?",
    }

    kept = browser.post(
        _request_url(volunteer), {**posted, "action": "template"}, headers={"HX-Request": "true"}
    )
    replaced = browser.post(
        _request_url(volunteer), {**posted, "action": "replace"}, headers={"HX-Request": "true"}
    )

    # htmx gets the text part of the page only.
    assert kept.content.decode().startswith('<div id="request-text">')
    assert kept.context["form"].initial["message"] == "My own words, 15 minutes?"
    assert kept.context["form"].initial["filled_from"] == str(standard.pk)
    assert kept.context["not_applied"] == warm
    assert "You have edited the text, so it is kept as it is" in _text(kept)
    assert replaced.context["form"].initial["message"].startswith("Hello Alex Alumni!")
    assert replaced.context["not_applied"] is None


def test_the_template_is_recorded_with_the_draft_and_the_request(
    login_as, student, volunteer, standard, warm
):
    browser = login_as(student)
    url = _request_url(volunteer)
    refilled = (
        browser.post(
            url,
            {"action": "template", "template": warm.pk, "filled_from": standard.pk},
        )
        .context["form"]
        .initial
    )

    browser.post(url, {**refilled, "action": "draft"})
    reopened = browser.get(url)
    browser.post(url, {**reopened.context["form"].initial, "action": "send"})

    interview = Interview.objects.get()
    assert reopened.context["selected"] == str(warm.pk)
    assert (interview.request_template, interview.request_subject) == (
        warm,
        "Hello from Sam Student",
    )
    assert interview.state == "requested"


def test_a_template_of_another_office_is_never_used(
    login_as, student, volunteer, other_office, standard
):
    theirs = _make(other_office, "Theirs", "Theirs {name}", default=True)

    response = login_as(student).post(
        _request_url(volunteer),
        {"action": "template", "template": theirs.pk, "filled_from": theirs.pk, "message": ""},
    )

    assert response.context["form"].initial["filled_from"] == str(standard.pk)
    assert "Theirs" not in response.context["form"].initial["message"]
    with pytest.raises(PermissionError):
        services.interview_request_volunteer(
            student=student, volunteer=volunteer, message="Hi, 15 minutes?", template=theirs
        )


@pytest.mark.parametrize(
    ("programme", "phrase"),
    [
        ("Economics", "an Economics student"),
        ("international relations", "an international relations student"),
        ("Biology", "a Biology student"),
        ("", "a student"),
    ],
)
def test_my_programme_takes_the_right_article(programme, phrase):
    from apps.interviews.request_check import request_text_values

    values = request_text_values(
        my_name="Sam",
        office_name="Careers",
        name="Jordan Lee",
        organisation="",
        field_name="",
        minutes=15,
        programme=programme,
    )

    assert values["my_programme"] == phrase
