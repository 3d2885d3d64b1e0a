import re

import pytest

from tests.conftest import assert_constant, costs, make_test_app
from tests.factories import favorite, make_articles, make_user
from web.db import dispose
from web.models import utcnow

HTMX_FEED = {"HX-Request": "true", "HX-Target": "feed"}


@pytest.fixture
def articles(db):
    author = make_user(db, "writer")
    ids = make_articles(db, author, 25, tags=["htmx"])
    favorite(db, author, ids[-1])
    make_articles(db, make_user(db, "other"), 2, tags=["flask"], title="Flask", start=utcnow())
    return ids


@pytest.mark.usefixtures("articles")
def test_full_page_has_layout_feed_tags_and_pagination(client):
    response = client.get("/")
    html = response.text
    assert response.status_code == 200
    assert response.vary.as_set() >= {"hx-request"}
    assert html.startswith("<!doctype html>")
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert '<nav id="site-nav" class="nav" aria-label="Main">' in html
    assert 'role="status"' in html
    assert html.count('<article class="preview"') == 10
    assert "Flask 2" in html  # newest first
    assert 'aria-label="Popular tags"' in html
    assert re.search(
        r'<a href="/\?page=2" hx-get="/\?page=2" hx-target="#feed" hx-push-url="true"', html
    )
    assert "page 1 of 3" in html
    assert '<meta name="htmx-config"' in html


@pytest.mark.usefixtures("articles")
def test_preview_shows_author_date_title_description_tags_and_favorites(client):
    html = client.get("/?tag=htmx").text
    preview = html.split('<article class="preview"')[1].split("</article>")[0]
    assert "writer" in preview
    assert "Article 25" in preview
    assert "About article 25" in preview
    assert '<li class="tag">htmx</li>' in preview
    assert 'aria-label="Sign in to favorite “Article 25” (1 favorite)"' in preview
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', preview)


@pytest.mark.usefixtures("articles")
def test_htmx_request_for_another_page_gets_only_the_feed_block(client):
    response = client.get("/?page=2", headers=HTMX_FEED)
    html = response.text
    assert response.status_code == 200
    assert response.vary.as_set() >= {"hx-request"}
    assert "<html" not in html
    assert "<main" not in html
    assert "Popular tags" not in html
    assert html.count('<article class="preview"') == 10
    assert 'id="feed-heading"' in html
    assert "page 2 of 3" in html
    # The reader is told where they landed, out-of-band in the status region.
    assert '<div id="status" hx-swap-oob="innerHTML"><p class="status-message">' in html
    assert "Global feed, page 2 of 3" in html


@pytest.mark.parametrize(
    "headers",
    [
        {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "feed"},
        {"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Target": "feed"},
        {"HX-Request": "true", "HX-Target": "somewhere-else"},
        {"HX-History-Restore-Request": "true"},
    ],
    ids=["boosted", "history-restore", "unknown-target", "restore-without-hx-request"],
)
@pytest.mark.usefixtures("articles")
def test_other_htmx_requests_get_the_full_page(client, headers):
    response = client.get("/?page=2", headers=headers)
    assert response.text.startswith("<!doctype html>")
    assert "Popular tags" in response.text
    assert response.vary.as_set() >= {"hx-request"}


@pytest.mark.usefixtures("articles")
def test_tag_feed(client):
    html = client.get("/?tag=flask").text
    assert html.count('<article class="preview"') == 2
    assert 'aria-current="page">#flask</a>' in html
    fragment = client.get("/?tag=htmx&page=3", headers=HTMX_FEED).text
    assert fragment.count('<article class="preview"') == 5
    assert 'href="/?page=2&amp;tag=htmx"' in fragment or 'href="/?tag=htmx&amp;page=2"' in fragment


def test_empty_database_shows_an_empty_feed(client):
    html = client.get("/").text
    assert "No articles are here… yet." in html
    assert 'class="pagination"' not in html


@pytest.mark.usefixtures("articles")
def test_home_costs_the_same_few_queries_however_long_the_list(app, client, queries):
    app.config["FEED_PAGE_SIZE"] = 20
    # count, page with authors and favorites, tags, popular tags (and, outside SQLAlchemy's
    # view, one read of the site's generation for the cache: see the Server-Timing test)
    assert costs(client, queries, "/")[0] <= 4
    # The fragment skips the sidebar, and the total counted for the full page is reused.
    assert costs(client, queries, "/?page=2", headers=HTMX_FEED)[0] <= 2
    # A list of 2 and one of 20 cost the same.
    found = costs(client, queries, "/?tag=flask", "/?tag=htmx", headers=HTMX_FEED)
    assert_constant(found, at_most=3)


@pytest.mark.parametrize("url", ["/?page=0", "/?page=-1", "/?page=4", "/?tag=nope&page=2"])
@pytest.mark.usefixtures("articles")
def test_out_of_range_pages_are_404_in_the_layout(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "<!doctype html>" in response.text
    assert '<h1 tabindex="-1" data-focus-after-swap>Page not found</h1>' in response.text
    assert response.vary.as_set() >= {"hx-request"}


def test_unknown_url_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert '<main id="main"' in response.text


@pytest.mark.usefixtures("articles")
def test_404_for_htmx_is_a_small_fragment(client):
    response = client.get("/?page=99", headers=HTMX_FEED)
    assert response.status_code == 404
    html = response.text
    assert "<html" not in html
    assert '<h2 tabindex="-1" data-focus-after-swap>Page not found</h2>' in html
    # Announced once, in the status region; the broken address is not pushed.
    assert '<p class="status-message status-problem">There is no such page' in html
    assert response.headers["HX-Push-Url"] == "false"


def test_wrong_method_is_405_with_allow_header(client):
    response = client.post("/", data={})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "That action is not available" in response.text


def test_unexpected_errors_show_no_stack_trace(db_url):
    app = make_test_app(db_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    dispose(app)


@pytest.mark.usefixtures("articles")
def test_server_timing_in_development(db_url):
    app = make_test_app(db_url, SERVER_TIMING=True)
    header = app.test_client().get("/").headers["Server-Timing"]
    assert re.fullmatch(r'db;dur=\d+\.\d;desc="\d+ queries", total;dur=\d+\.\d', header)
    dispose(app)


def test_no_server_timing_outside_development(client):
    assert "Server-Timing" not in client.get("/").headers
