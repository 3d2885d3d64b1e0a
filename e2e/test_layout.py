"""The layout at phone, tablet and desktop widths: nothing scrolls sideways, the header
stays one row at every width (a phone's too), previews are dense, and the menu
disclosure works with the keyboard."""

import pytest
from playwright.sync_api import Browser, expect

from e2e.actors import Actor, check_axe, expect_status, sign_in, tab_to, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD

WIDTHS = (390, 768, 1024, 1280)
ONE_ROW = 70  # px: the header's height when everything fits on one line


def pages_to_check(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto("/")
    article = page.locator("article.preview h3 a").first.get_attribute("href")
    return ["/", str(article), "/login", "/reading-list", "/search?q=the"]


@pytest.mark.parametrize("member", [False, True], ids=["visitor", "member"])
def test_no_width_scrolls_sideways_and_the_header_stays_short(
    browser: Browser, base_url: str, make_member, member: bool
):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    if member:
        sign_in(Actor(page, "js"), make_member("wide_and_narrow"), MEMBER_PASSWORD)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for url in pages_to_check(page):
            page.goto(url)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {width}px"
            header = page.locator(".site-header").bounding_box()
            assert header is not None
            assert header["height"] <= ONE_ROW, f"header {header['height']}px at {width}px on {url}"
    context.close()


def test_a_phone_shows_content_soon_and_previews_densely(
    browser: Browser, base_url: str, make_member
):
    """At 390 px: the header and an unconfirmed member's email reminder together stay
    short, and each preview's author, date and reading time share one line."""
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    sign_in(Actor(page, "js"), make_member("on_a_phone"), MEMBER_PASSWORD)
    page.goto("/")
    reminder = page.locator(".address-reminder").bounding_box()
    assert reminder is not None
    assert reminder["y"] + reminder["height"] <= 170, f"content starts at {reminder}"
    byline = page.locator("article.preview").first.locator(".byline")
    tops = [box["y"] for part in ("a.author", "time", ".reading-time")
            if (box := byline.locator(part).bounding_box())]  # fmt: skip
    assert len(tops) == 3
    assert max(tops) - min(tops) < 8, f"the byline wraps: {tops}"  # a line is ~20 px
    check_axe(Actor(page, "js"), themes=("light", "dark"))
    context.close()


def test_the_phone_menu_opens_with_the_keyboard(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto("/")
    links = page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    expect(links).to_be_hidden()
    menu = page.get_by_text("Menu", exact=True)
    tab_to(page, menu)
    page.keyboard.press("Enter")
    expect(links).to_be_visible()
    check_axe(Actor(page, "keyboard"), themes=("light", "dark"))
    page.keyboard.press("Tab")  # into the menu: its first link
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_focused()
    page.keyboard.press("Escape")  # closes it, focus back on its toggle
    expect(links).to_be_hidden()
    expect(menu).to_be_focused()
    context.close()


def test_a_status_message_moves_nothing(actor: Actor):
    """A message shows over the page: what was under the pointer stays there, with or
    without JS, and nothing is left in its place when it goes."""
    page = actor.page
    page.goto("/login")
    wait_for_htmx(actor)
    heading = page.get_by_role("heading", level=1)
    before = heading.bounding_box()
    actor.choose(page.get_by_label("Theme"), "Dark")
    actor.press(page.get_by_role("button", name="Apply"))
    expect_status(page, "Using dark theme.")
    expect(page.locator(".status-message")).to_be_visible()
    after = heading.bounding_box()
    assert before
    assert after
    assert after["y"] == before["y"]
    check_axe(actor, themes=("light",))
