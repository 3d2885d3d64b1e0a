"""Confirming an email address in a browser, three ways: sign up, see the reminder,
send the link again, open it from the mail a real SMTP server received."""

import re

from playwright.sync_api import expect

from e2e.actors import Actor, check_axe, expect_status, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD
from tests.mailbox import Inbox, parts


def confirm_link(mailbox: Inbox, address: str) -> str:
    text, _html = parts(mailbox.last_to(address))
    found = re.search(r"https?://\S+/email/confirm/\S+", text)
    assert found, text
    return found.group(0)


def test_a_new_member_confirms_their_address(actor: Actor, mailbox: Inbox, mode: str):
    page = actor.page
    username = f"newcomer_{mode}"
    address = f"{username}@example.com"
    page.goto("/register")
    wait_for_htmx(actor)
    actor.fill(page.get_by_label("Username"), username)
    actor.fill(page.get_by_label("Email"), address)
    actor.fill(page.get_by_label("Password"), MEMBER_PASSWORD)
    actor.press(page.get_by_role("button", name="Sign up"))
    expect_status(page, f"Welcome to Conduit, {username}!")

    reminder = page.get_by_role("complementary", name="Confirm your email address")
    expect(reminder).to_contain_text(address)
    check_axe(actor, themes=("light", "dark"))
    sent = [m for m in mailbox.messages if m["To"] == address]
    assert len(sent) == 1
    actor.press(reminder.get_by_role("button", name="Send it again"))
    expect_status(page, f"We sent a new link to {address}.")
    assert len([m for m in mailbox.messages if m["To"] == address]) == 2

    page.goto(confirm_link(mailbox, address))
    expect_status(page, "Thank you: your email address is confirmed.")
    expect(page.get_by_role("complementary", name="Confirm your email address")).to_have_count(0)
