"""Two-factor set-up for staff in a real browser: an advisor without it lands on the
page that explains the rule, which passes axe-core and fits a phone; the security
key page loads its scripts under the Content-Security-Policy; setting up an
authenticator app opens the caseload."""

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axe_playwright_python.sync_playwright import Axe

from apps.accounts.enums import Role
from tests.e2e.conftest import log_in
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bare_advisor(office):
    return UserFactory(
        office=office, email="new@northfield.test", role=Role.ADVISOR, two_factor=False
    )


def _reauthenticate(page):
    assert "/accounts/reauthenticate/" in page.url
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("form:has(input[type=password]) [type=submit]").first.click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_required_page_is_accessible_and_fits_a_phone(page_for, bare_advisor, width):
    page = page_for(width, 800)
    log_in(page, bare_advisor.email, PASSWORD)

    page.goto("/advising/")
    page.wait_for_load_state("networkidle")

    assert page.url.endswith("/two-factor/required/?next=%2Fadvising%2F")
    assert page.get_by_role("heading", name="Two-factor sign-in required").is_visible()
    assert [v["id"] for v in Axe().run(page).response["violations"]] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_security_key_page_loads_under_the_policy(page_for, bare_advisor):
    page = page_for(390, 844)
    log_in(page, bare_advisor.email, PASSWORD)
    page.goto("/two-factor/required/")

    page.get_by_role("link", name="Security key").click()
    page.wait_for_load_state("networkidle")
    _reauthenticate(page)

    assert page.url.endswith("/accounts/2fa/webauthn/add/")
    assert page.evaluate("typeof window.allauth") == "object"  # its scripts ran
    # page_for fails the test on a script error or a policy violation.


def test_setting_up_an_authenticator_app_opens_the_caseload(page_for, bare_advisor):
    page = page_for(1280, 800)
    log_in(page, bare_advisor.email, PASSWORD)
    page.goto("/two-factor/required/?next=/advising/")

    page.get_by_role("link", name="Authenticator app").click()
    page.wait_for_load_state("networkidle")
    _reauthenticate(page)
    secret = page.locator("#authenticator_secret").input_value()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    page.locator("input[name=code]").fill(code)
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    assert page.goto("/advising/").status == 200
    assert page.url.endswith("/advising/")
