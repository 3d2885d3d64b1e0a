"""The writing journey, three ways: JS on, JS off, keyboard only (JS on, never a click).

A writes an article with tags -> it shows on the tag feed and the global feed -> B
favorites it and comments twice -> B deletes a comment -> A edits the title (the slug
changes, the old URL redirects) -> A deletes the article. Search as you type finds an
article. With JS on, axe checks every page involved in the light and dark themes.
"""

import re
from collections.abc import Callable

from playwright.sync_api import Browser, Dialog, expect

from e2e.actors import Actor, check_axe, expect_status, sign_in, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD

BODY = (
    "## Why\n\nBecause **hypermedia** is enough.\n\n- links\n- forms\n\n"
    '![The Conduit avatar](/static/img/avatar.svg "A caption under the picture")'
)


def test_writing_journey(new_actor: Callable[[], Actor], make_member, mode: str):
    a, b = new_actor(), new_actor()
    sign_in(a, make_member(f"writer_{mode}"), MEMBER_PASSWORD)
    sign_in(b, make_member(f"reader_{mode}"), MEMBER_PASSWORD)
    tag = f"e2e{mode}"
    title = f"Hypermedia in {mode} mode"
    page = a.page

    # A writes an article with tags.
    a.press(page.get_by_role("link", name="New article"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New article")
    check_axe(a)
    a.press(page.get_by_role("button", name="Publish article"))  # empty: errors first
    expect(page.locator(".error-summary")).to_contain_text("Give your article a title.")
    a.fill(page.get_by_label("Title"), title)
    a.fill(page.get_by_label("What's this article about?"), "A walk through the journey")
    a.fill(page.get_by_label("Article (Markdown)"), BODY)
    a.fill(page.get_by_label("Tags"), f"{tag}, htmx")
    a.press(page.get_by_role("button", name="Publish article"))
    expect_status(page, "Your article is published.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".article-body strong")).to_have_text("hypermedia")
    figure = page.locator(".article-body figure")
    expect(figure.get_by_role("img", name="The Conduit avatar")).to_be_visible()
    expect(figure.locator("figcaption")).to_have_text("A caption under the picture")
    article_url = page.url
    check_axe(a)

    # It shows on its tag's feed and on the global feed.
    a.press(page.locator(".article-content .tag-list").get_by_role("link", name=tag))
    expect(page.locator("#feed-heading")).to_contain_text(f"#{tag}")
    expect(page.locator("#feed .preview-title")).to_have_text([title])
    a.press(page.get_by_role("link", name="Global feed"))
    expect(page.locator("#feed .preview-title").first).to_have_text(title)
    check_axe(a)

    # B favorites it from the global feed, then opens it.
    other = b.page
    other.goto("/")
    wait_for_htmx(b)
    preview = other.locator(".preview").filter(has_text=title)
    favorite = preview.get_by_role("button", name=re.compile(r"^Favorite"))
    expect(favorite).to_have_attribute("aria-pressed", "false")
    b.press(favorite, key="Space" if b.keyboard else "Enter")
    favorite = (
        other.locator(".preview")
        .filter(has_text=title)
        .get_by_role("button", name=re.compile(r"^Favorite"))
    )
    expect(favorite).to_have_attribute("aria-pressed", "true")
    expect(favorite).to_have_text(re.compile(r"1"))
    if mode != "nojs":
        expect(favorite).to_be_focused()  # the same button, swapped in place
    expect_status(other, "Added to your favorites")
    b.press(other.locator(".preview").filter(has_text=title).get_by_role("link", name=title))
    expect(other.get_by_role("heading", level=1)).to_have_text(title)

    # B comments twice.
    for text in ("First comment", "Second comment"):
        b.fill(other.get_by_label("Write a comment"), text)
        b.press(other.get_by_role("button", name="Post comment"))
        expect_status(other, "Your comment is posted.")
        expect(other.locator("#comments .comment").last).to_contain_text(text)
        if mode != "nojs":
            expect(other.locator("#comments .comment").last).to_be_focused()
            expect(other.get_by_label("Write a comment")).to_have_value("")
    check_axe(b)

    # B deletes the first comment; focus moves on to the next one.
    first = other.locator("#comments .comment").filter(has_text="First comment")
    b.press(first.get_by_role("button", name=re.compile(r"^Delete")))
    expect_status(other, "Your comment is deleted.")
    expect(other.locator("#comments .comment")).to_have_count(1)
    if mode != "nojs":
        second = other.locator("#comments .comment").filter(has_text="Second comment")
        expect(second).to_be_focused()
    else:  # a full page load, scrolled to the comments
        expect(other).to_have_url(re.compile(r"#comments$"))

    # A edits the title: a new slug, and the old URL redirects to it.
    page.goto(article_url)
    wait_for_htmx(a)
    a.press(page.get_by_role("link", name="Edit article").first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit article")
    check_axe(a)
    a.fill(page.get_by_label("Title"), f"{title}, revised")
    a.press(page.get_by_role("button", name="Update article"))
    expect_status(page, "Your article is updated.")
    expect(page).to_have_url(re.compile(r"-revised$"))
    new_url = page.url
    page.goto(article_url)
    expect(page).to_have_url(new_url)
    wait_for_htmx(a)

    # A deletes it: a confirm dialog with JS, a confirmation page without.
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    a.press(page.get_by_role("button", name="Delete article").first)
    if mode == "nojs":
        expect(page.get_by_role("heading", level=1)).to_contain_text("Delete “")
        a.press(page.get_by_role("button", name="Yes, delete it"))
    else:
        expect(page).to_have_url(re.compile(r"/$"))
        assert dialogs == [f"Delete “{title}, revised”? This cannot be undone."]
    expect_status(page, "is deleted.")
    expect(page.locator(".preview-title", has_text=title)).to_have_count(0)
    assert page.goto(new_url).status == 404


def test_search_finds_an_article(actor: Actor):
    page = actor.page
    page.goto("/")
    wait_for_htmx(actor)
    title = page.locator(".preview-title").first.inner_text()
    words = title.split()[-2]  # a word from the newest article's title
    box = page.get_by_role("searchbox", name="Search articles")
    if actor.mode == "js":
        with page.expect_request(re.compile(r"/search\?q=")) as sent:
            actor.fill(box, words)
        assert sent.value.headers.get("hx-target") == "main"
    else:
        actor.fill(box, words)
    if actor.mode == "nojs":
        actor.press(page.get_by_role("button", name="Search"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for “{words}”")
    expect(page).to_have_url(re.compile(rf"/search\?q={re.escape(words)}$"))
    expect(page.locator(".preview-title", has_text=title).first).to_be_visible()
    expect(page.locator(".snippet mark").first).to_be_visible()
    if actor.mode != "nojs":
        expect(box).to_be_focused()  # typing goes on in the same box
        expect_status(page, "found for")
    check_axe(actor)


def test_a_broad_search_says_it_ranks_the_newest_matches(actor: Actor):
    """The live server ranks the newest ten matches (SEARCH_WINDOW, set in conftest):
    a search for a common word reaches that and says how to find older articles; a
    narrower one, which ranks all its matches, does not."""
    page = actor.page
    page.goto("/")
    wait_for_htmx(actor)
    title = page.locator(".preview-title").first.inner_text()
    box = page.get_by_role("searchbox", name="Search articles")
    notice = page.locator(".search-window")
    for words, broad in (("the", True), (title, False)):
        actor.fill(box, words)
        if actor.mode == "nojs":
            actor.press(page.get_by_role("button", name="Search"))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for “{words}”")
        if broad:
            expect(notice).to_have_text(
                "The newest 10 matching articles, best first: add words to find older ones."
            )
            expect(page.locator(".preview-title")).to_have_count(10)
            check_axe(actor)
        else:
            expect(page.locator(".preview-title", has_text=title).first).to_be_visible()
            expect(notice).to_have_count(0)
    if actor.mode != "nojs":
        expect(box).to_be_focused()


def test_confirmation_and_forbidden_pages_have_no_axe_violations(
    browser: Browser, base_url: str, make_member
):
    """axe (JS on) on the pages the journeys reach only without JS or by mistake."""
    writer, other = (
        Actor(browser.new_context(base_url=base_url).new_page(), "js") for _ in range(2)
    )
    sign_in(writer, make_member("confirm_writer"), MEMBER_PASSWORD)
    sign_in(other, make_member("confirm_other"), MEMBER_PASSWORD)
    page = writer.page
    page.goto("/editor")
    writer.fill(page.get_by_label("Title"), "To be confirmed")
    writer.fill(page.get_by_label("What's this article about?"), "Checking pages")
    writer.fill(page.get_by_label("Article (Markdown)"), "Body")
    writer.press(page.get_by_role("button", name="Publish article"))
    expect_status(page, "Your article is published.")
    slug = page.url.rsplit("/", 1)[1]
    page.goto(f"/article/{slug}/delete")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete “To be confirmed”?")
    check_axe(writer)
    forbidden = other.page.goto(f"/editor/{slug}")
    assert forbidden is not None
    assert forbidden.status == 403
    check_axe(other)
    writer.press(page.get_by_role("button", name="Yes, delete it"))  # leave the feed as it was
    expect_status(page, "is deleted.")
    for actor in (writer, other):
        actor.page.context.close()
