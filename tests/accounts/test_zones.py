"""Time zone pickers (issue 13.6): the current IANA zones only, common ones first,
old aliases read as their current name."""

import re
import zoneinfo

import pytest

from apps.accounts.forms import ProfileForm, VolunteerSignupForm
from apps.accounts.models import User
from apps.accounts.zones import (
    COMMON_ZONES,
    current_zones,
    time_zone_choices,
    zone_aliases,
    zone_canonical,
)
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _values(choices) -> list[str]:
    return [value for _group, items in choices for value, _label in items]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("America/New_York", "America/New_York"),
        ("US/Eastern", "America/New_York"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("GB", "Europe/London"),
        ("Etc/UTC", "UTC"),
        ("UTC", "UTC"),
        # In zone.tab although the database links it to Brussels: kept as it is.
        ("Europe/Amsterdam", "Europe/Amsterdam"),
        # Valid, with no current name: unchanged.
        ("Etc/GMT+5", "Etc/GMT+5"),
        ("Mars/Olympus_Mons", "Mars/Olympus_Mons"),
    ],
)
def test_zone_canonical(name, canonical):
    assert zone_canonical(name) == canonical


def test_pickers_offer_current_zones_only_with_common_ones_first():
    choices = time_zone_choices()
    values = _values(choices)

    assert choices[0][0] == "Common"
    assert [v for v, _label in choices[0][1]] == list(COMMON_ZONES)
    assert set(values) == current_zones()
    assert 350 < len(current_zones()) < 450 < len(zoneinfo.available_timezones())
    for alias in ("US/Eastern", "Asia/Calcutta", "America/Buenos_Aires", "Etc/GMT+5", "GB"):
        assert alias not in values
    assert [group for group, _items in choices[1:4]] == ["Africa", "America", "Antarctica"]


def test_profile_saves_an_old_alias_as_its_current_name(student, login_as):
    response = login_as(student).post(
        "/profile/", {"full_name": "Sam Student", "time_zone": "Asia/Calcutta"}
    )

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.time_zone == "Asia/Kolkata"


def test_profile_of_someone_with_an_alias_shows_its_current_name_selected(office, login_as):
    old = UserFactory(office=office, email="old@northfield.test", time_zone="US/Pacific")

    page = login_as(old).get("/profile/").content.decode()

    assert re.search(r'<option value="America/Los_Angeles" selected>', page)
    assert 'value="US/Pacific"' not in page


def test_profile_of_someone_with_a_zone_without_current_name_keeps_it(office, login_as):
    odd = UserFactory(office=office, email="odd@northfield.test", time_zone="Etc/GMT+5")
    browser = login_as(odd)

    page = browser.get("/profile/").content.decode()
    saved = browser.post("/profile/", {"full_name": "Odd One", "time_zone": "Etc/GMT+5"})

    assert '<option value="Etc/GMT+5" selected>' in page
    assert saved.status_code == 302
    assert User.objects.get(pk=odd.pk).time_zone == "Etc/GMT+5"


def test_profile_refuses_a_zone_without_current_name_it_did_not_have(student, login_as):
    response = login_as(student).post(
        "/profile/", {"full_name": "Sam Student", "time_zone": "Etc/GMT+5"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "time_zone": ["Select a valid choice. Etc/GMT+5 is not one of the available choices."]
    }


def test_signup_picker_is_searchable_and_detects_the_browser_zone_until_chosen(office, client):
    page = client.get("/o/northfield/volunteer/").content.decode()
    [select] = re.findall(r'<select[^>]*name="time_zone"[^>]*>', page)
    bound = VolunteerSignupForm({"time_zone": "Asia/Tokyo"})
    profile = ProfileForm(instance=User(time_zone="UTC"))

    assert "data-tz-picker" in select
    assert "data-tz-detect" in select
    assert 'data-tz-search-label="Search time zones"' in select
    assert '<script src="/static/js/timezone.js" defer></script>' in page
    assert "&quot;Asia/Calcutta&quot;:&quot;Asia/Kolkata&quot;" in select
    assert "data-tz-detect" not in bound["time_zone"].as_widget()
    assert "data-tz-aliases" not in bound["time_zone"].as_widget()
    assert "data-tz-detect" not in profile["time_zone"].as_widget()
    assert '<optgroup label="Common">' in page


def test_aliases_lead_to_current_zones_only():
    aliases = zone_aliases()

    assert aliases["Asia/Calcutta"] == "Asia/Kolkata"
    assert aliases["US/Eastern"] == "America/New_York"
    assert set(aliases.values()) <= current_zones()
    assert not set(aliases) & current_zones()
