"""A forgotten password, three ways: from "Forgot your password?" on the sign-in page to
signed in with a new one, through the link a real SMTP server received."""

from playwright.sync_api import expect

from e2e.actors import Actor, check_axe, expect_status, wait_for_htmx
from tests.mailbox import Inbox, reset_link

NEW_PASSWORD = "a brand new secret"


def test_a_member_gets_back_in_through_the_emailed_link(
    actor: Actor, make_member, mailbox: Inbox, mode: str
):
    page = actor.page
    email = make_member(f"forgetful_{mode}")
    page.goto("/login")
    wait_for_htmx(actor)
    actor.press(page.get_by_role("link", name="Forgot your password?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    expect(page).to_have_title("Forgot your password? — Conduit")
    check_axe(actor, themes=("light",))

    # An address that is not an email first: a message, focus on it, nothing sent.
    actor.fill(page.get_by_label("Email"), "not-an-address")
    actor.press(page.get_by_role("button", name="Send me a link"))
    expect(page.get_by_text("Enter an email address like name@example.com.").first).to_be_visible()
    # The answer has settled (focus on its summary) before the address is typed again.
    expect(page.locator(".error-summary")).to_be_focused()

    actor.fill(page.get_by_label("Email"), email)
    actor.press(page.get_by_role("button", name="Send me a link"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page).to_have_title("Check your inbox — Conduit")
    if mode != "nojs":
        expect(page.get_by_role("heading", level=1)).to_be_focused()
    check_axe(actor, themes=("light",))

    link = reset_link(mailbox.last_to(email))
    page.goto(link)
    wait_for_htmx(actor)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check_axe(actor, themes=("light", "dark"))
    actor.fill(page.get_by_label("New password"), NEW_PASSWORD)
    actor.press(page.get_by_role("button", name="Set my new password"))
    expect_status(page, "Your password is changed and you are signed in.")
    username = email.split("@")[0]
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(username)

    # The member is told their password changed; the link worked once.
    notice = mailbox.last_to(email)
    assert notice["Subject"] == "Your Conduit password was changed"
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
