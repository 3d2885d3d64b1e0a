"""The reading list in a browser, three ways: a visitor saves from the feed and from an
article (the header's count follows), finds the list, then signs in and keeps it."""

import re

from playwright.sync_api import expect

from e2e.actors import Actor, check_axe, expect_status, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD


def test_save_to_read_later_then_keep_the_list_at_sign_in(
    actor: Actor, make_member, live_app, mode: str
):
    page = actor.page
    email = make_member(f"saver_{mode}")
    page.goto("/")
    wait_for_htmx(actor)
    header_link = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Reading list")
    )
    expect(header_link).to_have_text("Reading list")

    # From the feed: the first preview's button.
    first = page.locator("article.preview").first
    title = first.locator("h3").inner_text()
    button = first.get_by_role("button", name=f"Read “{title}” later")
    actor.press(button)
    expect_status(page, f"Saved to your reading list: “{title}”.")
    expect(header_link).to_have_text("Reading list (1)")
    button = page.locator("article.preview").first.get_by_role(
        "button", name=f"Read “{title}” later"
    )
    expect(button).to_have_attribute("aria-pressed", "true")
    if mode != "nojs":
        expect(button).to_be_focused()  # swapped in place: focus stays on it

    # From an article's page: both of its buttons agree.
    second = page.locator("article.preview").nth(1)
    other = second.locator("h3").inner_text()
    actor.press(second.get_by_role("link", name=other, exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(other)
    save_buttons = page.get_by_role("button", name="Read later")
    expect(save_buttons).to_have_count(2)
    actor.press(save_buttons.first)
    expect_status(page, f"Saved to your reading list: “{other}”.")
    for index in (0, 1):
        expect(save_buttons.nth(index)).to_have_attribute("aria-pressed", "true")
    expect(header_link).to_have_text("Reading list (2)")
    check_axe(actor, themes=("light",))

    # The list: last saved first.
    actor.press(header_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reading list")
    expect(header_link).to_have_attribute("aria-current", "page")
    headings = page.locator("article.preview h3")
    expect(headings).to_have_text([other, title])
    check_axe(actor, themes=("light", "dark"))

    # Signing in keeps it: it joins the account's list.
    actor.press(page.get_by_role("link", name="sign in", exact=True))
    actor.fill(page.get_by_label("Email"), email)
    actor.fill(page.get_by_label("Password"), MEMBER_PASSWORD)
    actor.press(page.get_by_role("button", name="Sign in"))
    expect_status(page, "Welcome back")
    expect(page).to_have_url(re.compile(r"/reading-list$"))
    expect(header_link).to_have_text("Reading list (2)")
    expect(page.locator("article.preview h3")).to_have_text([other, title])

    # Taken off from the list itself.
    remove = page.get_by_role("button", name=f"Read “{other}” later")
    actor.press(remove)
    expect(header_link).to_have_text("Reading list (1)")
