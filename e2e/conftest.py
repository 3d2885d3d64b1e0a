"""Browser tests: Playwright drives Debian's Chromium against a live server.

The server is gunicorn, with the production configuration (gunicorn.conf.py), on a free
loopback port and its own SQLite database, migrated and filled with demo data.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ["CONDUIT_ENV"] = "testing"

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page
from sqlmodel import Session

from e2e.actors import MODES, Actor
from tests.mailbox import Inbox
from web import create_app
from web.db import dispose
from web.infra.migrate import upgrade
from web.infra.seed import seed_demo
from web.users import create_user

ARTICLES = 35  # four pages of ten
MEMBER_PASSWORD = "correct horse battery"


def chromium_path() -> str:
    found = os.environ.get("E2E_CHROMIUM") or shutil.which("chromium")
    if os.path.exists("/usr/lib/chromium/chromium") and not os.environ.get("E2E_CHROMIUM"):
        found = "/usr/lib/chromium/chromium"  # the real binary; the wrapper also works
    if not found:
        pytest.exit("Chromium not found: run `make test` (installs it) or set E2E_CHROMIUM", 2)
    return found


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": chromium_path()}


SECRET = "e2e-secret-for-the-browser-tests-0123456789"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app, in this process, on the live server's database (to arrange data)."""
    database = Path(tmp_path_factory.mktemp("e2e")) / "conduit.db"
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": SECRET}
    )
    with app.app_context():
        upgrade()
    with Session(app.extensions["conduit.db"]) as session:
        seed_demo(session=session, users=6, articles=ARTICLES)
    yield app
    dispose(app)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Inbox]:
    """A real SMTP server in this process: the live server sends its mail here."""
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    server.start()
    inbox.url = f"smtp://127.0.0.1:{server.port}"
    yield inbox
    server.stop()


@pytest.fixture(scope="session")
def live_server(
    live_app: Flask, mailbox: Inbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """gunicorn with the production configuration, on a free loopback port."""
    port = _free_port()
    env = {
        "MAIL_URL": mailbox.url,
        **os.environ,
        "CONDUIT_ENV": "testing",
        "DATABASE_URL": live_app.config["DATABASE_URL"],
        "SECRET_KEY": SECRET,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",  # one process: its in-memory cache and limits are the only ones
        "GUNICORN_THREADS": "16",
        # Live-update streams: half the threads, all from this one address; a closed
        # page's stream is noticed (and its thread freed) within a second.
        "LIVE_STREAMS_MAX": "8",
        "LIVE_STREAMS_PER_CLIENT": "8",
        "LIVE_HEARTBEAT_SECONDS": "1",
        "SIGNIN_LIMIT_PER_IP": "10000 per minute",
        "SIGNIN_LIMIT_PER_ACCOUNT": "10000 per minute",
        # Searches rank the newest ten matches: a broad one reaches that among the demo's
        # articles and says so (5,000 in production).
        "SEARCH_WINDOW": "10",
    }
    env.pop("REDIS_URL", None)
    log = (tmp_path_factory.mktemp("e2e-log") / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "web:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start within 30 s")


@pytest.fixture
def make_member(live_app: Flask):  # type: ignore[no-untyped-def]
    """Create a member directly in the live server's database; returns its email."""

    def make(username: str) -> str:
        with Session(live_app.extensions["conduit.db"]) as session:
            create_user(
                session=session,
                username=username,
                email=f"{username}@example.com",
                password=MEMBER_PASSWORD,
            )
        return f"{username}@example.com"

    return make


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


# The browser's own line for an answer with an error status: expected whenever the
# server says no (401, 404, 422...). Anything else in the console is a failure.
STATUS_LINE = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


# htmx logs a request it aborts on purpose (hx-sync="this:replace" while typing) as two
# errors, afterRequest then sendAbort: that is the design working, not a failure.
ABORTED = ("htmx:afterRequest, ", "htmx:sendAbort, ")


def watch_console(page: Page, problems: list[str]) -> None:
    """Collect console errors (CSP violations are logged as errors) and page errors."""

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if message.type != "error" or STATUS_LINE.match(text):
            return
        if text.startswith(ABORTED[1]) and problems and ABORTED[0] in problems[-1]:
            problems.pop()
            return
        problems.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))


@pytest.fixture
def new_actor(browser: Browser, base_url: str, mode: str) -> Iterator[Callable[[], Actor]]:
    """Make people who use the site in this test's mode, each in a browser of their own.

    Every page they open must stay clean: no console error, no CSP violation.
    """
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def make(**options: object) -> Actor:
        """`options` for the browser context, e.g. locale="fr-FR" (its Accept-Language)."""
        context = browser.new_context(
            base_url=base_url, java_script_enabled=mode != "nojs", **options
        )
        context.set_default_timeout(10_000)
        context.on("page", lambda page: watch_console(page, problems))
        contexts.append(context)
        return Actor(context.new_page(), mode)

    yield make
    for context in contexts:
        context.close()
    assert problems == [], problems


@pytest.fixture
def actor(new_actor: Callable[[], Actor]) -> Actor:
    return new_actor()


@pytest.fixture
def htmx_page(page: Page) -> Page:
    """A page whose htmx is loaded (JS on)."""
    page.goto("/")
    page.wait_for_function("() => window.htmx !== undefined")
    return page
