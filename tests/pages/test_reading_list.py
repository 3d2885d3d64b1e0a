"""The reading list: anyone saves articles to read later; a visitor's list lives in
their session, a member's on the account, and the first joins the second at sign-in."""

import re

import pytest
from sqlmodel import select

from tests.conftest import AuthActions, assert_constant, csrf_token
from tests.factories import make_articles, make_user
from web import reading_list
from web.articles import create_article
from web.models import Article, ReadingListItem, User

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


@pytest.fixture
def articles(db):
    writer = make_user(db, "writer")
    ids = make_articles(db, writer, 3, title="Story")
    return [db.get(Article, i) for i in ids]  # Story 1, 2, 3 (3 is the newest)


def save(client, article: Article, *, htmx: bool = False, on: bool = True):  # type: ignore[no-untyped-def]
    action = "save" if on else "unsave"
    return client.post(
        f"/article/{article.slug}/{action}",
        data={"csrf_token": csrf_token(client)},
        headers=HTMX if htmx else {},
    )


def count_in_header(html: str) -> str:
    match = re.search(r'<span id="reading-list-count" class="count"[^>]*>([^<]*)</span>', html)
    assert match, "no reading-list count in the header"
    return match.group(1).strip()


def listed(client) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get("/reading-list")
    assert page.status_code == 200
    return re.findall(r'<h3 id="preview-([^"]+)"', page.text)


def test_a_visitor_saves_without_js_and_sees_the_list(client, articles):
    first, second, _third = articles
    response = save(client, first)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/article/{first.slug}"
    page = client.get(response.headers["Location"]).text
    assert "Saved to your reading list: “Story 1”." in page
    assert count_in_header(page) == "(1)"
    assert 'aria-pressed="true"' in page
    save(client, second)
    save(client, second)  # twice: still once
    assert listed(client) == ["story-2", "story-1"]  # last saved first
    save(client, first, on=False)
    assert listed(client) == ["story-2"]
    assert count_in_header(client.get("/").text) == "(1)"


def test_a_visitors_list_never_reaches_another_visitors_cached_page(app, client, articles):
    app.test_client().get("/")  # a plain visitor's home page, now in the page cache
    save(client, articles[0])
    assert count_in_header(client.get("/").text) == "(1)"
    stranger = app.test_client().get("/").text
    assert count_in_header(stranger) == ""
    assert 'aria-pressed="true"' not in stranger


def test_with_htmx_the_button_and_the_header_count_change_in_place(client, articles):
    response = save(client, articles[0], htmx=True)
    assert response.status_code == 200
    text = response.text
    assert not re.search(r"<html|<main|<h1", text)
    assert 'id="save-button-' in text
    assert 'aria-pressed="true"' in text
    assert re.search(r'id="reading-list-count" class="count" hx-swap-oob="true"> \(1\)', text)
    assert "Saved to your reading list" in text  # announced in the status region
    undone = save(client, articles[0], htmx=True, on=False).text
    assert 'aria-pressed="false"' in undone
    assert re.search(r'id="reading-list-count" class="count" hx-swap-oob="true"></span>', undone)


def test_on_the_article_page_both_buttons_follow(client, articles):
    article = articles[0]
    headers = {**HTMX, "HX-Target": f"save-{article.id}-banner"}
    text = client.post(
        f"/article/{article.slug}/save", data={"csrf_token": csrf_token(client)}, headers=headers
    ).text
    assert f'id="save-{article.id}-banner"' in text
    assert re.search(rf'id="save-{article.id}-end"[^>]*\n?[^>]*hx-swap-oob="true"', text)


def test_what_cannot_be_saved(app, client, db, articles):
    assert save(client, Article(slug="no-such-article", title="x")).status_code == 404
    author = make_user(db, "drafter")
    draft = create_article(session=db, author_id=author.id, title="Secret", description="d",
                           body="b", draft=True)  # fmt: skip
    assert save(client, draft).status_code == 404


def test_a_full_list_says_so_and_keeps_what_it_has(client, articles, monkeypatch):
    monkeypatch.setattr(reading_list, "READING_LIST_MAX", 2)
    save(client, articles[0])
    save(client, articles[1])
    full = save(client, articles[2], htmx=True)
    assert full.status_code == 422
    assert "Your reading list is full" in full.text
    assert listed(client) == ["story-2", "story-1"]


def test_signing_in_merges_the_visitors_list_into_the_account(app, client, db, articles):
    first, second, third = articles
    AuthActions(client).register("reader")
    save(client, first)  # on the account
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    save(client, second)  # as a visitor, in this browser
    save(client, first)
    save(client, third)  # the visitor's newest
    assert AuthActions(client).login("reader@example.com").status_code == 303
    # The visitor's new ones first (newest first), then what the account had.
    assert listed(client) == ["story-3", "story-2", "story-1"]
    reader = db.exec(select(User).where(User.username == "reader")).one()
    assert (
        len(db.exec(select(ReadingListItem).where(ReadingListItem.user_id == reader.id)).all()) == 3
    )
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert listed(client) == []  # signed out: the account's list stays with the account


def test_a_deleted_article_leaves_every_list(app, client, db, articles):
    member = app.test_client()
    AuthActions(member).register("reader")
    for browser in (client, member):
        save(browser, articles[0])
        save(browser, articles[1])
    db.delete(db.get(Article, articles[0].id))
    db.commit()
    for browser in (client, member):
        assert listed(browser) == ["story-2"]
        assert count_in_header(browser.get("/reading-list").text) == "(1)"


def test_the_list_pages_and_costs_the_same_however_long(app, client, queries, db):
    app.config["FEED_PAGE_SIZE"] = 2
    writer = make_user(db, "writer")
    member = app.test_client()
    AuthActions(member).register("reader")
    ids = make_articles(db, writer, 5, title="Story")
    for article_id in ids:
        save(member, db.get(Article, article_id))
    assert listed(member) == ["story-5", "story-4"]
    assert member.get("/reading-list?page=3").status_code == 200
    assert member.get("/reading-list?page=4").status_code == 404
    costs = []
    for page in (1, 3):
        queries.clear()
        member.get(f"/reading-list?page={page}")
        costs.append(len(queries))
    # member, saved ids, previews, their tags
    assert_constant(costs, at_most=4)
    empty = client.get("/reading-list").text
    assert "Nothing saved yet." in empty
    assert "Kept in this browser until you" in empty
