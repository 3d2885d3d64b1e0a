"""The home feed's pagination, three ways: JS on (htmx), JS off, keyboard only; plus axe."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from e2e.actors import Actor, assert_no_axe_violations, check_axe, tab_to, wait_for_htmx

FEED_HEADING = "#feed-heading"


def first_title(page: Page) -> str:
    return page.locator(".preview-title").first.inner_text()


def test_pagination_with_htmx_swaps_only_the_feed(htmx_page: Page):
    page = htmx_page
    page.evaluate("() => { window.sidebarBefore = document.querySelector('.sidebar'); }")
    title_on_page_1 = first_title(page)

    with page.expect_request(re.compile(r"/\?page=2$")) as request_info:
        page.get_by_role("link", name="Next page").click()
    assert request_info.value.headers.get("hx-request") == "true"
    assert request_info.value.headers.get("hx-target") == "feed"

    expect(page.locator(FEED_HEADING)).to_contain_text("page 2 of 4")
    expect(page).to_have_url(re.compile(r"/\?page=2$"))
    assert first_title(page) != title_on_page_1
    # Only the feed changed: the sidebar is the very same DOM node, the page never reloaded.
    assert page.evaluate("() => document.querySelector('.sidebar') === window.sidebarBefore")
    expect(page.locator(FEED_HEADING)).to_be_focused()
    expect(page.locator("#status")).to_have_text("Global feed, page 2 of 4")
    expect(page.locator("#feed")).not_to_have_attribute("aria-busy", "true")

    # Back restores page 1 (pushed URLs always serve a full page).
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(FEED_HEADING)).to_contain_text("page 1 of 4")
    assert first_title(page) == title_on_page_1


def test_tag_link_swaps_the_feed(htmx_page: Page):
    page = htmx_page
    tag = page.locator(".sidebar .tag a").first
    name = tag.inner_text()
    tag.click()
    expect(page).to_have_url(re.compile(rf"/\?tag={re.escape(name)}$"))
    expect(page.locator(FEED_HEADING)).to_contain_text(f"#{name}")
    for tags in page.locator("#feed .preview .tag-list").all():
        expect(tags).to_contain_text(name)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_pagination_without_javascript(page: Page):
    page.goto("/")
    title_on_page_1 = first_title(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"/\?page=2$"))
    expect(page.locator(FEED_HEADING)).to_contain_text("page 2 of 4")
    assert first_title(page) != title_on_page_1
    page.get_by_role("link", name="Page 4").click()
    expect(page.locator(FEED_HEADING)).to_contain_text("page 4 of 4")
    expect(page.locator(".preview")).to_have_count(5)
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_out_of_range_page_without_javascript(page: Page):
    response = page.goto("/?page=99")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page.locator(FEED_HEADING)).to_contain_text("page 1 of 4")


def tab_to_name(page: Page, name: str) -> None:
    tab_to(page, page.get_by_role("link", name=name, exact=True))


def test_keyboard_only_pagination_lands_focus_on_the_feed(htmx_page: Page):
    page = htmx_page
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    tab_to_name(page, "Next page")
    page.keyboard.press("Enter")
    expect(page.locator(FEED_HEADING)).to_contain_text("page 2 of 4")
    expect(page.locator(FEED_HEADING)).to_be_focused()
    assert page.evaluate("() => document.activeElement !== document.body")
    # Keep going from where focus landed: the next Tab stops are in the new feed.
    tab_to_name(page, "Page 3")
    page.keyboard.press("Enter")
    expect(page.locator(FEED_HEADING)).to_contain_text("page 3 of 4")
    expect(page.locator(FEED_HEADING)).to_be_focused()


def test_skip_link_moves_focus_to_main(htmx_page: Page):
    page = htmx_page
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_home_has_no_axe_violations(page: Page, scheme: str):
    page.emulate_media(color_scheme=scheme)
    page.goto("/")
    page.wait_for_function("() => window.htmx !== undefined")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator(FEED_HEADING)).to_contain_text("page 2 of 4")
    assert_no_axe_violations(page)


def test_not_found_page_has_no_axe_violations(page: Page):
    page.goto("/no/such/page")
    assert_no_axe_violations(page)


def test_axe_check_is_live(page: Page):
    # Proves the axe run can fail: an image without alt text is reported.
    page.goto("/")
    page.evaluate("() => document.querySelector('.avatar').removeAttribute('alt')")
    results = Axe().run(page)
    assert "image-alt" in {v["id"] for v in results.response["violations"]}


def test_a_single_page_list_shows_no_page_number(actor: Actor, make_member, mode: str):
    page = actor.page
    name = f"quiet_{mode}"
    make_member(name)
    page.goto(f"/profile/{name}")
    wait_for_htmx(actor)
    heading = page.locator(FEED_HEADING)
    expect(heading.locator(".feed-page")).to_have_count(0)
    expect(heading).to_have_text("Articles")  # the list's name: read, not shown
    check_axe(actor, themes=("light",))
