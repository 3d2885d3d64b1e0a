"""A draft's life in a browser, three ways: saved from the editor, found under Drafts on
the writer's own profile (nowhere else), published from its page, then public."""

from playwright.sync_api import expect
from sqlmodel import Session, select

from e2e.actors import Actor, check_axe, expect_status, sign_in, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD
from web.articles import delete_article
from web.models import User


def test_save_a_draft_find_it_and_publish_it(
    actor: Actor, new_actor, make_member, live_app, mode: str
):
    page = actor.page
    writer = make_member(f"drafter_{mode}")
    title = f"Half done {mode}"
    sign_in(actor, writer, MEMBER_PASSWORD)
    page.goto("/editor")
    wait_for_htmx(actor)
    actor.fill(page.get_by_label("Title"), title)
    actor.fill(page.get_by_label("What's this article about?"), "Not finished")
    actor.fill(page.get_by_label("Article (Markdown)"), "The first half.")
    actor.press(page.get_by_role("button", name="Save draft"))

    # Back in the editor of the draft, told where it is.
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit draft")
    expect_status(page, "Your draft is saved. Only you can see it until you publish it.")
    expect(page).to_have_title(f"Edit draft “{title}” — Conduit")
    expect(page.get_by_label("Article (Markdown)")).to_have_value("The first half.")
    check_axe(actor, themes=("light",))

    # Under Drafts on the writer's profile, and in no feed.
    username = writer.split("@")[0]
    page.goto(f"/profile/{username}")
    wait_for_htmx(actor)
    expect(page.get_by_role("heading", name=title)).to_have_count(0)
    actor.press(page.get_by_role("link", name="Drafts"))
    expect(page.get_by_role("link", name="Drafts")).to_have_attribute("aria-current", "page")
    actor.press(page.get_by_role("link", name=title))

    # Its page says it is a draft and offers nothing but the author's own actions.
    expect(page.get_by_role("note", name="Draft")).to_contain_text("Only you can see it")
    # It sits in the article's column (the title's left edge too), its text clear of its
    # edges.
    notice = page.get_by_role("note", name="Draft").bounding_box()
    column = page.locator(".article-description").bounding_box()
    text = page.get_by_role("note", name="Draft").locator("p").bounding_box()
    assert notice
    assert column
    assert text
    assert notice["x"] >= column["x"] - 1
    assert notice["x"] + notice["width"] <= column["x"] + column["width"] + 1
    assert notice["y"] + notice["height"] - (text["y"] + text["height"]) >= 8
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert heading
    assert abs(heading["x"] - column["x"]) <= 1
    expect(page.get_by_role("heading", name="Comments")).to_have_count(0)
    expect(page.get_by_role("button", name="Favorite")).to_have_count(0)
    check_axe(actor, themes=("light",))
    draft_url = page.url

    # Another reader cannot reach it, even with its address.
    reader = new_actor()
    missing = reader.page.goto(draft_url)
    assert missing is not None
    assert missing.status == 404

    actor.press(
        page.get_by_role("note", name="Draft").get_by_role("button", name="Publish article")
    )
    expect_status(page, "Your article is published.")
    expect(page.get_by_role("note", name="Draft")).to_have_count(0)
    expect(page.get_by_role("heading", name="Comments")).to_be_visible()
    if mode != "nojs":
        expect(page.get_by_role("heading", level=1)).to_be_focused()

    # Now public: on the home page for the other reader.
    reader.page.goto("/")
    expect(reader.page.get_by_role("heading", name=title)).to_be_visible()

    # Tidy up: the other journeys count the articles of the shared site.
    with Session(live_app.extensions["conduit.db"]) as session:
        author = session.exec(select(User).where(User.username == username)).one()
        slug = draft_url.rsplit("/", 1)[-1]
        delete_article(session=session, slug=slug, editor_id=author.id)
