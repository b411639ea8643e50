import json

import pytest
from django.conf import settings

from config.celery import app as celery_app

BROKER_IS_REDIS = settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def needs_broker_server(test):
    """With Redis as the broker a healthy answer needs the server; the filesystem
    broker of a bare machine needs nothing."""
    return pytest.mark.needs_redis(test) if BROKER_IS_REDIS else test


@pytest.fixture
def unreachable_broker():
    # Celery read its configuration when the app was set up, so override_settings
    # would not reach it. Nor would conf.broker_url alone: Celery prefers the
    # CELERY_BROKER_URL environment variable (set in CI) over it. broker_write_url
    # is what connection_for_write, and so the health check, reads first.
    conf = celery_app.conf
    saved = conf.get("broker_write_url"), conf.broker_transport_options
    conf.broker_write_url = "redis://127.0.0.1:1/0"
    conf.broker_transport_options = {}
    yield
    conf.broker_write_url, conf.broker_transport_options = saved


@needs_broker_server
@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_are_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, unreachable_broker):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unreachable"},
    }


@needs_broker_server
@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, django_db_blocker):
    with django_db_blocker.block():
        response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "broker": "ok"},
    }


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
