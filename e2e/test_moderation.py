"""Moderation in a browser, three ways: a reader reports an article, a moderator hides
it from the queue and suspends its author; the author sees why, and is shut out."""

import re

from playwright.sync_api import expect
from sqlmodel import Session, select

from e2e.actors import Actor, check_axe, expect_status, sign_in, wait_for_htmx
from e2e.conftest import MEMBER_PASSWORD
from web import moderation
from web.articles import create_article, delete_article
from web.models import User


def test_report_hide_and_suspend(actor: Actor, new_actor, make_member, live_app, mode: str):
    writer, reader, moderator = (make_member(f"{role}_{mode}") for role in ("w", "r", "m"))
    title = f"Cheap pills {mode}"
    with Session(live_app.extensions["conduit.db"]) as session:
        moderation.set_role(session=session, admin=None, username=f"m_{mode}",
                            role="moderator", reason="e2e")  # fmt: skip
        author = session.exec(select(User).where(User.username == f"w_{mode}")).one()
        article = create_article(session=session, author_id=author.id, title=title,
                                 description="Buy now", body="Cheap pills.")  # fmt: skip
        slug, author_id = article.slug, author.id

    # A reader reports the article from its page.
    page = actor.page
    sign_in(actor, reader, MEMBER_PASSWORD)
    page.goto(f"/article/{slug}")
    wait_for_htmx(actor)
    actor.press(page.get_by_role("link", name="Report this article"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Report this article")
    check_axe(actor, themes=("light",))
    actor.press(page.get_by_role("button", name="Send the report"))
    expect(page.locator(".error-summary")).to_contain_text("Choose why you report this.")
    check_axe(actor, themes=("light",))
    actor.check(page.get_by_label("Spam"))
    actor.press(page.get_by_role("button", name="Send the report"))
    expect_status(page, "Thank you: your report was sent to the moderators.")
    expect(page).to_have_url(re.compile(f"/article/{slug}$"))

    # The moderator finds it in the queue and hides it, with a reason.
    mod = new_actor()
    sign_in(mod, moderator, MEMBER_PASSWORD)
    mod.press(mod.page.get_by_role("link", name="Moderation"))
    case = mod.page.locator("li.case").filter(has=mod.page.get_by_role("link", name=title))
    expect(case).to_contain_text("reported by 1 member")
    expect(case).to_contain_text("Spam")
    check_axe(mod)
    mod.press(case.get_by_role("button", name="Hide it"))  # no reason yet
    expect(case.get_by_text("Give a reason for the decision.")).to_be_visible()
    mod.fill(case.get_by_label("Reason (kept in the log, and told to the member)"), "Advertising")
    mod.press(case.get_by_role("button", name="Hide it"))
    expect_status(mod.page, "The article is hidden; its author was told why.")
    expect(mod.page.locator("li.case").filter(has_text=title)).to_have_count(0)
    check_axe(mod, themes=("light",))

    # Gone for the reader; there for its author, with the reason.
    page.goto("/")
    expect(page.get_by_role("heading", name=title)).to_have_count(0)
    missing = page.goto(f"/article/{slug}")
    assert missing is not None
    assert missing.status == 404
    author_actor = new_actor()
    sign_in(author_actor, writer, MEMBER_PASSWORD)
    author_actor.page.goto(f"/article/{slug}")
    expect(author_actor.page.get_by_role("note", name="Hidden")).to_contain_text(
        "Hidden by the moderators: Advertising"
    )
    check_axe(author_actor, themes=("light",))

    # The moderator suspends the author: signed out at once, and kept out.
    mod.page.goto(f"/moderation/members/w_{mode}")
    wait_for_htmx(mod)
    mod.fill(mod.page.get_by_label("Reason (kept in the log, and told to the member)"), "Spam")
    mod.press(mod.page.get_by_role("button", name=f"Suspend w_{mode}"))
    expect_status(mod.page, f"w_{mode} is suspended and signed out everywhere.")
    expect(mod.page.locator(".member-status")).to_contain_text("Suspended until a moderator")
    check_axe(mod, themes=("light",))
    author_actor.page.goto("/settings")
    expect(author_actor.page).to_have_url(re.compile("/login"))
    author_actor.page.goto("/login")
    wait_for_htmx(author_actor)
    author_actor.fill(author_actor.page.get_by_label("Email"), writer)
    author_actor.fill(author_actor.page.get_by_label("Password"), MEMBER_PASSWORD)
    author_actor.press(author_actor.page.get_by_role("button", name="Sign in"))
    expect(author_actor.page.locator(".error-summary")).to_contain_text(
        "Your account is suspended until the moderators lift it."
    )
    check_axe(author_actor, themes=("light",))

    # Tidy up: the other journeys count the articles of the shared site.
    with Session(live_app.extensions["conduit.db"]) as session:
        delete_article(session=session, slug=slug, editor_id=author_id)


def test_an_admin_gives_a_role_and_reads_the_log(actor: Actor, make_member, live_app, mode: str):
    admin = make_member(f"ad_{mode}")
    make_member(f"helper_{mode}")
    with Session(live_app.extensions["conduit.db"]) as session:
        moderation.set_role(session=session, admin=None, username=f"ad_{mode}", role="admin",
                            reason="e2e")  # fmt: skip
    page = actor.page
    sign_in(actor, admin, MEMBER_PASSWORD)
    page.goto(f"/profile/helper_{mode}")
    wait_for_htmx(actor)
    actor.press(page.get_by_role("link", name=f"Moderate helper_{mode}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Moderating helper_{mode}")
    check_axe(actor, themes=("light",))
    actor.choose(page.get_by_role("combobox", name="Role"), "Moderator")
    actor.fill(page.get_by_label("Reason (kept in the log)", exact=True), "Helps every week")
    actor.press(page.get_by_role("button", name="Change the role"))
    expect_status(page, f"helper_{mode}'s role is changed.")
    expect(page.locator(".member-status")).to_contain_text("Role: Moderator.")
    expect(page.locator("table.log")).to_contain_text("Helps every week")
    check_axe(actor, themes=("light",))

    # The log, filtered by the member; nothing in it offers a change.
    page.goto("/moderation/log")
    wait_for_htmx(actor)
    actor.fill(page.get_by_label("About member"), f"helper_{mode}")
    actor.press(page.get_by_role("button", name="Filter"))
    expect(page).to_have_url(re.compile(f"member=helper_{mode}"))
    rows = page.locator("table.log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Role changed: Moderator")
    expect(page.locator("table.log").get_by_role("button")).to_have_count(0)
    check_axe(actor)
