"""Email addresses: confirmed through a mailed link after sign-up, and changed in
settings only once the new address confirms it (the old one is told)."""

import re
import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlmodel import select

from tests.conftest import AuthActions, csrf_token, free_port, make_test_app
from tests.mailbox import parts
from web.db import dispose
from web.email_addresses import CONFIRM_SECONDS
from web.models import User

REMINDER = "Please confirm your email address."


def confirm_link(message) -> str:  # type: ignore[no-untyped-def]
    text, html = parts(message)
    found = re.search(r"http://localhost(/email/confirm/\S+)", text)
    assert found, text
    assert f'href="{found.group(0)}"' in html
    return found.group(1)


def account(db, username: str = "ana") -> User:
    user = db.exec(select(User).where(User.username == username)).one()
    db.refresh(user)
    return user


@pytest.fixture
def ana(mailing_app):  # type: ignore[no-untyped-def]
    browser = mailing_app.test_client()
    assert AuthActions(browser).register("ana").status_code == 303
    return browser


def test_sign_up_asks_to_confirm_the_address_until_it_is(ana, inbox, db):
    handler, _port = inbox
    message = handler.last_to("ana@example.com")
    assert message["Subject"] == "Confirm your email address on Conduit"
    home = ana.get("/").text
    assert REMINDER in home
    assert 'aria-label="Confirm your email address"' in home
    assert not account(db).email_confirmed
    done = ana.get(confirm_link(message))
    assert done.status_code == 303
    page = ana.get(done.headers["Location"]).text
    assert "Thank you: your email address is confirmed." in page
    assert REMINDER not in page
    assert account(db).email_confirmed
    assert ana.get(confirm_link(message)).status_code == 303  # again: nothing changes


def test_send_it_again_and_remind_me_later(ana, inbox, mailing_app):
    handler, _port = inbox
    sent = len(handler.messages)
    token = csrf_token(ana)
    again = ana.post("/email/confirm/send", data={"csrf_token": token, "next": "/profile/ana"})
    assert again.headers["Location"] == "/profile/ana"
    assert "We sent a new link to ana@example.com." in ana.get("/profile/ana").text
    assert len(handler.messages) == sent + 1
    later = ana.post("/email/reminder/dismiss", data={"csrf_token": token, "next": "/"})
    assert later.headers["Location"] == "/"
    assert REMINDER not in ana.get("/").text
    # Next sign-in, it is back: the address is still unconfirmed.
    ana.post("/logout", data={"csrf_token": csrf_token(ana)})
    AuthActions(ana).login()
    assert REMINDER in ana.get("/").text


def test_sending_it_again_is_limited_per_member(db_url, inbox):
    _handler, port = inbox
    app = make_test_app(
        db_url, MAIL_URL=f"smtp://127.0.0.1:{port}", RATELIMIT_ENABLED=True,
        SIGNIN_LIMIT_PER_ACCOUNT="2 per minute", SIGNIN_LIMIT_PER_IP="99 per minute",
    )  # fmt: skip
    browser = app.test_client()
    AuthActions(browser).register("ana")
    statuses = [
        browser.post("/email/confirm/send", data={"csrf_token": csrf_token(browser)}).status_code
        for _ in range(3)
    ]
    assert statuses == [303, 303, 429]
    dispose(app)


def change_address(browser, address: str):  # type: ignore[no-untyped-def]
    return browser.post("/settings", data={
        "username": "ana", "email": address, "bio": "", "image": "",
        "new_password": "", "current_password": "", "csrf_token": csrf_token(browser, "/settings"),
    })  # fmt: skip


def test_a_new_address_takes_effect_once_confirmed(ana, inbox, db):
    handler, _port = inbox
    saved = change_address(ana, "ana.new@example.com")
    assert saved.status_code == 303
    page = ana.get("/settings").text
    assert "We sent a link to ana.new@example.com: your address changes when you open it." in page
    assert 'value="ana@example.com"' in page  # unchanged so far
    assert account(db).email == "ana@example.com"
    notice = handler.last_to("ana@example.com")
    assert notice["Subject"] == "Your Conduit address is about to change"
    assert "ana.new@example.com" in parts(notice)[0]
    link = confirm_link(handler.last_to("ana.new@example.com"))
    visitor = ana.application.test_client()  # the link works in any browser
    done = visitor.get(link)
    assert done.status_code == 303
    assert "Your email address is now ana.new@example.com." in visitor.get("/").text
    user = account(db)
    assert user.email == "ana.new@example.com"
    assert user.email_confirmed
    assert visitor.get(link).status_code == 410  # the address changed: the link is spent
    assert "This link no longer works" in visitor.get(link).text


def test_an_address_taken_meanwhile_is_not_stolen(ana, inbox, db, mailing_app):
    handler, _port = inbox
    change_address(ana, "shared@example.com")
    link = confirm_link(handler.last_to("shared@example.com"))
    AuthActions(mailing_app.test_client()).register("bob", email="shared@example.com")
    assert ana.get(link).status_code == 410
    assert account(db).email == "ana@example.com"


def test_links_expire_after_a_week(ana, inbox, monkeypatch):
    handler, _port = inbox
    link = confirm_link(handler.last_to("ana@example.com"))
    later = int(time.time()) + CONFIRM_SECONDS + 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: later)
    assert ana.get(link).status_code == 410
    assert ana.get("/email/confirm/forged").status_code == 410


def test_an_unreachable_mail_server_leaves_the_address_unchanged(db_url, db):
    app = make_test_app(db_url, MAIL_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_TIMEOUT=2)
    browser = app.test_client()
    signed_up = AuthActions(browser).register("ana")
    assert signed_up.status_code == 303  # the account is made; the link can be sent again
    assert "use “Send it again” in a few minutes" in browser.get("/").text
    assert change_address(browser, "elsewhere@example.com").status_code == 303
    assert "so your address is unchanged" in browser.get("/settings").text
    assert account(db).email == "ana@example.com"
    dispose(app)
