"""The time zones people choose from: the current IANA zones, common ones first.

`zoneinfo.available_timezones()` has about 600 names, a third of them old aliases
kept for compatibility (US/Eastern, Asia/Calcutta, America/Buenos_Aires…). The
pickers offer the zones of the IANA `zone.tab` (one line per country and zone, so
Europe/Amsterdam stays although the database now links it to Brussels) and UTC.
An alias stored before keeps working: it is read as its current name (the
`tzdata.zi` link it is), and a valid zone with no current name (Etc/GMT+5) stays
selectable for whoever already has it.
"""

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path

from django.utils.translation import gettext_lazy as _

# Shown first, in this order: the zones most of our offices' people live in.
COMMON_ZONES = (
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
)
SYSTEM_ZONEINFO = Path("/usr/share/zoneinfo")


def _tzdata_text(name: str) -> str:
    """A file of the IANA database: from the tzdata package (what zoneinfo reads
    when the system has none), else the system's copy."""
    try:
        return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return (SYSTEM_ZONEINFO / name).read_text(encoding="utf-8")


@cache
def current_zones() -> frozenset[str]:
    """The zones people are offered: those of zone.tab that this Python knows, and UTC."""
    names = {
        line.split("\t")[2].strip()
        for line in _tzdata_text("zone.tab").splitlines()
        if line and not line.startswith("#")
    }
    return frozenset((names & zoneinfo.available_timezones()) | {"UTC"})


@cache
def _links() -> dict[str, str]:
    """Alias -> target, from the database's `L target alias` lines."""
    links = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        if line.startswith("L "):
            _l, target, alias = line.split()[:3]
            links[alias] = target
    return links


def zone_canonical(name: str) -> str:
    """The current name of a zone: itself if current, else the current zone its alias
    leads to (Asia/Calcutta -> Asia/Kolkata, US/Eastern -> America/New_York), else
    itself unchanged (a valid zone with no current name, or not a zone at all)."""
    if name in current_zones():
        return name
    links, seen, target = _links(), set(), name
    while target in links and target not in seen:
        seen.add(target)
        target = links[target]
        if target in current_zones():
            return target
    return "UTC" if target in ("Etc/UTC", "Etc/Universal", "Etc/Zulu") else name


@cache
def zone_aliases() -> dict[str, str]:
    """Old name -> current name, for every alias that has one. Browsers name some
    zones the old way (Chromium's Intl says Asia/Calcutta), so the picker that
    selects the browser's zone reads its answer through this."""
    found = {}
    for alias in _links():
        canonical = zone_canonical(alias)
        if canonical != alias and canonical in current_zones():
            found[alias] = canonical
    return dict(sorted(found.items()))


def _label(name: str) -> str:
    return name.replace("_", " ").replace("/", " / ")


@cache
def _grouped() -> tuple:
    zones = current_zones()
    common = [(z, _label(z)) for z in COMMON_ZONES if z in zones]
    regions: dict[str, list] = {}
    for name in sorted(zones - {"UTC"}):
        regions.setdefault(name.split("/")[0], []).append((name, _label(name)))
    return (common, tuple(sorted(regions.items())))


def time_zone_choices(extra: str = "") -> list:
    """Grouped choices for a picker: common zones, then every current zone by region;
    `extra` (a valid zone someone already has that is not current) first, so their
    form still shows and keeps it."""
    common, regions = _grouped()
    choices: list = []
    if extra and extra not in current_zones() and extra in zoneinfo.available_timezones():
        choices.append((_("Your current zone"), [(extra, _label(extra))]))
    choices.append((_("Common"), list(common)))
    choices.extend((region, list(items)) for region, items in regions)
    return choices
