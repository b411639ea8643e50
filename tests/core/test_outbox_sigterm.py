"""SIGTERM in a pool process waits for the delivery in progress
(apps.core.outbox._SigtermAfterDelivery); the fault suite proves it with a real
worker (test_worker_stopped_with_sigterm_mid_batch_finishes_what_it_started)."""

import os
import signal

import pytest

from apps.core.outbox import _SigtermAfterDelivery


@pytest.fixture
def handler():
    """A fresh handler in this (main) thread, with a recording handler where
    billiard's would be; the original one is put back afterwards."""
    original = signal.getsignal(signal.SIGTERM)
    received = []
    signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    sigterm = _SigtermAfterDelivery()
    sigterm.enabled = True
    try:
        yield sigterm, received
    finally:
        signal.signal(signal.SIGTERM, original)


def test_sigterm_during_a_delivery_waits_for_its_end(handler):
    sigterm, received = handler
    with sigterm.deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        assert (received, sigterm.pending) == ([], True)
    assert received == [signal.SIGTERM]
    assert sigterm.pending is False


def test_sigterm_between_deliveries_is_obeyed_at_once(handler):
    sigterm, received = handler
    with sigterm.deferred():
        pass
    os.kill(os.getpid(), signal.SIGTERM)
    assert received == [signal.SIGTERM]


def test_not_installed_unless_enabled(handler):
    sigterm, received = handler
    sigterm.enabled = False
    with sigterm.deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        assert received == [signal.SIGTERM]
    assert sigterm.installed_in is None
