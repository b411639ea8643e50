import re

import pytest
from django.test import Client

from apps.accounts.enums import Approval, Role
from apps.accounts.models import Invitation, User
from apps.accounts.services import invitation_create
from tests.factories.accounts import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

HOMES = {"student": "/student/", "alumni": "/alumni/", "advisor": "/advising/"}
# Every entry of the main navigation, in order, as (href, what the link holds): the
# student's Follow-ups entry carries the badge htmx loads after the page.
STUDENT_NAV = [
    ("/student/", "My progress"),
    ("/me/profile/", "Profile"),
    ("/contacts/", "Contacts"),
    ("/targets/", "Target list"),
    ("/directory/", "Directory"),
    ("/interviews/", "Conversations"),
    ("/network/", "Network"),
    (
        "/followups/",
        'Follow-ups <span hx-get="/followups/badge/" hx-trigger="load" hx-swap="outerHTML"></span>',
    ),
]
OFFICE_PAGES = [
    "/office/",
    "/office/people/",
    "/office/settings/",
    "/office/invitations/",
    "/office/volunteers/",
]


def _nav_links(response) -> list[tuple[str, str]]:
    """Each entry of the main navigation as (href, the link's inner HTML)."""
    html = response.content.decode()
    main_nav = re.search(r'<ul class="navbar-nav me-auto">(.*?)</ul>', html, re.S)
    if main_nav is None:
        return []
    links = re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', main_nav[1])
    # An entry this pattern could not read would otherwise go unnoticed.
    assert len(links) == main_nav[1].count('<li class="nav-item">')
    return links


@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("student", "/student/"),
        ("alumni", "/alumni/"),
        ("advisor", "/advising/"),
        ("office_admin", "/advising/"),
        ("pending_alumni", "/alumni/pending/"),
    ],
)
def test_home_each_role_lands_on_its_own_home_after_login(persona, home, request):
    user = request.getfixturevalue(persona)
    browser = Client()

    response = browser.post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD}, follow=True
    )
    if user.role == Role.ADVISOR:
        # Staff have two-factor sign-in, as their office requires: a code too.
        assert response.redirect_chain == [("/accounts/2fa/authenticate/", 302)]
        response = browser.post(
            "/accounts/2fa/authenticate/", {"code": totp_code(user, valid_for=2)}, follow=True
        )

    assert response.redirect_chain == [("/", 302), (home, 302)]
    assert response.status_code == 200
    assert response.wsgi_request.user == user


@pytest.mark.parametrize(
    ("persona", "own_home"),
    [
        ("student", "student"),
        ("alumni", "alumni"),
        ("advisor", "advisor"),
        ("office_admin", "advisor"),
    ],
)
def test_home_pages_of_other_roles_are_403(persona, own_home, request, login_as):
    browser = login_as(request.getfixturevalue(persona))

    statuses = {role: browser.get(url).status_code for role, url in HOMES.items()}

    assert statuses == {role: 200 if role == own_home else 403 for role in HOMES}


@pytest.mark.parametrize("url", ["/", *HOMES.values(), "/alumni/pending/", "/profile/"])
def test_home_anonymous_is_sent_to_login(url, nobody):
    response = nobody.get(url)

    assert response.status_code == 302
    expected = "/accounts/login/" if url == "/" else f"/accounts/login/?next={url}"
    assert response["Location"] == expected


@pytest.mark.parametrize("url", OFFICE_PAGES)
def test_home_office_pages_send_anonymous_to_login(url, nobody):
    response = nobody.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_home_pending_alumni_are_sent_to_the_pending_page(pending_alumni, login_as):
    browser = login_as(pending_alumni)

    home = browser.get("/alumni/")
    pending = browser.get("/alumni/pending/")

    assert home.status_code == 302
    assert home["Location"] == "/alumni/pending/"
    assert pending.status_code == 200
    assert "Thank you for volunteering" in pending.content.decode()


def test_home_rejected_alumni_see_the_reason(pending_alumni, login_as):
    User.objects.filter(pk=pending_alumni.pk).update(
        approval=Approval.REJECTED, rejection_reason="We only take alumni from the last 10 years."
    )
    browser = login_as(pending_alumni)

    home = browser.get("/alumni/")
    pending = browser.get("/alumni/pending/")

    assert home["Location"] == "/alumni/pending/"
    html = pending.content.decode()
    assert "Your offer was not approved" in html
    assert "We only take alumni from the last 10 years." in html


def test_home_approved_alumni_pending_page_redirects_home(alumni, login_as):
    response = login_as(alumni).get("/alumni/pending/")

    assert response.status_code == 302
    assert response["Location"] == "/alumni/"


@pytest.mark.parametrize("persona", ["student", "advisor"])
def test_home_pending_page_is_403_for_non_alumni(persona, request, login_as):
    assert login_as(request.getfixturevalue(persona)).get("/alumni/pending/").status_code == 403


@pytest.mark.parametrize("persona", ["student", "student2", "alumni", "pending_alumni", "advisor"])
@pytest.mark.parametrize("url", OFFICE_PAGES)
def test_home_office_pages_are_403_for_non_admins(persona, url, request, login_as):
    assert login_as(request.getfixturevalue(persona)).get(url).status_code == 403


def test_home_other_office_admin_sees_only_their_own_office(
    office_admin, student, pending_alumni, other_admin, other_student, login_as
):
    invitation_create(inviter=office_admin, email="nora@northfield.test", role="student")
    browser = login_as(other_admin)

    pages = {url: browser.get(url) for url in OFFICE_PAGES}

    assert {url: page.status_code for url, page in pages.items()} == dict.fromkeys(
        OFFICE_PAGES, 200
    )
    # The members are listed on the People page; the overview only counts them.
    assert [m.email for m in pages["/office/people/"].context["page"].object_list] == [
        "olive@southbank.test",
        "oscar@southbank.test",
    ]
    assert pages["/office/"].context["counts"] == {"student": 1, "alumni": 0, "advisor": 1}
    assert list(pages["/office/invitations/"].context["invitations"]) == []
    assert list(pages["/office/volunteers/"].context["volunteers"]) == []
    assert pages["/office/settings/"].context["form"].instance == other_admin.office
    for page in pages.values():
        html = page.content.decode()
        for leaked in ["Northfield", "sam@northfield.test", "pat@alumni.test", "nora@northfield"]:
            assert leaked not in html


@pytest.mark.parametrize("persona", ["student", "pending_alumni", "office_admin"])
def test_home_member_actions_by_pk_from_other_office_are_404(
    persona, request, other_admin, login_as, django_capture_on_commit_callbacks, mailoutbox
):
    target = request.getfixturevalue(persona)
    approval_before = target.approval
    browser = login_as(other_admin)

    with django_capture_on_commit_callbacks(execute=True):
        deactivate = browser.post(f"/office/members/{target.pk}/active/", {"active": "0"})
        approve = browser.post(f"/office/volunteers/{target.pk}/decide/", {"decision": "approve"})
        reject = browser.post(
            f"/office/volunteers/{target.pk}/decide/", {"decision": "reject", "reason": "No."}
        )

    assert (deactivate.status_code, approve.status_code, reject.status_code) == (404, 404, 404)
    target.refresh_from_db()
    assert target.is_active is True
    assert target.approval == approval_before
    assert mailoutbox == []


def test_home_invitation_revoke_by_pk_from_other_office_is_404(office_admin, other_admin, login_as):
    invitation, _token = invitation_create(
        inviter=office_admin, email="nora@northfield.test", role="student"
    )

    response = login_as(other_admin).post(f"/office/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


@pytest.mark.parametrize(
    ("persona", "links"),
    [
        ("student", STUDENT_NAV),
        ("student2", STUDENT_NAV),
        (
            "alumni",
            [
                ("/alumni/", "Volunteer home"),
                ("/inbox/", "Requests"),
                ("/volunteer/profile/", "My volunteer profile"),
            ],
        ),
        ("advisor", [("/advising/", "Caseload"), ("/advising/dashboard/", "Dashboard")]),
        (
            "office_admin",
            [
                ("/advising/", "Caseload"),
                ("/advising/dashboard/", "Dashboard"),
                ("/office/", "Office"),
            ],
        ),
        (
            "other_admin",
            [
                ("/advising/", "Caseload"),
                ("/advising/dashboard/", "Dashboard"),
                ("/office/", "Office"),
            ],
        ),
    ],
)
def test_home_navigation_lists_every_entry_of_each_role_in_order(persona, links, request, login_as):
    browser = login_as(request.getfixturevalue(persona))

    response = browser.get("/", follow=True)

    assert response.status_code == 200
    assert _nav_links(response) == links


def test_home_navigation_is_empty_for_anonymous(nobody):
    response = nobody.get("/accounts/login/")

    assert response.status_code == 200
    assert _nav_links(response) == []
