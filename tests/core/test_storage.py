"""Static files' URLs (core.storage.StaticFilesStorage): worked out once per name
from the manifest, the same as WhiteNoise's storage gives."""

import json

import pytest
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from apps.core.storage import StaticFilesStorage

MANIFEST = {
    "paths": {
        "css/fieldnotes.css": "css/fieldnotes.fc5b23cc3dd4.css",
        "img/favicon.svg": "img/favicon.279c288c3c68.svg",
        "js/a b.js": "js/a b.0504938d6c57.js",
    },
    "version": "1.1",
    "hash": "0123456789ab",
}


@pytest.fixture
def static_root(tmp_path):
    (tmp_path / "staticfiles.json").write_text(json.dumps(MANIFEST))
    return tmp_path


def _storages(root):
    return [
        kind(location=str(root), base_url="/static/")
        for kind in (StaticFilesStorage, CompressedManifestStaticFilesStorage)
    ]


def test_storage_urls_are_whitenoises_own(static_root):
    kept, whitenoise = _storages(static_root)
    names = ["css/fieldnotes.css", "img/favicon.svg", "img/favicon.svg#icon", "js/a b.js"]

    first = [kept.url(name) for name in names]
    again = [kept.url(name) for name in names]

    assert first == again == [whitenoise.url(name) for name in names]
    assert first == [
        "/static/css/fieldnotes.fc5b23cc3dd4.css",
        "/static/img/favicon.279c288c3c68.svg",
        "/static/img/favicon.279c288c3c68.svg#icon",
        "/static/js/a b.0504938d6c57.js",
    ]


def test_storage_keeps_a_url_until_collectstatic_replaces_the_manifest(static_root):
    storage = StaticFilesStorage(location=str(static_root), base_url="/static/")
    storage.url("css/fieldnotes.css")

    storage.hashed_files["css/fieldnotes.css"] = "css/fieldnotes.000000000000.css"
    kept = storage.url("css/fieldnotes.css")
    # collectstatic with nothing to collect: the manifest it leaves is empty.
    list(storage.post_process({}))

    assert kept == "/static/css/fieldnotes.fc5b23cc3dd4.css"
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/fieldnotes.css")


def test_storage_keeps_a_bounded_number_of_urls(static_root):
    storage = StaticFilesStorage(location=str(static_root), base_url="/static/")
    storage.urls_kept = 2

    urls = [storage.url(name) for name in MANIFEST["paths"]]
    storage.hashed_files = dict.fromkeys(MANIFEST["paths"], "changed.css")

    # The first two were kept; the third is worked out again each time.
    assert [storage.url(name) for name in MANIFEST["paths"]] == [
        urls[0],
        urls[1],
        "/static/changed.css",
    ]


def test_storage_keeps_nothing_for_a_name_the_manifest_lacks(static_root):
    storage = StaticFilesStorage(location=str(static_root), base_url="/static/")

    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")


def test_storage_under_debug_gives_unhashed_urls_as_whitenoise_does(static_root):
    kept, whitenoise = _storages(static_root)
    hashed = kept.url("css/fieldnotes.css")

    with override_settings(DEBUG=True):
        unhashed = kept.url("css/fieldnotes.css")
        assert unhashed == whitenoise.url("css/fieldnotes.css")

    assert (hashed, unhashed) == (
        "/static/css/fieldnotes.fc5b23cc3dd4.css",
        "/static/css/fieldnotes.css",
    )
