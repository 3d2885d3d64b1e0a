"""Off the happy path in a real browser: JS on, JS off and keyboard only.

A session that ended in another tab, an article deleted elsewhere, an invalid comment,
counts that follow each action, titles and history, the theme after signing in, and a
form sent twice. axe runs after the swaps (JS on); every page's console must stay
clean (the `new_actor` fixture fails on any error or CSP violation).
"""

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Route, expect
from sqlmodel import Session, select

from e2e.actors import Actor, check_axe, expect_status, sign_in, wait_for_htmx, wait_until_settled
from e2e.conftest import MEMBER_PASSWORD
from web.articles import create_article, delete_article
from web.models import Comment, User


@pytest.fixture
def make_article(live_app: Flask) -> Callable[[str, str], str]:
    """Publish an article by `username` straight in the live server's database."""

    def make(username: str, title: str) -> str:
        with Session(live_app.extensions["conduit.db"]) as session:
            author = session.exec(select(User).where(User.username == username)).one()
            article = create_article(
                session=session, author_id=author.id, title=title,
                description="Off the happy path", body="## Edges\n\nWhere apps break.",
                tags=["seams"],
            )  # fmt: skip
            return article.slug

    return make


@pytest.fixture
def delete_elsewhere(live_app: Flask) -> Callable[[str, str], None]:
    def delete(username: str, slug: str) -> None:
        with Session(live_app.extensions["conduit.db"]) as session:
            author = session.exec(select(User).where(User.username == username)).one()
            delete_article(session=session, slug=slug, editor_id=author.id)

    return delete


@pytest.fixture
def reading(new_actor, make_member, make_article, mode: str):  # type: ignore[no-untyped-def]
    """reading(name) -> (reader, slug, writer): a member signed in and reading a new
    article by another member, both named after the test and the mode."""

    def read(name: str) -> tuple[Actor, str, str]:
        reader, writer = new_actor(), f"{name}_writer_{mode}"
        make_member(writer)
        sign_in(reader, make_member(f"{name}_{mode}"), MEMBER_PASSWORD)
        slug = make_article(writer, f"{name.capitalize()} in {mode} mode")
        reader.page.goto(f"/article/{slug}")
        wait_for_htmx(reader)
        return reader, slug, writer

    return read


def open_tab(actor: Actor, url: str) -> Actor:
    """Another tab of the same browser: same cookies, same person."""
    tab = Actor(actor.page.context.new_page(), actor.mode)
    tab.page.goto(url)
    wait_for_htmx(tab)
    return tab


def test_session_ended_in_another_tab(new_actor, make_member, make_article, mode: str):
    """Tab B shows an article; tab A signs out; B's Favorite asks to sign in, then comes
    back to the article with the favorite done; nothing of the sign-in page lands inside
    the article."""
    a = new_actor()
    name = f"tabs_{mode}"
    writer = f"tabs_writer_{mode}"
    make_member(writer)
    sign_in(a, make_member(name), MEMBER_PASSWORD)
    slug = make_article(writer, f"Two tabs in {mode} mode")
    b = open_tab(a, f"/article/{slug}")

    a.page.bring_to_front()
    a.press(a.page.get_by_role("button", name="Sign out"))
    expect_status(a.page, "You have signed out.")

    b.page.bring_to_front()
    b.press(b.page.locator(".article-banner .favorite-form button"))
    expect(b.page).to_have_url(re.compile(r"/login\?next=/article/"))
    expect(b.page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(b.page.locator("main")).to_have_count(1)
    expect_status(b.page, "Please sign in to continue.")
    check_axe(b)
    b.fill(b.page.get_by_label("Email"), f"{name}@example.com")
    b.fill(b.page.get_by_label("Password"), MEMBER_PASSWORD)
    b.press(b.page.get_by_role("button", name="Sign in"))
    expect(b.page).to_have_url(re.compile(rf"/article/{re.escape(slug)}$"))
    expect(b.page.get_by_role("heading", level=1)).to_have_text(f"Two tabs in {mode} mode")
    expect_status(b.page, f"Added to your favorites: “Two tabs in {mode} mode”.")
    banner = b.page.locator(".article-banner .favorite-form button")
    expect(banner).to_have_attribute("aria-pressed", "true")
    check_axe(b)


def test_a_comment_written_after_the_session_ended_comes_back(
    new_actor, make_member, make_article, mode: str
):
    """Tab B's comment, posted after tab A signed out, is not lost: after signing in it
    is back in its box, focused and ready to post."""
    a = new_actor()
    name = f"kept_{mode}"
    writer = f"kept_writer_{mode}"
    make_member(writer)
    sign_in(a, make_member(name), MEMBER_PASSWORD)
    slug = make_article(writer, f"Kept words in {mode} mode")
    b = open_tab(a, f"/article/{slug}")

    a.page.bring_to_front()
    a.press(a.page.get_by_role("button", name="Sign out"))
    expect_status(a.page, "You have signed out.")

    b.page.bring_to_front()
    words = f"Words worth keeping ({mode})"
    b.fill(b.page.get_by_label("Write a comment"), words)
    b.press(b.page.get_by_role("button", name="Post comment"))
    expect(b.page).to_have_url(re.compile(r"/login\?next=/article/"))
    b.fill(b.page.get_by_label("Email"), f"{name}@example.com")
    b.fill(b.page.get_by_label("Password"), MEMBER_PASSWORD)
    b.press(b.page.get_by_role("button", name="Sign in"))
    expect(b.page).to_have_url(re.compile(rf"/article/{re.escape(slug)}$"))
    expect_status(b.page, "Your comment is back in its box: post it when you are ready.")
    box = b.page.get_by_label("Write a comment")
    expect(box).to_have_value(words)
    expect(box).to_be_focused()
    check_axe(b)
    b.press(b.page.get_by_role("button", name="Post comment"))
    expect(b.page.locator("#comments")).to_contain_text(words)
    expect(b.page.locator("#comments .comment")).to_have_count(1)


def test_article_deleted_elsewhere(reading, delete_elsewhere, mode):
    """Favoriting or commenting on an article deleted meanwhile says so; with JS the
    page stays as it was, focus stays on the control and what was typed is kept."""
    reader, slug, writer = reading("gone")
    page = reader.page
    reader.fill(page.get_by_label("Write a comment"), "Is this still here?")
    delete_elsewhere(writer, slug)

    favorite = page.locator(".article-banner .favorite-form button")
    reader.press(favorite)
    if mode == "nojs":
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.locator("main")).to_contain_text("That article does not exist.")
        return
    expect_status(page, "That article does not exist. It may have been deleted.")
    expect(page.locator("#status .status-problem")).to_have_count(1)
    expect(favorite).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Gone in {mode} mode")
    reader.press(page.get_by_role("button", name="Post comment"))
    expect_status(page, "That article does not exist.")
    expect(page.get_by_label("Write a comment")).to_have_value("Is this still here?")
    check_axe(reader)


def test_invalid_comment_focuses_the_field_and_says_why_once(reading, mode):
    member, slug, _writer = reading("empty")
    page = member.page
    member.press(page.get_by_role("button", name="Post comment"))
    box = page.get_by_label("Write a comment")
    if mode == "nojs":
        # The page comes back with the form's summary focused (and so scrolled to); its
        # address can be opened again (a bookmark lands on the comments, not on a 405).
        expect(page).to_have_url(re.compile(rf"/article/{re.escape(slug)}/comments$"))
        expect(page.locator(".error-summary")).to_contain_text("Write something before posting.")
        expect(page.locator(".error-summary")).to_be_focused()
        assert page.goto(page.url).status == 200
        expect(page).to_have_url(re.compile(rf"/article/{re.escape(slug)}#comments$"))
        return
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#body-error")).to_have_text("Write something before posting.")
    expect(page.locator("#status")).not_to_contain_text(
        "Write something"
    )  # read once, with the field
    check_axe(member)


def test_comment_counts_and_empty_state_follow_each_action(reading, mode):
    member, _slug, _writer = reading("counting")
    page = member.page
    heading = page.locator("#comments-heading")
    empty = page.get_by_text("No comments yet.")
    expect(heading).to_have_text("Comments (0)")
    expect(empty).to_be_visible()

    member.fill(page.get_by_label("Write a comment"), "First words here")
    member.press(page.get_by_role("button", name="Post comment"))
    expect_status(page, "Your comment is posted.")
    expect(heading).to_have_text("Comments (1)")
    expect(empty).to_be_hidden()
    if mode != "nojs":
        check_axe(member)

    delete = page.get_by_role("button", name="Delete your comment “First words here”")
    member.press(delete)
    expect_status(page, "Your comment is deleted.")
    expect(heading).to_have_text("Comments (0)")
    expect(empty).to_be_visible()
    if mode != "nojs":  # it was the only comment: focus moves on to the comment box
        expect(page.get_by_label("Write a comment")).to_be_focused()


def test_favorite_updates_both_buttons_on_the_article(reading, mode):
    member, _slug, writer = reading("twins")
    page = member.page
    banner = page.locator(".article-banner .favorite-form button")
    end = page.locator(".article-content .favorite-form button")
    member.press(end)
    for button in (banner, end):
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_contain_text("(1)")
    follows = page.locator(".follow-form button")
    member.press(follows.first)
    expect(follows).to_have_text([f"Unfollow {writer}", f"Unfollow {writer}"])
    if mode != "nojs":
        expect(follows.first).to_be_focused()
        check_axe(member)


def test_titles_navigation_and_history_follow_the_content(actor: Actor):
    page = actor.page
    page.goto("/")
    wait_for_htmx(actor)
    expect(page).to_have_title("Global feed — Conduit")
    actor.press(page.get_by_role("link", name="Page 2"))
    expect(page).to_have_title("Global feed, page 2 — Conduit")
    expect(page.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    tag = page.locator(".sidebar .tag a").first
    name = tag.inner_text()
    actor.press(tag)
    expect(page).to_have_title(f"#{name} — Conduit")

    home = page.locator("#site-nav").get_by_role("link", name="Home")
    expect(home).to_have_attribute("aria-current", "page")
    box = page.get_by_role("searchbox", name="Search articles")
    wait_until_settled(page)  # the tag's answer moves focus when it settles
    actor.fill(box, "design")
    if actor.mode == "nojs":
        actor.press(page.get_by_role("button", name="Search"))
    expect(page).to_have_title("Search: design — Conduit")
    expect(home).not_to_have_attribute("aria-current", "page")
    if actor.mode != "nojs":
        check_axe(actor, ("light",))

    page.go_back()
    expect(page).to_have_title(f"#{name} — Conduit")
    expect(box).to_have_value("")
    expect(home).to_have_attribute("aria-current", "page")
    page.go_back()
    expect(page).to_have_title("Global feed, page 2 — Conduit")
    page.go_forward()
    page.go_forward()
    expect(page).to_have_title("Search: design — Conduit")
    expect(box).to_have_value("design")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “design”")


def test_searching_with_enter_sends_one_request(actor: Actor):
    page = actor.page
    page.goto("/")
    wait_for_htmx(actor)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/search" in r.url else None)
    box = page.get_by_role("searchbox", name="Search articles")
    box.focus() if actor.keyboard else box.click()
    page.keyboard.type("typography")
    page.keyboard.press("Enter")
    expect(page).to_have_title("Search: typography — Conduit")
    page.wait_for_timeout(600)  # longer than the typing delay: nothing more is sent
    assert len(sent) == 1, sent
    if actor.mode != "nojs":
        expect(page.locator("#status")).to_contain_text("found for “typography”")


def test_theme_follows_the_member_who_signs_in(new_actor, make_member, mode: str):
    member = new_actor()
    email = make_member(f"night_{mode}")
    sign_in(member, email, MEMBER_PASSWORD)
    page = member.page
    member.choose(page.get_by_label("Theme"), "Dark")
    member.press(page.get_by_role("button", name="Apply"))
    expect(page.locator("#theme")).to_have_attribute("data-theme", "dark")
    member.press(page.get_by_role("button", name="Sign out"))
    expect_status(page, "You have signed out.")
    expect(page.locator("#theme")).to_have_attribute("data-theme", "system")
    expect(page.get_by_label("Theme")).to_have_value("system")
    sign_in(member, email, MEMBER_PASSWORD)
    expect(page.locator("#theme")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_label("Theme")).to_have_value("dark")
    scheme = page.evaluate("getComputedStyle(document.documentElement).colorScheme")
    assert scheme == "dark"


def test_a_comment_sent_twice_is_posted_once(reading, live_app: Flask, mode: str):
    member, slug, _writer = reading("twice")
    page = member.page
    text = f"Only once, please ({mode})"
    member.fill(page.get_by_label("Write a comment"), text)
    button = page.get_by_role("button", name="Post comment")
    if mode == "nojs":
        # The same form sent again (a reload of the POST, a retry): one comment.
        token = page.locator("input[name=once]").input_value()
        form = {
            "body": text,
            "once": token,
            "csrf_token": page.locator("#comment-form input[name=csrf_token]").input_value(),
        }
        for _ in range(2):
            page.request.post(f"/article/{slug}/comments", form=form)
    else:
        held: list[Route] = []
        page.route(f"**/article/{slug}/comments", lambda route: held.append(route))
        member.press(button)
        expect(button).to_be_disabled()  # while the request is in flight
        # Pressing again while it is disabled sends nothing.
        if member.keyboard:
            page.keyboard.press("Enter")
        else:
            button.click(force=True)
        held[0].continue_()
        expect_status(page, "Your comment is posted.")
        expect(button).to_be_enabled()
        page.unroute(f"**/article/{slug}/comments")
    with Session(live_app.extensions["conduit.db"]) as session:
        posted = session.exec(select(Comment).where(Comment.body == text)).all()
    assert len(posted) == 1


def test_visitors_asking_for_their_feed_are_asked_to_sign_in(actor: Actor):
    page = actor.page
    response = page.goto("/?feed=following")
    assert response is not None
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect_status(page, "Please sign in to continue.")


def test_back_shows_the_list_as_it_is_now(new_actor, make_member, make_article, mode: str):
    """Favorite and save on an article, then Back: the list (the writer's profile) shows
    the new count, the pressed buttons, the reading list's count, its own title, and
    focus on its heading."""
    reader = new_actor()
    sign_in(reader, make_member(f"back_{mode}"), MEMBER_PASSWORD)
    writer = f"back_writer_{mode}"
    make_member(writer)
    title = f"Back again in {mode} mode"
    slug = make_article(writer, title)
    page = reader.page
    page.goto(f"/profile/{writer}")
    wait_for_htmx(reader)
    preview = page.locator("article.preview").filter(has_text=title)
    expect(preview.locator(".favorite")).to_contain_text("0")
    reader.press(preview.get_by_role("link", name=title))
    expect(page).to_have_url(re.compile(rf"/article/{re.escape(slug)}$"))
    reader.press(page.locator(".article-banner .favorite-form button"))
    expect_status(page, f"Added to your favorites: “{title}”.")
    reader.press(page.locator(".article-banner .save-form button"))
    expect_status(page, f"Saved to your reading list: “{title}”.")

    page.go_back()  # the browser's Back (Alt+Left is the browser's, not the page's)
    if mode == "nojs":  # each form sent added a visit to the article: back past them
        for _ in range(2):
            page.go_back()
    expect(page).to_have_url(re.compile(rf"/profile/{writer}$"))
    expect(page).to_have_title(re.compile(writer))
    button = preview.locator(".favorite-form button")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_contain_text("1")
    expect(preview.locator(".save-form button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#reading-list-count")).to_have_text("(1)")
    if mode != "nojs":
        expect(page.locator("main [data-focus-after-swap]").first).to_be_focused()
        check_axe(reader, ("light",))
