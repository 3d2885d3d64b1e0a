"""The accounts journey, three ways: JS on, JS off, keyboard only (JS on, never a click).

sign up (with a mistake first) -> sign out -> sign in -> change settings -> visit
another member's profile -> follow -> switch to the Favorited tab.
With JS on, axe checks every page of the journey in the light and the dark theme.
"""

import re

import pytest
from playwright.sync_api import expect

from e2e.actors import Actor, check_axe, expect_status, is_focused, sign_in, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD

PASSWORD = "correct horse battery"


@pytest.mark.parametrize("themes", [("light", "dark")], ids=["axe-light-dark"])
def test_accounts_journey(actor: Actor, themes: tuple[str, ...]):
    page = actor.page
    name = f"journey_{actor.mode}"
    email = f"{name}@example.com"

    page.goto("/")
    wait_for_htmx(actor)
    check_axe(actor, themes)

    # Sign up, first with a password that is too short.
    actor.press(page.get_by_role("link", name="Sign up", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")
    check_axe(actor, themes)
    actor.fill(page.get_by_label("Username"), name)
    actor.fill(page.get_by_label("Email"), email)
    actor.fill(page.get_by_label("Password"), "short")
    actor.press(page.get_by_role("button", name="Sign up"))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Use 8 to 128 characters.")
    expect(summary).to_be_focused()  # autofocus (no JS) or htmx after the swap
    expect(page.get_by_label("Username")).to_have_value(name)
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    check_axe(actor, themes)
    actor.fill(page.get_by_label("Password"), PASSWORD)
    if actor.mode == "js":
        # The form is boosted: htmx posts it, follows the 303 and swaps the page.
        with page.expect_request(lambda r: r.method == "POST" and "/register" in r.url) as sent:
            actor.press(page.get_by_role("button", name="Sign up"))
        assert sent.value.headers.get("hx-boosted") == "true"
    else:
        actor.press(page.get_by_role("button", name="Sign up"))
    expect_status(page, f"Welcome to Conduit, {name}!")
    expect(page).to_have_url(re.compile(r"/$"))

    # Sign out (a form button in the header), then sign in again.
    actor.press(page.get_by_role("button", name="Sign out"))
    expect_status(page, "You have signed out.")
    actor.press(page.get_by_role("link", name="Sign in", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_axe(actor, themes)
    actor.fill(page.get_by_label("Email"), email)
    actor.fill(page.get_by_label("Password"), PASSWORD)
    actor.check(page.get_by_label("Remember me on this device"))
    actor.press(page.get_by_role("button", name="Sign in"))
    expect_status(page, f"Welcome back, {name}!")

    # Change settings.
    actor.press(page.get_by_role("link", name="Settings", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your settings")
    if actor.mode != "nojs":  # after a boosted navigation focus moves to the new page's h1
        expect(page.get_by_role("heading", level=1)).to_be_focused()
    check_axe(actor, themes)
    actor.fill(page.get_by_label("Bio"), f"I am {name}.")
    actor.press(page.get_by_role("button", name="Save settings"))
    expect_status(page, "Settings saved.")
    expect(page.get_by_label("Bio")).to_have_value(f"I am {name}.")

    # Visit another member's profile from the home feed.
    actor.press(page.get_by_role("link", name="Home", exact=True))
    author_link = page.locator(".preview .author").first
    author = author_link.inner_text()
    actor.press(author_link)
    expect(page.get_by_role("heading", level=1)).to_have_text(author)
    check_axe(actor, themes)

    # Follow: only the button changes with JS, and focus stays on it.
    follow = page.locator(".profile-actions .follow-form button")
    expect(follow).to_have_text(f"Follow {author}")
    if actor.mode == "js":
        with page.expect_request(f"**/profile/{author}/follow") as request_info:
            actor.press(follow)
        assert request_info.value.headers.get("hx-request") == "true"
    else:
        actor.press(follow, key="Space" if actor.keyboard else "Enter")
    expect(follow).to_have_text(f"Unfollow {author}")
    expect_status(page, f"You now follow {author}.")
    if actor.mode != "nojs":
        expect(follow).to_be_focused()
    check_axe(actor, themes)

    # Switch to the Favorited tab.
    actor.press(page.get_by_role("link", name="Favorited articles"))
    expect(page.locator("#feed-heading")).to_contain_text("Favorited articles")
    expect(page.get_by_role("link", name="Favorited articles")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page).to_have_url(re.compile(r"\?tab=favorited$"))
    if actor.mode != "nojs":
        expect(page.locator("#feed-heading")).to_be_focused()
        assert not is_focused(page.locator("body"))
    check_axe(actor, themes)


def test_signing_out_adds_no_more_than_one_history_entry(actor: Actor, make_member, mode: str):
    page = actor.page
    sign_in(actor, make_member(f"leaving_{mode}"), MEMBER_PASSWORD)
    page.goto("/settings")
    wait_for_htmx(actor)
    before = page.evaluate("history.length")
    actor.press(page.get_by_role("button", name="Sign out"))
    expect_status(page, "You have signed out.")
    expect(page).to_have_url(re.compile(r"/$"))
    # Without JS the form's post is the one entry; with htmx the signed-out page takes
    # the place of the page signed out from.
    assert page.evaluate("history.length") - before == (1 if mode == "nojs" else 0)
    check_axe(actor, ("light",))


def test_a_visitors_theme_is_kept_at_sign_in(actor: Actor, make_member, mode: str):
    """A theme chosen before signing in stays, on the page and on the account."""
    page = actor.page
    email = make_member(f"themed_{mode}")
    page.goto("/login")
    wait_for_htmx(actor)
    actor.choose(page.get_by_label("Theme"), "Dark")
    actor.press(page.get_by_role("button", name="Apply"))
    expect_status(page, "Using dark theme.")
    sign_in(actor, email, MEMBER_PASSWORD)
    expect(page.locator("#theme")).to_have_attribute("data-theme", "dark")
    expect(page.locator("body")).to_have_css("background-color", "rgb(18, 21, 18)")
    check_axe(actor, ("light",))


def test_theme_choice(actor: Actor):
    """Moving through the options applies nothing; Apply does: with JS at once, focus
    staying on the button; without JS the page comes back in the new theme."""
    page = actor.page
    page.goto("/")
    wait_for_htmx(actor)
    theme = page.locator("#theme")
    expect(theme).to_have_attribute("data-theme", "system")
    actor.choose(page.get_by_label("Theme"), "Dark")
    if actor.keyboard:  # the arrow keys walk the options: none is applied meanwhile
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)  # what a change would have sent has had time to come back
    expect(theme).to_have_attribute("data-theme", "system")
    actor.press(page.get_by_role("button", name="Apply"))
    expect_status(page, "Using dark theme.")  # without JS too, on the page that follows
    if actor.keyboard:
        expect(page.get_by_role("button", name="Apply")).to_be_focused()
    expect(theme).to_have_attribute("data-theme", "dark")
    # Polled: without JS the new page's stylesheet may still be on its way.
    expect(page.locator("body")).to_have_css("background-color", "rgb(18, 21, 18)")
    check_axe(actor, ("light",))  # a light system: the chosen dark theme still wins
    actor.choose(page.get_by_label("Theme"), "System")
    actor.press(page.get_by_role("button", name="Apply"))
    expect(theme).to_have_attribute("data-theme", "system")
    expect(page.get_by_label("Theme")).to_have_value("system")


def test_sign_up_checks_fields_while_typing(actor: Actor):
    """With JS the username and email are checked as you type; without, on submit."""
    page = actor.page
    page.goto("/")
    taken = page.locator(".preview .author").first.inner_text()
    page.goto("/register")
    wait_for_htmx(actor)
    username_message = page.locator("#username-error")
    email_message = page.locator("#email-error")
    if actor.mode == "js":
        with page.expect_request(re.compile(r"/register/check/username\?username=")) as check:
            actor.fill(page.get_by_label("Username"), taken)
        assert check.value.headers.get("hx-request") == "true"
    else:
        actor.fill(page.get_by_label("Username"), taken)
    actor.fill(page.get_by_label("Email"), "not-an-email")
    if actor.mode == "nojs":
        expect(username_message).to_be_empty()
        actor.press(page.get_by_role("button", name="Sign up"))
    else:
        actor.fill(page.get_by_label("Password"), "")  # leaving the email field checks it too
    expect(username_message).to_have_text(f"The username {taken} is already taken.")
    expect(email_message).to_have_text("Enter an email address like name@example.com.")
    # Typing a free name clears the message (with JS); without JS the next submit does.
    if actor.mode != "nojs":
        actor.fill(page.get_by_label("Username"), f"{taken}_2")
        expect(username_message).to_be_empty()
