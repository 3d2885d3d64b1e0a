"""A forgotten password: the emailed link (over a real SMTP server in this process),
its expiry, its single use, and what choosing a new password ends."""

import email
import logging
import re
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from itsdangerous.timed import TimestampSigner

from tests.conftest import AuthActions, csrf_token, free_port, from_address, make_test_app
from tests.mailbox import parts, reset_link
from web.db import dispose
from web.passwords import RESET_SECONDS


@pytest.fixture
def member(mailing_app, inbox):  # type: ignore[no-untyped-def]
    browser = mailing_app.test_client()
    AuthActions(browser).register("ana", password="old password")
    browser.post("/logout", data={"csrf_token": csrf_token(browser)})
    inbox[0].messages.clear()  # the sign-up's own message (web.email_addresses) is not the point
    return browser


def ask(client, address: str = "ana@example.com"):  # type: ignore[no-untyped-def]
    return client.post(
        "/password/forgot",
        data={"email": address, "csrf_token": csrf_token(client, "/password/forgot")},
    )


def link_in(message: EmailMessage) -> str:
    """The reset link's path (the test client talks to http://localhost)."""
    link = reset_link(message)
    assert link.startswith("http://localhost/password/reset/")
    return link.removeprefix("http://localhost")


def choose(client, link: str, password: str = "new password"):  # type: ignore[no-untyped-def]
    return client.post(link, data={"password": password, "csrf_token": csrf_token(client, link)})


def test_the_emailed_link_lets_a_member_choose_a_new_password(mailing_app, member, inbox):
    handler, _port = inbox
    asked = ask(member)
    assert asked.status_code == 200
    assert "Check your inbox" in asked.text
    assert "<title>Check your inbox — Conduit</title>" in asked.text
    [message] = handler.messages
    assert message["To"] == "ana@example.com"
    assert message["Subject"] == "Choose a new Conduit password"
    assert message.is_multipart()
    link = link_in(message)
    form = member.get(link)
    assert form.status_code == 200
    assert "Choose a new password" in form.text
    assert "<strong>ana</strong>" in form.text
    done = choose(member, link)
    assert done.status_code == 303
    assert done.headers["Location"] == "/"
    assert "Your password is changed and you are signed in." in member.get("/").text
    # The new password works, the old one no longer does.
    other = mailing_app.test_client()
    assert AuthActions(other).login(password="old password").status_code == 422
    assert AuthActions(other).login(password="new password").status_code == 303
    # The link worked once.
    used = member.get(link)
    assert used.status_code == 410
    assert "This link no longer works" in used.text
    assert choose(member, link, "third password").status_code == 410


def test_the_answer_is_the_same_whether_or_not_an_account_exists(member, inbox):
    handler, _port = inbox
    known = ask(member, "ana@example.com")
    unknown = ask(member, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200

    def shown(html: str) -> str:
        main = re.search(r"<main.*</main>", html, re.S)
        assert main
        return re.sub(r"\S+@example\.com", "ADDRESS", main.group(0))

    assert shown(known.text) == shown(unknown.text)
    assert [m["To"] for m in handler.messages] == ["ana@example.com", "nobody@example.com"]
    text, _html = parts(handler.messages[1])
    assert "no account uses it" in text
    assert "/password/reset/" not in text


def test_a_link_expires_after_an_hour(member, inbox, monkeypatch):
    handler, _port = inbox
    ask(member)
    link = link_in(handler.messages[0])
    later = int(time.time()) + RESET_SECONDS + 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: later)
    assert member.get(link).status_code == 410


def test_a_link_dies_when_the_password_changes_another_way(mailing_app, member, inbox):
    handler, _port = inbox
    ask(member)
    link = link_in(handler.messages[0])
    AuthActions(member).login(password="old password")
    member.post("/settings", data={
        "username": "ana", "email": "ana@example.com", "bio": "", "image": "",
        "new_password": "changed in settings", "current_password": "old password",
        "csrf_token": csrf_token(member, "/settings"),
    })  # fmt: skip
    assert member.get(link).status_code == 410


def test_a_forged_link_is_refused(member):
    assert member.get("/password/reset/not-a-token").status_code == 410
    assert member.get("/password/reset/" + "x" * 5000).status_code in (404, 410)


def test_a_new_password_ends_every_other_sign_in_and_api_token(mailing_app, member, inbox):
    handler, _port = inbox
    elsewhere = mailing_app.test_client()
    AuthActions(elsewhere).login(password="old password")
    token = elsewhere.post(
        "/api/users/login", json={"user": {"email": "ana@example.com", "password": "old password"}}
    ).json["user"]["token"]
    ask(member)
    choose(member, link_in(handler.messages[0]))
    assert elsewhere.get("/settings").status_code == 303  # sent to sign in
    assert (
        elsewhere.get("/api/user", headers={"Authorization": f"Token {token}"}).status_code == 401
    )
    assert member.get("/settings").status_code == 200  # the one who chose it stays in


def test_a_too_short_password_is_refused_with_a_message(member, inbox):
    handler, _port = inbox
    ask(member)
    link = link_in(handler.messages[0])
    refused = choose(member, link, "short")
    assert refused.status_code == 422
    assert "Use 8 to 128 characters." in refused.text
    assert choose(member, link).status_code == 303  # the link still works after that


def test_a_mail_server_that_cannot_be_reached_asks_to_try_again(db_url):
    app = make_test_app(db_url, MAIL_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_TIMEOUT=2)
    client = app.test_client()
    response = ask(client, "someone@example.com")
    assert response.status_code == 503
    assert "We could not send the email just now." in response.text
    assert 'value="someone@example.com"' in response.text  # what was typed stays
    dispose(app)


def test_without_a_mail_server_messages_land_in_the_outbox(db_url, tmp_path: Path, caplog):
    app = make_test_app(db_url, MAIL_URL=None, MAIL_OUTBOX=str(tmp_path))
    client = app.test_client()
    AuthActions(client).register("bo")
    logger = logging.getLogger("conduit.mail")
    logger.addHandler(caplog.handler)
    before = set(tmp_path.glob("*.eml"))  # the sign-up's own message
    assert ask(client, "bo@example.com").status_code == 200
    [saved] = set(tmp_path.glob("*.eml")) - before
    message = email.message_from_bytes(saved.read_bytes(), policy=policy.default)
    link = link_in(message)  # type: ignore[arg-type]
    logger.removeHandler(caplog.handler)
    assert link in caplog.text  # and logged, for the developer at `make run`
    dispose(app)


def test_the_sign_in_page_offers_the_way_back(client):
    assert 'href="/password/forgot">Forgot your password?</a>' in client.get("/login").text


def test_asking_for_links_is_limited_per_address(db_url, inbox):
    handler, port = inbox
    app = make_test_app(db_url, MAIL_URL=f"smtp://127.0.0.1:{port}", RATELIMIT_ENABLED=True,
                        RESET_LIMIT_PER_ADDRESS="2 per hour",
                        SIGNIN_LIMIT_PER_ACCOUNT="2 per minute")  # fmt: skip
    owner = app.test_client()
    AuthActions(owner).register("victim", password="the right one")
    AuthActions(owner).logout()
    handler.messages.clear()
    for number in range(2):  # from two addresses: the cap is the mailbox's
        stranger = from_address(app, f"203.0.113.{number}")
        assert ask(stranger, "victim@example.com").status_code == 200
    refused = ask(from_address(app, "203.0.113.9"),
                  "victim@example.com")  # fmt: skip
    assert refused.status_code == 429
    assert "Too many attempts. Please wait" in refused.text
    assert len(handler.messages) == 2  # no third message to fill someone's inbox
    # Asking for reset links held back nobody's sign-in.
    assert AuthActions(owner).login("victim@example.com", "the right one").status_code == 303
    dispose(app)
