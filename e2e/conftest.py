"""Browser tests: Playwright drives Debian's Chromium against a live server.

The server runs in a thread on a free loopback port with its own SQLite database,
migrated and filled with demo data.
"""

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

os.environ["CONDUIT_ENV"] = "testing"

import pytest
from playwright.sync_api import Page
from sqlmodel import Session
from werkzeug.serving import make_server

from web import create_app
from web.migrate import upgrade
from web.seed import seed_demo

ARTICLES = 35  # four pages of ten


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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = Path(tmp_path_factory.mktemp("e2e")) / "conduit.db"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "e2e-secret",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    with Session(app.extensions["conduit.db"]) as session:
        seed_demo(session=session, users=6, articles=ARTICLES)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["conduit.db"].dispose()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture
def htmx_page(page: Page) -> Page:
    """A page whose htmx is loaded (JS on)."""
    page.goto("/")
    page.wait_for_function("() => window.htmx !== undefined")
    return page
