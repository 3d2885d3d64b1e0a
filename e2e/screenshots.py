"""`make screenshots`: every page and key state at 390, 768, 1024 and 1280 px, in the
light and the dark theme, and the visitors' pages in Arabic (right to left) at a phone's
and a desktop's width, into `screenshots/` (ignored by git) with an index.html to look
at the whole product at once.

It serves the app in this process on a fresh SQLite database with demo data, and drives
Debian's Chromium as the browser tests do.
"""

import html
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("CONDUIT_ENV", "testing")

from playwright.sync_api import Page, sync_playwright
from sqlmodel import Session, col, select
from werkzeug.serving import make_server

from e2e.conftest import chromium_path
from web import create_app, moderation
from web.infra.migrate import upgrade
from web.infra.seed import DEMO_PASSWORD, seed_demo
from web.models import Comment, User

OUT = Path(__file__).resolve().parent.parent / "screenshots"
WIDTHS = (390, 768, 1024, 1280)
THEMES = ("light", "dark")


def _submit_empty(path: str, button: str) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        page.goto(path)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state("networkidle")

    return act


def _go(path: str) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        page.goto(path)
        page.wait_for_load_state("networkidle")

    return act


def _first_article(page: Page) -> None:
    page.goto("/")
    page.locator("article.preview h3 a").first.click()
    page.wait_for_load_state("networkidle")


def _open_menu(page: Page) -> None:
    page.goto("/")
    menu = page.get_by_text("Menu", exact=True)
    if menu.is_visible():
        menu.click()


def _report_form(page: Page) -> None:
    """The report form of an article in the queue (someone else's: the demo account's
    reports are about others)."""
    page.goto("/moderation")
    page.locator("li.case h3 a").first.click()
    page.get_by_role("link", name="Report this article").click()
    page.wait_for_load_state("networkidle")


# The demo member the pictures sign in as (an admin), and another member they moderate.
WHO = {"name": "", "email": "", "other": ""}

# (name, signed in?, what to do before the picture)
SHOTS: list[tuple[str, bool, Callable[[Page], None]]] = [
    ("home", False, _go("/")),
    ("home-menu-open", False, _open_menu),
    ("home-member", True, _go("/?feed=following")),
    ("tag-feed", False, _go("/?tag=python")),
    ("article", False, lambda page: _first_article(page)),
    ("search", False, _go("/search?q=python")),
    ("search-nothing", False, _go("/search?q=zzzzqx")),
    ("profile", False, lambda page: _go(f"/profile/{WHO['name']}")(page)),
    ("reading-list-empty", False, _go("/reading-list")),
    ("editor", True, _go("/editor")),
    ("editor-errors", True, _submit_empty("/editor", "Publish article")),
    ("settings", True, _go("/settings")),
    ("report", True, _report_form),
    ("moderation-queue", True, _go("/moderation")),
    ("moderation-member", True, lambda page: _go(f"/moderation/members/{WHO['other']}")(page)),
    ("moderation-log", True, _go("/moderation/log")),
    ("sign-in", False, _go("/login")),
    ("sign-in-errors", False, _submit_empty("/login", "Sign in")),
    ("sign-up", False, _go("/register")),
    ("forgot-password", False, _go("/password/forgot")),
    ("not-found", False, _go("/article/no-such-article")),
]


# A visitor's pages in Arabic (the browser asks for it), at a phone's and a desktop's width.
ARABIC = ("home", "tag-feed", "article", "search", "sign-in", "sign-up", "not-found")
ARABIC_WIDTHS = (390, 1280)


def serve() -> tuple[str, Callable[[], None]]:
    folder = Path(tempfile.mkdtemp(prefix="conduit-shots-"))
    app = create_app({
        "DATABASE_URL": f"sqlite:///{folder / 'conduit.db'}", "SECRET_KEY": "screenshots-" * 4,
        "MAIL_OUTBOX": str(folder / "outbox"), "RATELIMIT_ENABLED": False,
    })  # fmt: skip
    with app.app_context():
        upgrade()
    with Session(app.extensions["conduit.db"]) as session:
        seed_demo(session=session, users=8, articles=40)
        first, second = session.exec(select(User).order_by(col(User.id)).limit(2)).all()
        WHO.update(name=first.username, email=first.email, other=second.username)
        # A few entries for the log's picture: a role given, a comment hidden.
        moderation.set_role(session=session, admin=first, username=second.username,
                            role=moderation.MODERATOR, reason="Helps every week")  # fmt: skip
        comment = session.exec(select(Comment).order_by(col(Comment.id))).first()
        assert comment is not None
        moderation.hide(session=session, moderator=first, kind="comment", item_id=comment.id,
                        reason="Insults another member")  # fmt: skip
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def sign_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(WHO["email"])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    url, stop = serve()
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path())
        for theme in THEMES:
            for member in (False, True):
                context = browser.new_context(base_url=url, color_scheme=theme)
                page = context.new_page()
                if member:
                    sign_in(page)
                for name, needs_member, act in SHOTS:
                    if needs_member != member:
                        continue
                    for width in WIDTHS:
                        page.set_viewport_size({"width": width, "height": 900})
                        act(page)
                        file = f"{name}-{width}-{theme}.png"
                        page.screenshot(path=str(OUT / file), full_page=True)
                        rows.append((name, width, theme, file))
                context.close()
            context = browser.new_context(base_url=url, color_scheme=theme, locale="ar")
            page = context.new_page()
            for name, _member, act in (shot for shot in SHOTS if shot[0] in ARABIC):
                for width in ARABIC_WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    act(page)
                    file = f"{name}-{width}-{theme}-ar.png"
                    page.screenshot(path=str(OUT / file), full_page=True)
                    rows.append((name, width, f"{theme}, Arabic", file))
            context.close()
        browser.close()
    stop()
    index = [
        "<!doctype html><meta charset=utf-8><title>Conduit screenshots</title>",
        "<style>img{width:320px;border:1px solid #ccc} figure{display:inline-block}</style>",
    ]
    for name in dict.fromkeys(row[0] for row in rows):
        index.append(f"<h2>{html.escape(name)}</h2>")
        for _name, width, theme, file in (r for r in rows if r[0] == name):
            index.append(f'<figure><a href="{file}"><img src="{file}" alt=""></a>'
                         f"<figcaption>{width}px, {theme}</figcaption></figure>")  # fmt: skip
    (OUT / "index.html").write_text("\n".join(index))
    print(f"{len(rows)} screenshots in {OUT}/index.html", file=sys.stderr)


if __name__ == "__main__":
    main()
