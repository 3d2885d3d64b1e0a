"""Atom feeds, the sitemap, robots.txt and the meta tags pages share with the world."""

import re
from datetime import timedelta

import feedparser
import pytest

from tests.factories import make_articles, make_user
from web.articles import create_article, update_article
from web.models import utcnow

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))'


def parse(client, url: str):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception  # well-formed XML
    assert feed.version == "atom10"
    return feed, response


def meta(html: str, key: str) -> list[str]:
    """The content of every <meta property|name=key> (or the href of <link rel=key>)."""
    found = re.findall(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found or re.findall(rf'<link rel="{re.escape(key)}"[^>]* href="([^"]*)"', html)


@pytest.fixture
def writers(db):
    ana, bob = make_user(db, "ana"), make_user(db, "bob")
    make_articles(db, ana, 3, tags=["python"], title="Snakes")
    make_articles(db, bob, 2, tags=["rust"], title="Crabs", start=utcnow() - timedelta(hours=1))
    return ana, bob


def test_the_global_feed_is_valid_atom_with_whole_articles(client, writers):
    feed, _ = parse(client, "/feed.atom")
    assert feed.feed.title == "Conduit: newest articles"
    assert feed.feed.link == "http://localhost/"
    assert [e.title for e in feed.entries] == ["Crabs 2", "Crabs 1", "Snakes 3", "Snakes 2",
                                               "Snakes 1"]  # fmt: skip
    entry = feed.entries[0]
    assert entry.id.startswith("tag:localhost,")
    assert entry.link == "http://localhost/article/crabs-2"
    assert entry.author == "bob"
    assert entry.author_detail.href == "http://localhost/profile/bob"
    assert entry.summary == "About crabs 2"
    assert [t.term for t in entry.tags] == ["rust"]
    assert entry.published_parsed
    assert entry.updated_parsed
    assert entry.content[0].type == "text/html"
    assert "<h2>Crabs 2</h2>" in entry.content[0].value  # the page's markdown renderer


def test_feeds_carry_sanitised_html_only(client, db):
    author = make_user(db, "mallory")
    create_article(session=db, author_id=author.id, title="Hostile", description="d", body=XSS)
    db.commit()
    raw = client.get("/feed.atom").text
    feed = feedparser.parse(raw)
    html = feed.entries[0].content[0].value
    assert "<script" not in html
    assert not re.search(r"<[^>]*onerror", html)  # as text, escaped, at most
    assert 'href="javascript:' not in html
    assert "<script" not in raw  # escaped inside <content type="html">, never raw markup


def test_tag_and_author_feeds(client, writers):
    tagged, _ = parse(client, "/tag/python/feed.atom")
    assert tagged.feed.title == "Conduit: #python"
    assert {e.title for e in tagged.entries} == {"Snakes 1", "Snakes 2", "Snakes 3"}
    authored, _ = parse(client, "/profile/bob/feed.atom")
    assert authored.feed.link == "http://localhost/profile/bob"
    assert [e.author for e in authored.entries] == ["bob", "bob"]
    empty, _ = parse(client, "/tag/nothing/feed.atom")
    assert empty.entries == []
    assert client.get("/profile/nobody/feed.atom").status_code == 404


def test_feed_readers_poll_cheaply_and_see_writes_at_once(app, client, db, writers, queries):
    queries.clear()
    _, first = parse(client, "/feed.atom")
    assert len(queries) <= 5  # page, count, tags, bodies: not one per entry
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/feed.atom", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/feed.atom", headers={"If-Modified-Since": modified}).status_code == 304
    with app.app_context():  # a write through the app: the next read sees it
        make_articles(db, writers[0], 1, title="Fresh")
    again = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert "Fresh 1" in again.text


def test_an_entry_keeps_its_id_when_its_title_changes(app, client, db, writers):
    before = {e.title: e.id for e in feedparser.parse(client.get("/feed.atom").data).entries}
    with app.app_context():
        update_article(session=db, slug="snakes-1", editor_id=writers[0].id, title="Pythons")
    after = feedparser.parse(client.get("/feed.atom").data).entries
    renamed = next(e for e in after if e.title == "Pythons")
    assert renamed.id == before["Snakes 1"]
    assert renamed.link == "http://localhost/article/pythons"


def test_the_sitemap_lists_current_addresses_only(client, db, writers):
    update_article(session=db, slug="snakes-1", editor_id=writers[0].id, title="Pythons")
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    locations = re.findall(r"<loc>([^<]+)</loc>", response.text)
    assert locations[0] == "http://localhost/"
    assert "http://localhost/article/pythons" in locations
    assert "http://localhost/article/snakes-1" not in locations  # a former slug
    assert len(locations) == 1 + 5
    assert "<lastmod>" in response.text


def test_a_large_sitemap_is_an_index_of_pages(client, writers, monkeypatch):
    monkeypatch.setattr("web.pages.syndication.SITEMAP_PAGE", 2)
    index = client.get("/sitemap.xml").text
    assert "<sitemapindex" in index
    parts = re.findall(r"<loc>([^<]+)</loc>", index)
    assert parts == [f"http://localhost/sitemap-{n}.xml" for n in (1, 2, 3)]
    pages = [re.findall(r"<loc>([^<]+)</loc>", client.get(p).text) for p in parts]
    assert pages[0][0] == "http://localhost/"  # the home page, once
    assert sum(len(page) for page in pages) == 1 + 5
    assert client.get("/sitemap-4.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_robots_point_to_the_sitemap_and_away_from_forms(client):
    text = client.get("/robots.txt").text
    assert "Sitemap: http://localhost/sitemap.xml" in text
    assert "Disallow: /editor" in text
    assert "Disallow: /api/" in text


def test_an_article_page_says_how_to_share_it(client, writers):
    html = client.get("/article/snakes-2").text
    assert meta(html, "canonical") == ["http://localhost/article/snakes-2"]
    assert meta(html, "og:type") == ["article"]
    assert meta(html, "og:title") == ["Snakes 2"]
    assert meta(html, "og:description") == ["About snakes 2"]
    assert meta(html, "description") == ["About snakes 2"]
    assert meta(html, "og:url") == ["http://localhost/article/snakes-2"]
    assert meta(html, "article:author") == ["http://localhost/profile/ana"]
    assert meta(html, "article:tag") == ["python"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00",
                        meta(html, "article:published_time")[0])  # fmt: skip
    assert meta(html, "twitter:card") == ["summary"]
    assert "/profile/ana/feed.atom" in meta(html, "alternate")


def test_feed_pages_link_their_atom_feeds(client, writers):
    tag = client.get("/?tag=python").text
    assert meta(tag, "alternate") == ["/feed.atom", "/tag/python/feed.atom"]
    assert meta(tag, "canonical") == ["http://localhost/?tag=python"]
    assert '<a href="/tag/python/feed.atom">Atom feed of #python</a>' in tag
    profile = client.get("/profile/ana").text
    assert meta(profile, "og:type") == ["profile"]
    assert meta(profile, "alternate") == ["/feed.atom", "/profile/ana/feed.atom"]
    assert "Atom feed of ana's articles" in profile
    home = client.get("/?page=1&tag=").text
    assert meta(home, "canonical") == ["http://localhost/?page=1"]


def test_any_query_makes_a_canonical_url_never_an_error(client, writers):
    # Names that url_for would take for its own (or a path part) must stay plain data.
    page = client.get("/profile/ana?username=bob&_external=0&_anchor=x&empty=")
    assert page.status_code == 200
    assert meta(page.text, "canonical") == [
        "http://localhost/profile/ana?username=bob&amp;_external=0&amp;_anchor=x"
    ]
