"""Drafts: seen by their author alone, listed nowhere else, published later and dated
then; through the pages and through the API."""

from datetime import timedelta

import feedparser
import pytest
from sqlmodel import select

from tests.api.test_api import Api
from tests.conftest import AuthActions, csrf_token
from tests.factories import favorite, follow, make_articles, make_user
from web.articles import create_article, find_articles, popular_tags, publish_article
from web.models import Article, User, utcnow
from web.problems import NotFound
from web.search import find_matches

SECRET = "Zanzibar"  # a word only the draft holds


def draft_of(db, author: User, title: str = "Unfinished thoughts", **fields) -> Article:
    return create_article(
        session=db, author_id=author.id, title=title, description="Not ready",
        body=f"Half an idea about {SECRET}.", tags=fields.pop("tags", ["secret"]),
        draft=True, **fields,
    )  # fmt: skip


@pytest.fixture
def scene(db):
    """ana wrote one published article and one draft; bob follows her and favorites
    everything he can."""
    ana, bob = make_user(db, "ana"), make_user(db, "bob")
    [published] = make_articles(db, ana, 1, tags=["open"], title="Finished")
    draft = draft_of(db, ana)
    follow(db, bob, ana)
    favorite(db, bob, published)
    return ana, bob, draft


def test_a_draft_is_in_no_list_search_or_tag(db, scene):
    ana, bob, draft = scene
    for filters in ({}, {"tag": "secret"}, {"author": "ana"}, {"author_id": ana.id},
                    {"followed_by": bob.id}, {"favorited_by": bob.id}):  # fmt: skip
        items, total = find_articles(session=db, offset=0, limit=20, viewer_id=ana.id, **filters)
        assert draft.id not in [item.id for item in items], filters
        assert total == len(items), filters
    assert "secret" not in popular_tags(session=db)
    assert find_matches(session=db, query=SECRET, offset=0, limit=20, viewer_id=ana.id) == ([], 0)
    mine, total = find_articles(session=db, offset=0, limit=20, author_id=ana.id, drafts=True)
    assert [item.id for item in mine] == [draft.id]
    assert total == 1
    assert mine[0].draft


def test_publishing_dates_it_and_lists_it_everywhere(db, scene):
    ana, bob, draft = scene
    written = draft.created_at
    article, now = publish_article(session=db, slug=draft.slug, editor_id=ana.id)
    assert now
    assert not article.draft
    assert article.created_at > written
    assert article.created_at == article.updated_at
    items, _ = find_articles(session=db, offset=0, limit=20, followed_by=bob.id)
    assert items[0].id == draft.id  # the newest in bob's feed
    assert "secret" in popular_tags(session=db)
    assert find_matches(session=db, query=SECRET, offset=0, limit=20, viewer_id=None)[1] == 1
    again, now = publish_article(session=db, slug=draft.slug, editor_id=ana.id)
    assert not now
    assert again.created_at == article.created_at


def test_only_its_author_can_publish_a_draft(db, scene):
    _ana, bob, draft = scene
    with pytest.raises(NotFound):  # not even told it exists
        publish_article(session=db, slug=draft.slug, editor_id=bob.id)


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def members(app, db):  # type: ignore[no-untyped-def]
    """ana and bob signed in through the real forms, each in a browser of their own,
    with the scene's articles."""
    browsers = {}
    for name in ("ana", "bob"):
        browsers[name] = app.test_client()
        assert AuthActions(browsers[name]).register(name).status_code == 303
    ana, bob = (db.exec(select(User).where(User.username == n)).one() for n in ("ana", "bob"))
    [published] = make_articles(db, ana, 1, tags=["open"], title="Finished")
    draft = draft_of(db, ana)
    follow(db, bob, ana)
    favorite(db, bob, published)
    return browsers["ana"], browsers["bob"], draft


def test_the_draft_page_is_its_authors_alone(client, members):
    ana_client, bob_client, draft = members
    url = f"/article/{draft.slug}"
    assert client.get(url).status_code == 404
    assert bob_client.get(url).status_code == 404
    page = ana_client.get(url)
    assert page.status_code == 200
    assert "<strong>Draft.</strong>" in page.text
    assert f'action="/article/{draft.slug}/publish"' in page.text
    assert '<meta name="robots" content="noindex">' in page.text
    assert 'id="comments-section"' not in page.text  # nothing to discuss yet
    assert "/favorite" not in page.text
    for path in (f"/article/{draft.slug}/comments", f"/editor/{draft.slug}"):
        assert bob_client.get(path).status_code in (403, 404), path


def test_others_cannot_comment_on_or_favorite_a_draft(members):
    _ana_client, bob_client, draft = members
    token = csrf_token(bob_client)
    for action, data in (("comments", {"body": "First!"}), ("favorite", {})):
        response = bob_client.post(
            f"/article/{draft.slug}/{action}", data={**data, "csrf_token": token}
        )
        assert response.status_code == 404, action


def test_the_drafts_tab_is_shown_to_its_owner_only(client, members):
    ana_client, bob_client, draft = members
    own = ana_client.get("/profile/ana?tab=drafts")
    assert own.status_code == 200
    assert f'href="/article/{draft.slug}"' in own.text
    assert 'aria-current="page"' in own.text
    assert ">Drafts<" in own.text
    assert ">Drafts<" in ana_client.get("/profile/ana").text
    assert ">Drafts<" not in bob_client.get("/profile/ana").text
    assert f"/article/{draft.slug}" not in ana_client.get("/profile/ana").text
    assert bob_client.get("/profile/ana?tab=drafts").status_code == 404
    visitor = client.get("/profile/ana?tab=drafts")
    assert visitor.status_code == 303
    assert visitor.headers["Location"] == "/login?next=/profile/ana?tab%3Ddrafts"


def test_no_feed_sitemap_or_page_lists_a_draft(client, members):
    ana_client, _bob_client, draft = members
    for url in ("/", "/?tag=secret", "/profile/ana", f"/search?q={SECRET}", "/sitemap.xml"):
        assert draft.slug not in client.get(url).text, url
        assert draft.slug not in ana_client.get(url).text, url
    for url in ("/feed.atom", "/tag/secret/feed.atom", "/profile/ana/feed.atom"):
        feed = feedparser.parse(client.get(url).data)
        assert [e.title for e in feed.entries if "Unfinished" in e.title] == [], url
    assert "secret" not in client.get("/").text  # not among popular tags


def test_save_a_draft_keep_writing_then_publish(app, members, db):
    ana_client = members[0]
    token = csrf_token(ana_client, "/editor")
    fields = {"title": "Work in progress", "description": "Soon", "body": "Day one.",
              "tags": "wip", "csrf_token": token}  # fmt: skip
    once = _once(ana_client.get("/editor").text)
    saved = ana_client.post("/editor", data={**fields, "once": once, "draft": "1"})
    assert saved.status_code == 303
    assert saved.headers["Location"] == "/editor/work-in-progress"
    editor = ana_client.get(saved.headers["Location"])
    assert "Your draft is saved" in editor.text
    assert "<h1" in editor.text
    assert "Edit draft" in editor.text
    assert editor.text.index(">Save draft<") < editor.text.index(">Publish article<")
    # The same form sent again: one draft, and the writer is told.
    replay = ana_client.post("/editor", data={**fields, "once": once, "draft": "1"})
    assert replay.headers["Location"] == "/editor/work-in-progress"
    assert "already saved" in ana_client.get(replay.headers["Location"]).text
    # Enter in a field (no button named): the draft stays a draft.
    again = ana_client.post("/editor/work-in-progress", data={**fields, "body": "Day two."})
    assert again.headers["Location"] == "/editor/work-in-progress"
    article = db.exec(select(Article).where(Article.slug == "work-in-progress")).one()
    db.refresh(article)
    assert article.draft
    assert article.body == "Day two."
    assert client_home_lacks(app, "work-in-progress")
    published = ana_client.post("/editor/work-in-progress", data={**fields, "publish": "1"})
    assert published.headers["Location"] == "/article/work-in-progress"
    assert "Your article is published." in ana_client.get("/article/work-in-progress").text
    assert not client_home_lacks(app, "work-in-progress")
    editor = ana_client.get("/editor/work-in-progress").text
    assert ">Update article<" in editor
    assert ">Save draft<" not in editor


def test_a_new_article_is_published_unless_saved_as_a_draft(app, members):
    ana_client = members[0]
    fields = {"title": "Straight out", "description": "Now", "body": "Hello.",
              "csrf_token": csrf_token(ana_client, "/editor")}  # fmt: skip
    response = ana_client.post("/editor", data=fields)  # no button named: as before
    assert response.headers["Location"] == "/article/straight-out"
    assert not client_home_lacks(app, "straight-out")


def test_the_publish_button_on_the_draft_page(members):
    ana_client, _bob_client, draft = members
    token = csrf_token(ana_client, f"/article/{draft.slug}")
    first = ana_client.post(f"/article/{draft.slug}/publish", data={"csrf_token": token})
    assert first.headers["Location"] == f"/article/{draft.slug}"
    page = ana_client.get(first.headers["Location"]).text
    assert "Your article is published." in page
    assert "<strong>Draft.</strong>" not in page
    assert 'id="comments-section"' in page
    replayed = ana_client.post(f"/article/{draft.slug}/publish", data={"csrf_token": token})
    assert "already published" in ana_client.get(replayed.headers["Location"]).text


def _once(html: str) -> str:
    import re

    match = re.search(r'name="once" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def client_home_lacks(app, slug: str) -> bool:
    return f"/article/{slug}" not in app.test_client().get("/").text


# --- API -----------------------------------------------------------------------------------


NEW = {"title": "Later", "description": "Not yet", "body": f"About {SECRET}", "tagList": ["later"]}


def test_the_api_publishes_unless_a_client_opts_in(app):
    ana, bob = Api(app.test_client(), "/api/v1"), Api(app.test_client(), "/api/v1")
    ana.register("ana")
    bob.register("bob")
    now = {**NEW, "title": "Now", "body": "Out there", "tagList": ["now"]}
    plain = ana.call("POST", "/articles", {"article": now}).json["article"]
    assert plain["draft"] is False
    created = ana.call("POST", "/articles", {"article": {**NEW, "draft": True}})
    assert created.status_code == 201
    slug = created.json["article"]["slug"]
    assert created.json["article"]["draft"] is True
    assert ana.call("GET", f"/articles/{slug}").status_code == 200
    assert bob.call("GET", f"/articles/{slug}").status_code == 404
    assert (
        bob.call("POST", f"/articles/{slug}/comments", {"comment": {"body": "Hi"}}).status_code
        == 404
    )
    assert bob.call("POST", f"/articles/{slug}/favorite").status_code == 404
    for url in ("/articles", "/articles?tag=later", "/articles?author=ana", f"/articles?q={SECRET}",
                "/profiles/ana/articles"):  # fmt: skip
        listed = ana.call("GET", url).json["articles"]
        assert slug not in [article["slug"] for article in listed], url
    assert ana.call("GET", "/tags").json["tags"] == ["now"]
    drafts = ana.call("GET", "/profiles/ana/drafts")
    assert [a["slug"] for a in drafts.json["articles"]] == [slug]
    assert bob.call("GET", "/profiles/ana/drafts").status_code == 404
    assert Api(app.test_client(), "/api").call("GET", "/profiles/ana/drafts").status_code == 401
    # A published article cannot go back; a draft is published with draft: false.
    back = ana.call("PUT", f"/articles/{plain['slug']}", {"article": {"draft": True}})
    assert back.status_code == 422
    published = ana.call("PUT", f"/articles/{slug}", {"article": {"draft": False}})
    assert published.status_code == 200
    assert published.json["article"]["draft"] is False
    assert bob.call("GET", f"/articles/{slug}").status_code == 200
    assert ana.call("GET", "/profiles/ana/drafts").json["articlesCount"] == 0


def test_a_draft_written_long_ago_is_dated_when_published(db):
    ana = make_user(db, "ana")
    old = draft_of(db, ana, created_at=utcnow() - timedelta(days=30))
    article, _ = publish_article(session=db, slug=old.slug, editor_id=ana.id)
    assert utcnow() - article.created_at < timedelta(minutes=1)
