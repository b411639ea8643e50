"""Browser tests: Debian's Chromium driven by Playwright against a live server, with
mail going to a real SMTP server on localhost."""

import email
import os
import re
import shutil
import socket
import threading
from email import policy

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self._cond:
            self.messages.append(msg)
            self._cond.notify_all()
        return "250 OK"

    def wait_for(self, to: str, timeout: float = 10.0) -> email.message.EmailMessage:
        def find():
            return next((m for m in self.messages if to in m["To"]), None)

        with self._cond:
            self._cond.wait_for(find, timeout=timeout)
            found = find()
        assert found is not None, f"no email to {to} within {timeout}s"
        return found

    def wait_for_subject(self, to: str, subject_part: str, timeout: float = 10.0):
        def find():
            return next(
                (m for m in self.messages if to in m["To"] and subject_part in m["Subject"]),
                None,
            )

        with self._cond:
            self._cond.wait_for(find, timeout=timeout)
            found = find()
        assert found is not None, f"no email to {to} about “{subject_part}” within {timeout}s"
        return found

    @staticmethod
    def text(msg) -> str:
        return msg.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def first_link(msg) -> str:
        return re.search(r"https?://\S+", Mailbox.text(msg)).group(0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield mailbox
    controller.stop()


@pytest.fixture(scope="module")
def browser(django_db_setup, django_db_blocker):
    if not os.path.exists(CHROMIUM) or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread while it is
    # open; Django would take the tests' own database calls for calls from async
    # code. The browser lives for one module only, and so does this permission.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page_for(browser, live_server, settings):
    """A fresh browser context per person; pages fail the test on a JavaScript error
    or a Content-Security-Policy violation."""
    settings.SITE_URL = live_server.url
    contexts, errors = [], []

    def make(width=1280, height=800):
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        contexts.append(ctx)
        ctx.set_default_timeout(10_000)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # A refused script, style or connection is only a console message.
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert errors == []


def log_in(page, email_address, password):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email_address)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Past the sign-in page before looking where it went: on a busy machine the
    # load state can still be the sign-in page's own when the click returns, and the
    # two-factor step would be missed.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state("networkidle")
    if "/accounts/2fa/authenticate/" in page.url:
        # Staff have an authenticator app (tests.factories.accounts): type its code.
        from apps.accounts.models import User
        from tests.factories.accounts import totp_code

        code = totp_code(User.objects.get(email=email_address), valid_for=8)
        page.locator("input[name=code]").fill(code)
        page.locator("form:has(input[name=code]) [type=submit]").first.click()
        page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)
        page.wait_for_load_state("networkidle")
