"""Live updates in a browser: two people on the same article, each in a browser of
their own. B sees A's comment (and its deletion, and the favorites count) appear
without reloading, the news is announced once, and B's focus and half-typed comment
stay where they were. On the home page a published article raises a notice with a
link, and the list does not move. With JS off nothing breaks: a reload shows it all."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from e2e.actors import Actor, check_axe, expect_status, is_focused, sign_in, tab_to, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD

LIVE = 2000  # ms: a live update shows within two seconds


def write(a: Actor, title: str, tags: str = "") -> str:
    page = a.page
    page.goto("/editor")
    a.fill(page.get_by_label("Title"), title)
    a.fill(page.get_by_label("What's this article about?"), "Live updates")
    a.fill(page.get_by_label("Article (Markdown)"), "Read on.")
    if tags:
        a.fill(page.get_by_label("Tags"), tags)
    a.press(page.get_by_role("button", name="Publish article"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url


def connected(actor: Actor) -> None:
    """Wait until the page's stream is open (its first event has arrived)."""
    actor.page.wait_for_function(
        "() => [...document.querySelectorAll('[sse-connect]')]"
        ".every(el => new URL(el.getAttribute('sse-connect'), location.origin)"
        ".searchParams.has('since'))",
        timeout=10_000,
    )


WITH_JS = pytest.mark.parametrize("mode", ["js", "keyboard"], indirect=True)


@WITH_JS
def test_comments_and_favorites_appear_live_for_another_reader(
    new_actor: Callable[[], Actor], make_member, mode: str
):
    a, b = new_actor(), new_actor()
    sign_in(a, make_member(f"livewriter_{mode}"), MEMBER_PASSWORD)
    sign_in(b, make_member(f"livereader_{mode}"), MEMBER_PASSWORD)
    url = write(a, f"Live in {mode} mode")
    b.page.goto(url)
    wait_for_htmx(b)
    connected(b)

    # B starts a comment of their own and keeps the focus in the box.
    box = b.page.get_by_label("Write a comment")
    b.fill(box, "I was typing this")
    assert is_focused(box)

    # A comments: B sees it in place, counted and announced, without moving.
    a.fill(a.page.get_by_label("Write a comment"), "Hello from the writer")
    a.press(a.page.get_by_role("button", name="Post comment"))
    expect(a.page.locator("#comments")).to_contain_text("Hello from the writer")
    comments = b.page.locator("#comments")
    expect(comments).to_contain_text("Hello from the writer", timeout=LIVE)
    expect(b.page.locator("#comments-count")).to_have_text("(1)")
    expect(b.page.locator("#comments-empty")).to_be_hidden()
    expect_status(b.page, f"New comment by livewriter_{mode}.")
    assert is_focused(box)  # focus and the half-typed text stayed
    expect(box).to_have_value("I was typing this")
    check_axe(b, themes=("light",))

    # A favorites the article: B's count follows (B's own button stays B's: not pressed).
    a.press(a.page.get_by_role("button", name=re.compile("Favorite")).first)
    favorite = b.page.locator("#favorite-button-" + _article_id(b) + "-banner")
    expect(favorite).to_contain_text("(1)", timeout=LIVE)
    expect(favorite).to_have_attribute("aria-pressed", "false")

    # B moves to A's comment (keyboard: to its author link); A deletes it: focus moves
    # on to what is in its place (the comment box's fallback), never to the page's top.
    author = comments.get_by_role("link", name=f"livewriter_{mode}")
    if b.keyboard:
        tab_to(b.page, author)
    else:
        author.focus()
    a.press(a.page.get_by_role("button", name=re.compile("Delete your comment")))
    expect(comments).not_to_contain_text("Hello from the writer", timeout=LIVE)
    expect(b.page.locator("#comments-count")).to_have_text("(0)")
    expect(b.page.locator("#comments-empty")).to_be_visible()
    expect_status(b.page, "A comment was deleted.")
    focused = b.page.evaluate("document.activeElement.id || document.activeElement.tagName")
    assert focused not in ("BODY", "main"), focused


def _article_id(actor: Actor) -> str:
    button = actor.page.locator("[id^=favorite-button-][id$=-banner]")
    match = re.search(r"favorite-button-(\d+)-banner", button.get_attribute("id") or "")
    assert match
    return match.group(1)


@WITH_JS
def test_a_feed_shows_a_notice_for_new_articles(
    new_actor: Callable[[], Actor], make_member, mode: str
):
    a, b = new_actor(), new_actor()
    sign_in(a, make_member(f"livefeed_{mode}"), MEMBER_PASSWORD)
    tag = f"live{mode}"
    b.page.goto(f"/?tag={tag}")
    wait_for_htmx(b)
    connected(b)
    expect(b.page.locator("#feed")).to_contain_text("No articles are here")

    write(a, f"Fresh news in {mode} mode", tags=tag)
    notice = b.page.locator("#live-notice")
    expect(notice).to_have_text("1 new article — show it", timeout=LIVE)
    expect(b.page.locator("#feed")).to_contain_text("No articles are here")  # nothing moved
    expect_status(b.page, "1 new article — show it")
    check_axe(b, themes=("light", "dark"))
    b.press(notice.get_by_role("link", name="show it"))
    expect(b.page.locator("#feed")).to_contain_text(f"Fresh news in {mode} mode")
    expect(b.page.locator("#live-notice")).to_be_empty()


@pytest.mark.parametrize("mode", ["nojs"], indirect=True)
def test_without_js_a_reload_shows_everything(new_actor: Callable[[], Actor], make_member, mode):
    a, b = new_actor(), new_actor()
    sign_in(a, make_member("livenojs"), MEMBER_PASSWORD)
    url = write(a, "Live without JS")
    b.page.goto(url)
    expect(b.page.locator("#comments-count")).to_have_text("(0)")
    a.fill(a.page.get_by_label("Write a comment"), "Seen after a reload")
    a.press(a.page.get_by_role("button", name="Post comment"))
    b.page.reload()
    expect(b.page.locator("#comments")).to_contain_text("Seen after a reload")
    expect(b.page.locator("#comments-count")).to_have_text("(1)")


# Counts the page's EventSources and how many are still open (readyState 2 is CLOSED).
COUNT_SOURCES = """
(() => {
  const Original = window.EventSource;
  window.__sources = [];
  window.EventSource = class extends Original {
    constructor(...args) { super(...args); window.__sources.push(this); }
  };
})();
"""


def open_streams(actor: Actor) -> int:
    return actor.page.evaluate("window.__sources.filter(s => s.readyState !== 2).length")


@WITH_JS
def test_quick_browsing_keeps_one_stream_and_misses_nothing(
    new_actor: Callable[[], Actor], make_member, mode: str
):
    """A reader opens three articles within seconds (links, then Back, then the next):
    each page left closes its stream at once, and a comment on the page they stop at
    appears live, as on a page opened slowly."""
    a, b = new_actor(), new_actor()
    sign_in(a, make_member(f"browsewriter_{mode}"), MEMBER_PASSWORD)
    tag = f"browse{mode}"
    titles = [f"Browsed {n} in {mode} mode" for n in (1, 2, 3)]
    for title in titles:
        write(a, title, tags=tag)
    b.page.add_init_script(COUNT_SOURCES)
    b.page.goto(f"/?tag={tag}")
    wait_for_htmx(b)
    for title in titles:
        b.press(b.page.get_by_role("link", name=title, exact=True))
        expect(b.page.get_by_role("heading", level=1)).to_have_text(title)
        if title != titles[-1]:
            b.page.go_back()
            expect(b.page.get_by_role("link", name=titles[-1], exact=True)).to_be_visible()
    connected(b)
    assert open_streams(b) == 1  # the pages left behind closed theirs

    a.page.goto(b.page.url)
    a.fill(a.page.get_by_label("Write a comment"), "Caught while browsing")
    a.press(a.page.get_by_role("button", name="Post comment"))
    expect(b.page.locator("#comments")).to_contain_text("Caught while browsing", timeout=LIVE)
    expect_status(b.page, f"New comment by browsewriter_{mode}.")
    assert open_streams(b) == 1
    check_axe(b, themes=("light",))
